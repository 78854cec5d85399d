import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseFail2banDuration } from '../../src/fail2ban/fail2ban-duration.js';

// Time spans as admins write them, including fail2ban's sums and differences and its shorter unit words.
const SPANS = [
  '600',
  '10m',
  '1h 30m',
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
  '-1',
  '-1d',
];

/** fail2ban's own reading (MyTime.str2seconds), by the Python that runs fail2ban-client. */
function fail2banSeconds(spans: readonly string[]): (number | null)[] {
  const script =
    'import json, sys\nfrom fail2ban.server.mytime import MyTime\nout = []\nfor s in json.load(sys.stdin):\n' +
    '  try: out.append(float(MyTime.str2seconds(s)))\n  except Exception: out.append(None)\nprint(json.dumps(out))\n';
  const python = execFileSync('sh', ['-c', 'head -n1 "$(command -v fail2ban-client)" | sed "s/^#! *//"'], {
    encoding: 'utf8',
  }).trim();
  return JSON.parse(execFileSync(python, ['-c', script], { input: JSON.stringify(spans), encoding: 'utf8' }));
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
});
