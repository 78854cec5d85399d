import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replayScenario } from '../../src/simulate/replay-scenario.js';
import { findScenario } from '../../src/simulate/scenarios.js';
import { writeScenario } from '../../src/simulate/write-scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'f2b-after-end-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The waves scenario replayed with one `Accepted password for oracle` from a member, `delay` ms after its end. */
async function memberLoginAfterEnd(delay: number) {
  const files = await writeScenario(findScenario('waves')!, join(dir, String(delay)));
  const truth = JSON.parse(readFileSync(files.truth, 'utf8')) as { members: string[] };
  const lines = readFileSync(files.authLog, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  const last = lines.at(-1)!;
  const time = Math.floor(Date.parse(last.slice(0, last.indexOf(' '))) / 1000) * 1000 + delay;
  const host = lines[0]!.split(' ')[1];
  const login = `${new Date(time).toISOString().replace('Z', '000+00:00')} ${host} sshd[4242]: Accepted password for oracle from ${truth.members[5]} port 50123 ssh2`;
  writeFileSync(files.authLog, `${[...lines, login].join('\n')}\n`);
  return (await replayScenario(files)).verdicts.map(
    (v): Record<string, unknown> => ({ verb: v.verb, ...Object.fromEntries(v.fields) }),
  );
}

describe('compromise alert for a member logging in after its campaign ended', () => {
  // A campaign ends campaign_end after its members go quiet, which is what fail2ban's 1-day ban makes them do: a
  // member coming back with the password it found must still count as one (src/correlate/detector-lookup.ts keeps
  // ended campaigns for the campaign jail's bantime after their end).
  it('alerts when a member of a campaign that ended 10 minutes ago logs in', async () => {
    const verdicts = await memberLoginAfterEnd(10 * 60_000);
    expect(verdicts.some((v) => v.verb === 'CAMPAIGN' && v.event === 'end')).toBe(true);
    expect(verdicts.filter((v) => v.verb === 'ALERT')).toMatchObject([{ kind: 'compromise', user: 'oracle' }]);
  }, 60_000);
});
