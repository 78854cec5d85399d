import { F2bCampaignError } from '../core/errors.js';

// fail2ban's MyTime.str2seconds (server/mytime.py), step by step: digits glued to a word are split off (`1d12h` is
// `1d 12h`), each unit word becomes `*seconds`, digits separated by white space are added, and the result is an
// arithmetic expression (fail2ban eval()s it: `1hour+30min`, `1year-6mo`, `2*1h` are all valid).
const GLUED = /(?<=[a-z])(\d)/gi;
const unit = (words: string): RegExp => new RegExp(`(?<=[\\d\\s])(${words})\\b`, 'gi');
const UNITS: ReadonlyArray<readonly [RegExp, string]> = [
  [unit('days?|da|dd?'), `*${24 * 60 * 60}`],
  [unit('weeks?|wee?|ww?'), `*${7 * 24 * 60 * 60}`],
  // fail2ban's month and year respect leap years: 30.4375 and 365.25 days.
  [unit('months?|mon?'), `*${((365 * 3 + 366) * 24 * 60 * 60) / 4 / 12}`],
  [unit('years?|yea?|yy?'), `*${((365 * 3 + 366) * 24 * 60 * 60) / 4}`],
  [unit('seconds?|sec?|ss?'), '*1'],
  [unit('minutes?|min?|mm?'), '*60'],
  [unit('hours?|hou?|hh?'), `*${60 * 60}`],
];
const ADJACENT = /(\d)\s+(\d)/g;

/**
 * The arithmetic Python's eval gives such an expression: numbers, `+ - * / // % **`, parentheses, unary signs.
 * Anything else (a word fail2ban does not know, like `mins`) is not a time span, for fail2ban either.
 */
function evaluate(expression: string): number | null {
  const tokens = expression.match(/\d+(?:\.\d*)?|\.\d+|\*\*|\/\/|[-+*/%()]|\S/g) ?? [];
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const sum = (): number => {
    let value = product();
    while (peek() === '+' || peek() === '-') value = tokens[i++] === '+' ? value + product() : value - product();
    return value;
  };
  const product = (): number => {
    let value = signed();
    for (let op = peek(); op === '*' || op === '/' || op === '//' || op === '%'; op = peek()) {
      i++;
      const right = signed();
      if (op !== '*' && right === 0) throw new Error('division by zero');
      value =
        op === '*'
          ? value * right
          : op === '/'
            ? value / right
            : op === '//'
              ? Math.floor(value / right)
              : value - right * Math.floor(value / right);
    }
    return value;
  };
  const signed = (): number => {
    if (peek() === '-' || peek() === '+') return tokens[i++] === '-' ? -signed() : signed();
    return power();
  };
  const power = (): number => {
    const base = atom();
    if (peek() !== '**') return base;
    i++;
    return base ** signed();
  };
  const atom = (): number => {
    const token = tokens[i++];
    if (token === '(') {
      const value = sum();
      if (tokens[i++] !== ')') throw new Error('expected )');
      return value;
    }
    if (token === undefined || !/^(?:\d|\.\d)/.test(token)) throw new Error(`unexpected ${token}`);
    return Number(token);
  };
  try {
    const value = sum();
    return i === tokens.length && Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

/** fail2ban's seconds for a time span (MyTime.str2seconds), or BAD_FAIL2BAN_DURATION. */
function spanSeconds(text: string | number): number {
  if (typeof text === 'number') return text;
  let expression = text.replace(GLUED, ' $1');
  for (const [pattern, seconds] of UNITS) expression = expression.replace(pattern, seconds);
  const seconds = evaluate(expression.replace(ADJACENT, '$1+$2'));
  if (seconds === null) {
    throw new F2bCampaignError(
      'BAD_FAIL2BAN_DURATION',
      `expected a fail2ban time span like 600, 10m or 1h 30m, got ${JSON.stringify(text)}`,
    );
  }
  return seconds;
}

/**
 * Reads a time span the way fail2ban reads them (`600`, `10m`, `1h 30m`, `1d12h`, `1hour+30min`, `2days`, `-1`)
 * into milliseconds. A negative span is Infinity, so `start + span` stays meaningful (a bantime: see
 * parseFail2banBantime).
 */
export function parseFail2banDuration(text: string | number): number {
  const seconds = spanSeconds(text);
  return seconds < 0 ? Number.POSITIVE_INFINITY : Math.round(seconds * 1000);
}

/**
 * A bantime as fail2ban-server applies it (ticket.py, isTimedOut): exactly -1 bans for ever (Infinity); any other
 * negative span (`-1d`) ends each ban before it begins, so fail2ban logs `Ignore ..., expired bantime` and bans
 * nothing: null.
 */
export function parseFail2banBantime(text: string | number): number | null {
  const seconds = spanSeconds(text);
  if (seconds === -1) return Number.POSITIVE_INFINITY;
  return seconds < 0 ? null : Math.round(seconds * 1000);
}
