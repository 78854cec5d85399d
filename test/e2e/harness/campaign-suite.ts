import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AddressBlock, addressesOf, shapeFor } from './campaign-plan.js';
import { type Environment, setUpEnvironment } from './environment.js';
import { readVerdicts } from './log-readers.js';
import type { Started } from './processes.js';
import { runCampaignScenario, type ScenarioOutcome } from './scenario.js';
import { assertFreshBundle, readServiceLog, runningJournalctls, type ServiceOptions, startService } from './service.js';

/** How long after the campaign's last attempt the f2b-campaign jail may take to ban every source. */
const BAN_WAIT_MS = 45_000;

/**
 * The acceptance test, shared by its two variants (auth.log and journal): one real campaign, then one `it` per
 * claim, each judged from the logs and the firewall. On failure the run's directory (every program's log) is kept
 * and its path printed.
 */
export function describeCampaignE2E(title: string, prefix: string, service: ServiceOptions, block: AddressBlock): void {
  const shape = shapeFor(block);
  const addresses = addressesOf(shape);
  describe(title, () => {
    let env: Environment | undefined;
    let running: Started;
    let outcome: ScenarioOutcome;
    let failed = false;

    beforeAll(async () => {
      try {
        assertFreshBundle();
        env = await setUpEnvironment(prefix, block, service.source === 'journal' ? 'journald' : 'rsyslog');
        // The campaign is compressed into about a minute; a source whose only tie to it is a name that exists here
        // and that no member has tried yet is held for shared_name_hold (5 minutes), longer than the test waits.
        // That hold is tested on its own (test/correlate/shared-account.test.ts); here every source must be banned.
        running = await startService(env, { ...service, detection: { shared_name_hold: '0s', ...service.detection } });
        outcome = await runCampaignScenario(env, shape, { banWaitMs: BAN_WAIT_MS });
        process.stdout.write(`\n${title}\n${outcome.timeline.text}\n`);
      } catch (error) {
        failed = true;
        throw error;
      }
    }, 300_000);
    afterEach((context) => {
      if (context.task.result?.state === 'fail') failed = true;
    });
    afterAll(async () => {
      if (failed && env) {
        process.stdout.write(`e2e: run directory kept for inspection: ${env.dir}\n`);
        process.stdout.write(`--- f2b-campaign output (tail) ---\n${tail(`${env.dir}/f2b-campaign.out`, 30)}\n`);
      }
      await env?.teardown({ keepDir: failed });
    }, 60_000);

    it(`reads sshd's lines through the ${service.source === 'file' ? 'auth.log' : 'journal'} and the test fail2ban's thresholds`, () => {
      const log = readServiceLog(env!);
      const started = log.find((l) => l['event'] === 'service-started');
      const sshdLog = env!.sshdLog;
      expect(started?.['input']).toEqual(sshdLog.kind === 'rsyslog' ? [sshdLog.authLog] : 'journal');
      const thresholds = log.find((l) => l['event'] === 'fail2ban-thresholds');
      expect(thresholds).toMatchObject({ maxretry: 5, findtime: 600_000, origin: 'fail2ban-client' });
      const calls = runningJournalctls(running);
      if (service.source === 'journal') {
        // The follower, still running: the real journalctl, reading journald's journal.
        expect(calls.length).toBeGreaterThanOrEqual(1);
        expect(calls[0]).toEqual(expect.arrayContaining(['--follow', '--output=json', '--identifier=sshd']));
      } else {
        expect(calls).toEqual([]);
      }
    });

    it('has every campaign source stay under the sshd jail: it bans none of them', () => {
      expect(outcome.bannedBySshdJail).toEqual([]);
      for (const source of outcome.attackSources) {
        // The jail saw each one (a jail that read nothing, as a journal one looking in the wrong place, bans none)...
        expect(outcome.sshdJailCounts.get(source) ?? 0, source).toBeGreaterThanOrEqual(1);
        // ...and kept it under maxretry...
        expect(outcome.sshdJailCounts.get(source) ?? 0, source).toBeLessThan(5);
        // ...while every one of them did reach sshd and fail there.
        expect(outcome.timeline.fates.find((f) => f.source === source)?.attempts, source).toBeGreaterThanOrEqual(1);
      }
    });

    it('has the f2b-campaign jail ban every campaign source, in the nftables set of the namespace', () => {
      expect([...outcome.bannedByCampaignJail].sort()).toEqual([...outcome.attackSources].sort());
      expect([...outcome.nftSet].sort()).toEqual([...outcome.attackSources].sort());
      const verdicts = readVerdicts(readFileSync(env!.verdictLog, 'utf8'));
      expect(verdicts.some((v) => v.verb === 'CAMPAIGN')).toBe(true);
    });

    it('drops a new TCP connection from every banned source, while a fresh address still connects', () => {
      expect(outcome.afterBan.length).toBe(outcome.attackSources.length);
      for (const attempt of outcome.afterBan) expect(attempt.outcome, attempt.source).toBe('refused');
      expect(outcome.control).toMatchObject({ source: addresses.control, outcome: 'connected' });
    });

    it('lets the legitimate user log in by key before, during and after the campaign, and never bans it', () => {
      const legit = outcome.results.filter((r) => r.step.source === addresses.legit);
      expect(legit.map((r) => [r.step.kind, r.outcome])).toEqual([
        ['legit-key', 'accepted'],
        ['legit-typo', 'auth-failed'],
        ['legit-key', 'accepted'],
      ]);
      expect(outcome.legitAfter.outcome).toBe('accepted');
      const verdicts = readVerdicts(readFileSync(env!.verdictLog, 'utf8'));
      expect(verdicts.filter((v) => v.verb === 'BAN' && v.fields.get('ip') === addresses.legit)).toEqual([]);
      expect(outcome.bannedByCampaignJail).not.toContain(addresses.legit);
      expect(outcome.bannedBySshdJail).not.toContain(addresses.legit);
    });

    it('does not ban the lone probe (one connection, no attempt)', () => {
      const probe = outcome.results.find((r) => r.step.kind === 'probe');
      expect(probe?.outcome).toBe('connected');
      expect(outcome.bannedByCampaignJail).not.toContain(addresses.probe);
      expect(outcome.bannedBySshdJail).not.toContain(addresses.probe);
    });

    it('prints a timeline with the first attempt, the campaign, each ban and the attempts before it', () => {
      const text = outcome.timeline.text;
      expect(text).toMatch(/first attempt/);
      expect(text).toMatch(/campaign recognised/);
      for (const fate of outcome.timeline.fates) {
        expect(fate.bannedAt, fate.source).toBeDefined();
        expect(text).toMatch(new RegExp(`fail2ban Ban +${fate.source.replaceAll('.', '\\.')} +\\[f2b-campaign\\]`));
      }
    });
  });
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}
