import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { campaignLog, failedTry, passwordLogin } from '../helpers/campaign-log.js';
import { verdictLines } from '../service/helpers.js';

/**
 * replay with names_alone_hold: a hold running out before the log's last line is a ban like any other (at the first
 * line after it ran out: replay moves on the log's clock); one still running at the end is not made up (replay keeps the log's clock, and whether a login would have come is beyond
 * the log) but counted in the summary, so the reader knows the verdicts stop short.
 */
const t = bundledCliSuite('held-at-end');

const T0 = Date.UTC(2026, 10, 2, 9);

/** `text` as the log `NAME.log`, replayed with a 2-minute names_alone_hold into `NAME-v.log`; the run must succeed. */
async function replayHeld(name: string, text: string) {
  const log = join(t.dir, `${name}.log`);
  const config = join(t.dir, `${name}.conf`);
  const verdicts = join(t.dir, `${name}-v.log`);
  writeFileSync(config, '[detection]\nnames_alone_hold = 2m\n');
  writeFileSync(log, text);
  const run = await t.run([
    'replay',
    '--auth-log',
    log,
    '--verdicts',
    verdicts,
    '--config',
    config,
    '--fail2ban-defaults',
  ]);
  expect(run.code, run.stderr).toBe(0);
  return { log, run, verdicts };
}

describe('replay with names_alone_hold', () => {
  it('bans the holds that ran out within the log and counts those still running at its end', async () => {
    const early = T0 + 20 * 60_000;
    const { log, run, verdicts } = await replayHeld(
      'auth',
      campaignLog(T0) +
        failedTry('203.0.113.10', early, 'oracle') +
        // Three minutes later: the first newcomer's hold has run out; the second's has just begun.
        failedTry('203.0.113.20', early + 3 * 60_000, 'guest'),
    );
    const bans = verdictLines(verdicts).filter((v) => v.verb === 'BAN');
    const first = bans.find((v) => v.fields.get('ip') === '203.0.113.10');
    // Replay has no clock between lines: the hold that ran out at early + 2 min is judged at the next line.
    expect(first?.fields.get('held')).toBe('180');
    expect(first?.time).toBe(early + 3 * 60_000);
    expect(bans.some((v) => v.fields.get('ip') === '203.0.113.20')).toBe(false);
    expect(JSON.parse(run.stderr.trim().split('\n').at(-1)!)).toMatchObject({ heldAtEnd: 1 });

    // Without the hold both are banned at their attempt, and nothing is said of holds.
    const plain = await t.run(['replay', '--auth-log', log, '--verdicts', join(t.dir, 'p.log'), '--fail2ban-defaults']);
    const now = verdictLines(join(t.dir, 'p.log')).filter(
      (v) => v.verb === 'BAN' && v.fields.get('ip')?.startsWith('203.'),
    );
    expect(now.map((v) => v.time)).toEqual([early, early + 3 * 60_000]);
    expect(JSON.parse(plain.stderr.trim().split('\n').at(-1)!)).not.toHaveProperty('heldAtEnd');
  }, 60_000);
  it('spares a login stamped at the second the hold ends, after another line of that second, and bans at the next', async () => {
    // Whole-second stamps, as syslog's: the login 119.5 s after a try made at .8 of a second is stamped 120 s after it.
    const early = T0 + 20 * 60_000;
    const end = early + 2 * 60_000;
    const { verdicts } = await replayHeld(
      'boundary',
      campaignLog(T0) +
        failedTry('203.0.113.10', early, 'oracle') +
        failedTry('203.0.113.88', early, 'ubuntu') +
        // Another source's line of the hold's last second, read before the login of that second.
        failedTry('203.0.113.20', end, 'guest') +
        passwordLogin('203.0.113.88', end, 'alice') +
        // The next second: the hold is over.
        passwordLogin('192.0.2.200', end + 1000, 'bob'),
    );
    const bans = verdictLines(verdicts).filter((v) => v.verb === 'BAN' && v.fields.get('ip')?.startsWith('203.'));
    expect(bans.map((v) => [v.fields.get('ip'), v.time, v.fields.get('held')])).toEqual([
      ['203.0.113.10', end + 1000, '121'],
    ]);
  }, 60_000);
});
