import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseFail2banBantime, parseFail2banDuration } from '../../src/fail2ban/fail2ban-duration.js';

// Time spans as admins write them, including fail2ban's sums and differences and its shorter unit words.
const SPANS = [
  '600',
  '0',
  '10m',
  '1h 30m',
  '1 h 30 m',
  '2 days 3 hours',
  '600 1m',
  '1d12h',
  '2days',
  '1week 2days',
  '1.5h',
  '.5m',
  '1H 30M',
  '1hour+30min',
  '1year-6mo',
  '2*1h',
  '(1+1)*1h',
  '1mo',
  '1y',
  '2ww',
  '3we',
  '1da',
  '2ho',
  '1hou',
  '1yy',
  '1hh',
  '-1',
  '-1d',
];

/** Runs `script` by the Python that runs fail2ban-client, `input` as JSON on its stdin, its JSON output parsed. */
function fail2banPython<T>(script: string, input: unknown): T {
  const python = execFileSync('sh', ['-c', 'head -n1 "$(command -v fail2ban-client)" | sed "s/^#! *//"'], {
    encoding: 'utf8',
  }).trim();
  return JSON.parse(execFileSync(python, ['-c', script], { input: JSON.stringify(input), encoding: 'utf8' }));
}

/** fail2ban's own reading (MyTime.str2seconds). */
function fail2banSeconds(spans: readonly string[]): (number | null)[] {
  return fail2banPython(
    'import json, sys\nfrom fail2ban.server.mytime import MyTime\nout = []\nfor s in json.load(sys.stdin):\n' +
      '  try: out.append(float(MyTime.str2seconds(s)))\n  except Exception: out.append(None)\nprint(json.dumps(out))\n',
    spans,
  );
}

/**
 * What fail2ban-server does with a ban of each bantime (a BanTicket at 1000 s): whether it is over at the instant it
 * begins (fail2ban then logs `Ignore ..., expired bantime`), whether it is ever over, and the seconds it lasts.
 */
function fail2banBans(spans: readonly string[]): { over: boolean; ever: boolean; seconds: number }[] {
  return fail2banPython(
    'import json, sys\nfrom fail2ban.server.mytime import MyTime\nfrom fail2ban.server.ticket import BanTicket\n' +
      'out = []\nfor s in json.load(sys.stdin):\n  t = BanTicket("192.0.2.1", 1000)\n' +
      '  t.setBanTime(MyTime.str2seconds(s))\n' +
      '  out.append({"over": t.isTimedOut(1000), "ever": t.isTimedOut(10**12), "seconds": float(t.getBanTime())})\n' +
      'print(json.dumps(out))\n',
    spans,
  );
}

describe('parseFail2banDuration', () => {
  it("reads every time span as fail2ban's own str2seconds does", () => {
    const expected = fail2banSeconds(SPANS);
    const got = SPANS.map((span) => parseFail2banDuration(span));
    expect(got).toEqual(
      expected.map((seconds) => (seconds === null ? null : seconds < 0 ? Number.POSITIVE_INFINITY : seconds * 1000)),
    );
  });

  it('refuses what fail2ban refuses', () => {
    const refused = ['10mins', 'soon', '1h-', ''];
    expect(fail2banSeconds(refused)).toEqual([null, null, null, null]);
    for (const span of refused) expect(() => parseFail2banDuration(span)).toThrow(/BAD_FAIL2BAN_DURATION|time span/);
  });

  it("reads a bantime as fail2ban-server's bans apply it: -1 for ever, any other negative span bans nothing", () => {
    const spans = ['-1', '-1s', '-1.0', '-1d', '-60', '-2', '0', '10m', '1h 30m'];
    const bans = fail2banBans(spans);
    // The spans chosen cover the three outcomes, or this test would check less than it says.
    expect(new Set(bans.map((b) => (!b.ever ? 'forever' : b.over ? 'nothing' : 'timed')))).toEqual(
      new Set(['forever', 'nothing', 'timed']),
    );
    expect(spans.map((span) => parseFail2banBantime(span))).toEqual(
      bans.map((b) => (!b.ever ? Number.POSITIVE_INFINITY : b.over ? null : b.seconds * 1000)),
    );
  });
});
