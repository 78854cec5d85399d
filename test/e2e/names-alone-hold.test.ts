import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyLogin, passwordAttempt, tcpConnect } from './harness/attack-driver.js';
import { shapeFor } from './harness/campaign-plan.js';
import { type Environment, setUpEnvironment } from './harness/environment.js';
import { readVerdicts } from './harness/log-readers.js';
import { runCampaignScenario } from './harness/scenario.js';
import { assertFreshBundle, startService } from './harness/service.js';
import { sleep } from './harness/wait.js';

const HOLD_S = 20;
/** A colleague at home, never seen here, and a bot: both in blocks no campaign source shares. */
const COLLEAGUE = '203.0.113.201';
const BOT = '192.0.2.231';

/**
 * names_alone_hold with every real part (docs/e2e.md's set-up: sshd, rsyslogd, fail2ban-server with the bundled
 * jail, nftables, in a network namespace). Once the e2e campaign is live and banned, a colleague from a new
 * address types `ssh ubuntu@host` by mistake (a name the campaign's sources spray, unknown here) and then logs in
 * with their key; a bot makes the same one wrong try and nothing else. With the default (no hold) the colleague
 * would be banned at that try, like the bot, before the login (test/scenarios shows it on simulated logs): the
 * hold lets the login come first, and the bot is banned when the hold runs out.
 */
describe('e2e (auth.log): names_alone_hold spares a colleague who logs in after a wrong try of a sprayed name', () => {
  let env: Environment | undefined;
  let failed = false;
  let colleagueTry = '';
  let colleagueLogin = '';
  let botTry = '';
  let botTriedAt = 0;

  beforeAll(async () => {
    try {
      assertFreshBundle();
      env = await setUpEnvironment('f2b-e2e-n', 'class-e');
      await startService(env, { source: 'file', detection: { names_alone_hold: `${HOLD_S}s` } });
      const outcome = await runCampaignScenario(env, shapeFor('class-e'), { banWaitMs: 45_000 });
      if (outcome.bannedByCampaignJail.length === 0) throw new Error('e2e: the campaign was not banned');
      colleagueTry = (await passwordAttempt(env.netns, COLLEAGUE, 'ubuntu', 'not-the-password')).outcome;
      await sleep(5_000);
      colleagueLogin = (await keyLogin(env.netns, COLLEAGUE, env.user.name, env.user.privateKey)).outcome;
      await sleep(5_000);
      botTriedAt = Date.now();
      botTry = (await passwordAttempt(env.netns, BOT, 'ubuntu', 'not-the-password')).outcome;
      // The hold, one tick of the service, fail2ban's poll of the verdict log and its nftables action.
      const deadline = Date.now() + (HOLD_S + 20) * 1000;
      while (Date.now() < deadline && !env.fail2ban.nftSet('f2b-campaign').includes(BOT)) await sleep(1_000);
    } catch (error) {
      failed = true;
      throw error;
    }
  }, 300_000);
  afterAll(async () => {
    if (failed && env) process.stdout.write(`e2e: run directory kept for inspection: ${env.dir}\n`);
    await env?.teardown({ keepDir: failed });
  }, 60_000);

  it('lets the colleague in after the wrong try, and bans it in neither jail', async () => {
    expect([colleagueTry, colleagueLogin]).toEqual(['auth-failed', 'accepted']);
    expect(env!.fail2ban.banned('f2b-campaign')).not.toContain(COLLEAGUE);
    expect(env!.fail2ban.banned('sshd')).not.toContain(COLLEAGUE);
    const verdicts = readVerdicts(readFileSync(env!.verdictLog, 'utf8'));
    expect(verdicts.filter((v) => v.verb === 'BAN' && v.fields.get('ip') === COLLEAGUE)).toEqual([]);
    expect((await keyLogin(env!.netns, COLLEAGUE, env!.user.name, env!.user.privateKey)).outcome).toBe('accepted');
  });

  it('bans the bot when the hold runs out, saying so, and the firewall then refuses it', async () => {
    expect(botTry).toBe('auth-failed');
    const verdicts = readVerdicts(readFileSync(env!.verdictLog, 'utf8'));
    const ban = verdicts.find((v) => v.verb === 'BAN' && v.fields.get('ip') === BOT);
    expect(ban?.fields.get('match')).toBe('join');
    expect(Number(ban?.fields.get('held'))).toBeGreaterThanOrEqual(HOLD_S);
    expect(ban!.time - botTriedAt).toBeGreaterThanOrEqual(HOLD_S * 1000 - 1000);
    expect(env!.fail2ban.nftSet('f2b-campaign')).toContain(BOT);
    const [after] = await tcpConnect(env!.netns, [BOT]);
    expect(after?.outcome).toBe('refused');
  });
});
