import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { campaignLog, failedAccountTry, failedTry } from '../helpers/campaign-log.js';
import { verdictLines } from '../service/helpers.js';

/**
 * When a campaign opens, the sources seen lately are judged against it in one pass, and each ban adds its member's
 * names to the campaign's dictionary. A source whose only tie is a name that a member banned later in that same pass
 * also tried was judged before the name was the campaign's: banned or not by which of the two acted last, and never
 * judged again if it did not come back. Seen in the e2e campaign (test/e2e/campaign-auth-log.test.ts): its captured
 * auth.log, replayed with the attackers' timing perturbed and its first seconds unread (as when the harness did not
 * wait for the service), left one source of 32 unbanned, known only by one try of `nobody` (an account on Debian),
 * while the member that had tried `nobody` after it was banned in the same pass.
 */
const t = bundledCliSuite('opening-order');

const T0 = Date.UTC(2026, 10, 2, 9);
/** Tried `nobody` once, nothing else: no campaign is open yet (it opens at T0 + 4:40). */
const LONE = '203.0.113.50';
/** Tried `nobody` too, then `admin`, one of the campaign's names: a member when the campaign opens. */
const MEMBER = '192.0.2.60';

/** The small campaign's lines and `extra`, in time order as rsyslog writes them, replayed: its bans and its opening. */
async function replayWith(name: string, extra: string) {
  const lines = [...campaignLog(T0).split('\n'), ...extra.split('\n')].filter((line) => line !== '');
  // The stamps sort as text.
  lines.sort((a, b) => (a.slice(0, 29) < b.slice(0, 29) ? -1 : a.slice(0, 29) > b.slice(0, 29) ? 1 : 0));
  const log = join(t.dir, `${name}.log`);
  const verdicts = join(t.dir, `${name}-v.log`);
  writeFileSync(log, `${lines.join('\n')}\n`);
  const run = await t.run(['replay', '--auth-log', log, '--verdicts', verdicts, '--fail2ban-defaults']);
  expect(run.code, run.stderr).toBe(0);
  const bans = verdictLines(verdicts).filter((v) => v.verb === 'BAN');
  const open = verdictLines(verdicts).find((v) => v.verb === 'CAMPAIGN' && v.fields.get('event') === 'open');
  return { bans, open };
}

function replay(name: string, loneAt: number) {
  return replayWith(
    name,
    failedAccountTry(LONE, T0 + loneAt, 'nobody') +
      failedAccountTry(MEMBER, T0 + 90_000, 'nobody') +
      failedTry(MEMBER, T0 + 100_000, 'admin'),
  );
}

describe('a campaign opening judges the sources seen lately whatever order they acted in', () => {
  it('bans the source tied by a name a member banned in the same pass tried, before or after that member', async () => {
    for (const [name, loneAt] of [
      ['lone-first', 60_000],
      ['member-first', 130_000],
    ] as const) {
      const { bans, open } = await replay(name, loneAt);
      // Both tries of `nobody` come before the opening: the lone source never acts again.
      expect(open?.time, name).toBe(T0 + 280_000);
      expect(bans.find((v) => v.fields.get('ip') === MEMBER)?.fields.get('match'), name).toBe('join');
      const lone = bans.find((v) => v.fields.get('ip') === LONE);
      expect(lone?.fields.get('match'), name).toBe('join');
      expect(lone?.fields.get('reason'), name).toBe('dictionary');
      expect(lone?.time, name).toBe(T0 + 280_000);
    }
  });
});

describe("a campaign opening's re-judging is bounded", () => {
  // A chain: the newest source before the opening tried one of the campaign's names and `n1`, the next older `n1`
  // and `n2`, and so on. Judged oldest first, each pass ties one more source, through the name the last one banned
  // added to the dictionary. Unbounded, an attacker's chain of the 1,024 recent sources would make an opening's work
  // quadratic. The newest is a candidate of the opening itself; eight passes tie eight more, and the rest wait for
  // their next try.
  it('ties one source a pass through a chain of names, for eight passes after the opening', async () => {
    const chain = Array.from({ length: 10 }, (_, i) => `203.0.${113 + i}.${60 + i}`);
    let extra = '';
    chain.forEach((ip, i) => {
      // Oldest last in the chain: source i acts at T0 + 200 s - i * 10 s, before the opening at T0 + 4:40.
      const at = T0 + 200_000 - i * 10_000;
      const names = i === 0 ? ['admin', 'n1'] : [`n${i}`, `n${i + 1}`];
      for (const [k, name] of names.entries()) extra += failedAccountTry(ip, at + k * 1000, name);
    });
    const { bans, open } = await replayWith('chain', extra);
    const atOpening = bans.filter((v) => v.time === open?.time).map((v) => v.fields.get('ip'));
    expect(chain.map((ip) => atOpening.includes(ip))).toEqual([...Array(9).fill(true), false]);
  });
});
