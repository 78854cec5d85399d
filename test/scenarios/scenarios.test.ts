import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { usernameSlips } from '../../src/simulate/benign-traps.js';
import { replayScenario } from '../../src/simulate/replay-scenario.js';
import { findScenario, SCENARIOS, type ScenarioSpec } from '../../src/simulate/scenarios.js';
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
    // Each member stays under fail2ban: the point is to ban it at its first or second attempt, not after hours of
    // them (seed 1: 0.4-1.15 per member; a slow-burn member banned two hours late has made ~5).
    expect(score.attemptsLetThrough, 'attempts let through').toBeLessThanOrEqual(2 * score.members);
    if (spec.recogniseWithin !== null) {
      expect(score.recognisedAfter).not.toBeNull();
      expect(score.recognisedAfter!).toBeLessThanOrEqual(spec.recogniseWithin);
      expect(score.firstBanAfter, 'first ban').not.toBeNull();
      expect(score.firstBanAfter!).toBeLessThanOrEqual(spec.recogniseWithin);
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

/** The benign day with lone scanners, plus users whose first try is a wrong username (usernameSlips). */
async function scannersDayWithSlips(slip: 'typo' | 'default', seed = 1, detection: Record<string, unknown> = {}) {
  const day = findScenario('benign-day-scanners')!;
  const spec: ScenarioSpec = {
    ...day,
    name: `benign-day-scanners-${slip}`,
    build(b, start, end) {
      day.build(b, start, end);
      usernameSlips(b, start, end, 8, slip);
      return null;
    },
  };
  const files = await writeScenario(spec, join(dir, `${spec.name}-${seed}-${Object.keys(detection).length}`), seed);
  return (await replayScenario(files, detection)).score;
}

// During the scanners' campaign, a user who mistypes their own name (a name that does not exist here, tried by no
// one else) is not banned: such a name alone is no campaign's dictionary (campaign-match.ts, joins).
it('the scanners day with users mistyping their own username bans no benign source', async () => {
  for (const seed of [1, 2, 3]) {
    const score = await scannersDayWithSlips('typo', seed);
    expect(score.benignBanned, `benign sources banned (seed ${seed})`).toEqual([]);
  }
});

/**
 * A known weak spot (docs/detection.md, "Names alone"), pinned: a user whose first try is a name on every
 * attacker's list (a cloud image's default: `ubuntu`, `admin`, `ec2-user`, `root`) while the scanners' campaign
 * sprays it is banned at that try, though they log in half a minute later: one try of a sprayed name is what a
 * one-try bot shows too. Remove `.fails` when that no longer happens.
 */
it.fails('known weak spot: the scanners day with users trying a default account name bans no benign source', async () => {
  // Seed 2: the scanners' campaign is live at the users' slips (seeds 2-6 ban 6-8 of 8 users; seed 1 none).
  const score = await scannersDayWithSlips('default', 2);
  expect(score.benignBanned, 'benign sources banned').toEqual([]);
});

/**
 * The remedy for that weak spot, off by default because it delays bans on names alone (docs/detection.md,
 * "Holding a ban on names alone"): with names_alone_hold, such a user logs in before the hold runs out and is
 * protected. Seeds 2 and 3, where the defaults ban 6-8 of the 8 users.
 */
it('with names_alone_hold = 2m, the scanners day with users trying a default account name bans no benign source', async () => {
  for (const seed of [2, 3]) {
    const score = await scannersDayWithSlips('default', seed, { names_alone_hold: 2 * 60_000 });
    expect(score.benignBanned, `benign sources banned (seed ${seed})`).toEqual([]);
    expect(score.scannersBanned, `lone scanners still banned (seed ${seed})`).toBeGreaterThan(0);
  }
});
