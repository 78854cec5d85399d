/**
 * The sshd message classifier: which of the messages sshd writes a line is, and what it names (role, reason,
 * address, user). What it makes is a MessageMatch (message-match.ts); the tail of Failed/Accepted lines is read in
 * sshd-origin.ts, the wrapping in sshd-wrapping.ts.
 */
import type { AuthEventReason } from '../core/auth-event.js';
import { type MessageMatch, match } from './message-match.js';
import { pamOrigin } from './pam-origin.js';
import { AMBIGUOUS, userAndOrigin } from './sshd-origin.js';
import { mayBeCut, stripDecorations } from './sshd-wrapping.js';

const NONE: MessageMatch = match('none', 'other');

/** The message may have been cut before its address, and it is not one of the forms that name the address first. */
export const CUT = Symbol('cut');
export type Classification = MessageMatch | typeof AMBIGUOUS | typeof CUT | null;

const FAILED = /^Failed (\S+) for (invalid user )?/;
const ACCEPTED = /^Accepted (\S+) for /;
const INVALID_USER = /^(?:Invalid|Illegal) user (.*) from (\S+)(?: port (\d+))?$/s;
const NOT_ALLOWED = /^User (.*) from (\S+) not allowed because ([A-Za-z' ]+)$/s;
const ROOT_REFUSED = /^ROOT LOGIN REFUSED FROM (\S+)(?: port (\d+))?$/;
// A PAM module's record of a try, written by whichever process runs PAM: sshd's monitor for a password, which then
// writes `Failed password` for the try, or a process of its own for keyboard-interactive (another pid). pam_unix
// writes it for the first failure of a PAM session only, and `PAM N more` for the rest. Never counted: sshd's own line
// for the try is (fail2ban's filter does not count it either).
const PAM_FAILURE = /^pam_\w+\(sshd:auth\): authentication failure; logname=/;
const PAM_MORE = /^PAM \d+ more authentication failures?; logname=/;
// sshd's monitor on a keyboard-interactive try that PAM refused (sshpam_query), on every platform. `Failed
// keyboard-interactive/pam` follows it for a user that does not exist, or once half of MaxAuthTries have failed.
const PAM_BSD =
  /^PAM: (?:[Aa]uthentication (?:failure|error)|User not known to the underlying authentication module) for (illegal user |invalid user )?(.*) from (\S+)(?: via \S+)?\s*$/s;
const MAX_ATTEMPTS = /^maximum authentication attempts exceeded for (invalid user )?(.*) from (\S+) port (\d+) ssh2$/s;
const DISCONNECTING_TOO_MANY =
  /^Disconnecting (invalid|authenticating) user (.*) (\S+) port (\d+): Too many authentication failures$/s;
const DISCONNECTING_CHANGE_GREEDY =
  /^Disconnecting (invalid|authenticating) user (.*) (\S+) port (\d+): Change of username or service not allowed: .*$/s;
const DISCONNECTING_CHANGE_LAZY =
  /^Disconnecting (invalid|authenticating) user (.*?) (\S+) port (\d+): Change of username or service not allowed: .*$/s;
const CLOSED = /^Connection (closed|reset) by (?:(invalid|authenticating) user (.*) )?(\S+) port (\d+)$/s;
const CLOSED_OLD = /^Connection (closed|reset) by (\S+)$/;
const DISCONNECTED = /^Disconnected from (?:(invalid|authenticating) user (.*) |user (.*) )?(\S+) port (\d+)$/s;
// The reason is the client's, and may be empty (`:11: ` before the suffix, trimmed with it).
const RECEIVED_DISCONNECT = /^Received disconnect from (\S+) port (\d+):\s*(\d+):(?: (.*))?$/s;
const RECEIVED_DISCONNECT_OLD = /^Received disconnect from (\S+): (\d+):(?: (.*))?$/s;
const TIMEOUT =
  /^Timeout before authentication for (?:connection from )?(\S+?)(?: port (\d+))?(?: to \S+, pid = (\d+))?$/;
const NO_IDENT = /^Did not receive identification string from (\S+)(?: port (\d+))?$/;
const BANNER = /^banner exchange: Connection from (\S+) port (\d+): /;
const NEGOTIATE = /^Unable to negotiate with (\S+) port (\d+): /;
const BAD_VERSION = /^Bad protocol version identification '.*' from (\S+)(?: port (\d+))?$/s;
const REFUSED_CONNECT = /^refused connect from .* \((\S+)\)$/s;
const DROP_CONNECTION = /^drop connection #\d+ from \[([^\]]+)\]:(\d+) on /;
const DISPATCH_FATAL =
  /^ssh_dispatch_run_fatal: Connection from (?:(invalid|authenticating) user (.*) )?(\S+) port (\d+): /s;
const REPEATED = /^message repeated (\d+) times: \[ ?(.*)\]$/s;
const SESSION = /^pam_\w+\(sshd:session\): session (opened|closed) for user /;
// Messages we know and deliberately draw nothing from: no address, or no attempt.
const KNOWN_NONE =
  /^(?:kex_exchange_identification: |Connection from \S+ port \d+ on |Read from socket failed|Unable to negotiate a key|no matching \w+ found|Disconnecting: Too many authentication failures|Disconnecting: Change of username|pam_unix\(sshd:auth\): check pass|reverse mapping checking|Address \S+ maps to |Postponed |Starting session|User child is on pid|Received signal|Server listening on|Close session|Transferred: |srclimit_penalise: |Accepted key |Partial publickey|Nasty PTR record|pam_\w+\(sshd:account\)|PAM \d+ more|Timeout, client not responding|Connection closed by remote host|Exiting on signal|input_userauth_request: |PAM service\(sshd\) ignoring max retries|User \S+ not allowed because|Connection from \S+(?: port \d+)?$|SSH: Server;)/;

/** Classifies one sshd message as sshd wrote it (after the syslog header, `error: ` and ` [preauth]` included). */
export function classifySshdMessage(raw: string): Classification {
  const message = stripDecorations(raw);
  return mayBeCut(raw) ? classifyCut(message) : classifyMessage(message);
}

/**
 * What a message that may have been cut still says reliably: the forms that write the address before any text of
 * the client's (a cut `Their offer:` list is common), and messages that name no address.
 */
function classifyCut(message: string): Classification {
  let m = RECEIVED_DISCONNECT.exec(message);
  if (m) return receivedDisconnect(m[1]!, m[2], m[3]!, m[4] ?? '');
  m = RECEIVED_DISCONNECT_OLD.exec(message);
  if (m) return receivedDisconnect(m[1]!, undefined, m[2]!, m[3] ?? '');
  m = NEGOTIATE.exec(message);
  if (m) return match('probe', 'unable-to-negotiate', m[1], m[2]);
  m = BANNER.exec(message);
  if (m) return match('probe', 'banner-exchange', m[1], m[2]);
  m = DROP_CONNECTION.exec(message);
  if (m) return match('probe', 'kex-identification', m[1], m[2]);
  // PAM writes these itself (no 500-byte cut).
  const pam = pamFailure(message);
  if (pam !== undefined) return pam;
  m = REPEATED.exec(message);
  if (m) return repeated(m[1]!, m[2]!);
  if (SESSION.test(message) || KNOWN_NONE.test(message)) return NONE;
  return CUT;
}

/**
 * Most occurrences one `message repeated` line stands for: rsyslog counts repeats between two flushes of a few
 * seconds, so a count past this is not one it wrote (a 400-digit count was Infinity, and a count of null in JSON).
 */
const MAX_REPEAT = 1_000_000;

/** `message repeated N times: [ X]`: rsyslog's wrapper around X, a message as sshd wrote it (measured on its own). */
function repeated(times: string, inner: string): Classification {
  const match = classifySshdMessage(inner);
  if (match === null || typeof match === 'symbol') return match;
  return { ...match, repeat: Math.min(MAX_REPEAT, Math.max(1, Number(times))), repeated: true };
}

/** Classifies one sshd message (header, `error: ` prefix and ` [preauth]` suffix already removed). */
function classifyMessage(message: string): Classification {
  const c = message.charCodeAt(0);
  // Dispatch on the first letter: most lines are Failed/Invalid/Connection/Disconnected/Received/Accepted.
  if (c === 0x46 /* F */) {
    const head = FAILED.exec(message);
    if (!head) return KNOWN_NONE.test(message) ? NONE : null;
    const o = userAndOrigin(message, head[0].length);
    if (o === AMBIGUOUS || o === null) return o;
    const method = head[1]!;
    return match('attempt', failureReason(method), o.addr, o.port, o.user, head[2] !== undefined, method);
  }
  if (c === 0x49 /* I */) {
    const m = INVALID_USER.exec(message);
    if (m) return match('announce', 'invalid-user', m[2], m[3], m[1], true);
  }
  if (c === 0x43 /* C */) {
    const m = CLOSED.exec(message);
    if (m) {
      const reason = m[1] === 'reset' ? 'reset-preauth' : 'closed-preauth';
      return match('close', reason, m[4], m[5], m[3], m[2] === 'invalid', undefined, m[2] !== undefined);
    }
    const old = CLOSED_OLD.exec(message);
    if (old) return match('close', old[1] === 'reset' ? 'reset-preauth' : 'closed-preauth', old[2]);
  }
  if (c === 0x44 /* D */) {
    let m = DISCONNECTED.exec(message);
    if (m) {
      if (m[3] !== undefined) return match('session', 'session-closed', m[4], m[5], m[3]);
      return match(
        'close',
        'disconnected-preauth',
        m[4],
        m[5],
        m[2],
        m[1] === 'invalid',
        undefined,
        m[1] !== undefined,
      );
    }
    m = NO_IDENT.exec(message);
    if (m) return match('probe', 'no-identification', m[1], m[2]);
    m = DISCONNECTING_TOO_MANY.exec(message);
    if (m) return match('summary', 'max-attempts', m[3], m[4], m[2], m[1] === 'invalid');
    m = DISCONNECTING_CHANGE_GREEDY.exec(message);
    if (m) {
      const lazy = DISCONNECTING_CHANGE_LAZY.exec(message);
      if (!lazy || lazy[3] !== m[3]) return AMBIGUOUS;
      // One address read two ways is sshd's either way; its port, as in userAndOrigin(), is not known.
      const port = lazy[4] === m[4] ? m[4] : undefined;
      return match('summary', 'failed-other', m[3], port, m[2], m[1] === 'invalid');
    }
  }
  if (c === 0x52 /* R */) {
    let m = RECEIVED_DISCONNECT.exec(message);
    if (m) return receivedDisconnect(m[1]!, m[2], m[3]!, m[4] ?? '');
    m = RECEIVED_DISCONNECT_OLD.exec(message);
    if (m) return receivedDisconnect(m[1]!, undefined, m[2]!, m[3] ?? '');
    m = ROOT_REFUSED.exec(message);
    if (m) return match('announce', 'root-refused', m[1], m[2], 'root');
  }
  // Session lines come with every login and name no address: answered here rather than after the dozen rarer
  // forms below, none of which starts with `pam_` and names a session.
  if (c === 0x70 /* p */ && SESSION.test(message)) return NONE;
  if (c === 0x41 /* A */) {
    const head = ACCEPTED.exec(message);
    if (head) {
      const o = userAndOrigin(message, head[0].length);
      if (o === AMBIGUOUS || o === null) return o;
      return match('success', 'accepted', o.addr, o.port, o.user, false, head[1]!);
    }
  }
  return classifyRare(message);
}

// 14: no supported authentication methods; jsch and others say `Auth fail`: the client did try. With a port (OpenSSH
// 7.x on), sshd follows the line with `Disconnected from ...`, which says whether a try was made that INFO does not
// log (a publickey offer): that line counts the connection, unless this one says a try was made.
function receivedDisconnect(addr: string, port: string | undefined, code: string, text: string): MessageMatch {
  const tried = code === '14' || /auth fail/i.test(text);
  // The form fail2ban's sshd filter counts as a failure (its own reason so that fail2ban-count.ts can say so).
  const authFail = code === '3' && /: Auth fail$/.test(text);
  return match(
    'close',
    authFail ? 'auth-fail-disconnect' : 'disconnected-preauth',
    addr,
    port,
    undefined,
    false,
    undefined,
    tried,
    !tried && port !== undefined,
  );
}

function classifyRare(message: string): Classification {
  let m = NOT_ALLOWED.exec(message);
  if (m) return match('announce', 'not-allowed', m[2], undefined, m[1]);
  const pam = pamFailure(message);
  if (pam !== undefined) return pam;
  m = PAM_BSD.exec(message);
  if (m) return match('announce', 'pam-query-failure', m[3], undefined, m[2], m[1] !== undefined);
  m = MAX_ATTEMPTS.exec(message);
  if (m) return match('summary', 'max-attempts', m[3], m[4], m[2], m[1] !== undefined);
  m = TIMEOUT.exec(message);
  if (m) return match('close', 'login-timeout', m[1], m[2], undefined, false, undefined, false, false, m[3]);
  m = BANNER.exec(message);
  if (m) return match('probe', 'banner-exchange', m[1], m[2]);
  m = NEGOTIATE.exec(message);
  if (m) return match('probe', 'unable-to-negotiate', m[1], m[2]);
  m = BAD_VERSION.exec(message) ?? DROP_CONNECTION.exec(message);
  if (m) return match('probe', 'kex-identification', m[1], m[2]);
  m = REFUSED_CONNECT.exec(message);
  if (m) return match('probe', 'closed-preauth', m[1]);
  m = DISPATCH_FATAL.exec(message);
  if (m) return match('close', 'reset-preauth', m[3], m[4], m[2], m[1] === 'invalid', undefined, m[1] !== undefined);
  m = REPEATED.exec(message);
  if (m) return repeated(m[1]!, m[2]!);
  if (SESSION.test(message) || KNOWN_NONE.test(message)) return NONE;
  return null;
}

/**
 * A PAM module's `authentication failure` record (an echo of sshd's own line for the try) or its `PAM N more`
 * summary, read by every reading of its fields (pam-origin.ts); undefined for any other message, and for one of
 * these that no reading fits.
 */
function pamFailure(message: string): Classification | undefined {
  let role: MessageMatch['role'];
  let head = PAM_FAILURE.exec(message);
  if (head) role = 'echo';
  else {
    head = PAM_MORE.exec(message);
    if (!head) return undefined;
    role = 'summary';
  }
  const o = pamOrigin(message, head[0].length);
  // No reading: left to the forms after it, as before (`PAM N more` of another shape is a known message).
  if (o === null) return undefined;
  if (o === AMBIGUOUS) return o;
  return match(role, 'pam-failure', o.rhost, undefined, o.user);
}

function failureReason(method: string): AuthEventReason {
  if (method === 'password') return 'failed-password';
  if (method === 'publickey') return 'failed-publickey';
  if (method === 'none') return 'failed-none';
  if (method.startsWith('keyboard-interactive')) return 'failed-keyboard-interactive';
  return 'failed-other';
}
