import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replayScenario } from '../../src/simulate/replay-scenario.js';
import { SCENARIOS } from '../../src/simulate/scenarios.js';
import { type ScenarioScore, scoreTable } from '../../src/simulate/score.js';
import { writeScenario } from '../../src/simulate/write-scenario.js';

/**
 * Every scenario of the simulator, written as files (sshd log, socket trace, truth) and replayed the way `replay`
 * does: log -> SshdParser -> core, trace -> readSocketTrace -> core, on the log's own clock, with Debian's fail2ban
 * defaults (maxretry 5, findtime 10m) and the [detection] defaults.
 */
const dir = mkdtempSync(join(tmpdir(), 'f2b-scenarios-'));
const scores: ScenarioScore[] = [];

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  const order = SCENARIOS.map((s) => s.name);
  scores.sort((a, b) => order.indexOf(a.scenario) - order.indexOf(b.scenario));
  console.log(
    `\nScenario results (seed 1, [detection] defaults, fail2ban maxretry 5 / findtime 10m):\n${scoreTable(scores)}\n`,
  );
});

describe.each(SCENARIOS)('scenario $name', (spec) => {
  it(spec.campaign ? 'bans the campaign and no benign source' : 'bans no benign source', async () => {
    const files = await writeScenario(spec, join(dir, spec.name));
    const { score, verdicts } = await replayScenario(files);
    scores.push(score);

    expect(score.benignBanned, 'benign sources banned').toEqual([]);
    if (!spec.campaign) {
      if (score.scanners === 0) {
        expect(score.campaigns, 'a benign-only log yields no campaign').toBe(0);
        expect(verdicts.filter((v) => v.verb === 'BAN')).toEqual([]);
      }
      return;
    }
    expect(score.members).toBeGreaterThan(0);
    expect(score.campaigns).toBeGreaterThanOrEqual(1);
    expect(score.recall, 'share of campaign members banned').toBeGreaterThanOrEqual(0.95);
    if (spec.recogniseWithin !== null) {
      expect(score.recognisedAfter).not.toBeNull();
      expect(score.recognisedAfter!).toBeLessThanOrEqual(spec.recogniseWithin);
    }
    if (spec.laterMembersAtFirstAttempt) {
      expect(score.laterMembers).toBeGreaterThan(0);
      expect(
        score.laterAtFirstAttempt / score.laterMembers,
        'later members banned at their first attempt',
      ).toBeGreaterThanOrEqual(0.95);
    }
    if (spec.name === 'recon') expect(score.beforePasswords, 'recognised before the first password attempt').toBe(true);
  });
});
