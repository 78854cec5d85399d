import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { keyLogin, playCampaign, type StepResult, tcpConnect } from './attack-driver.js';
import { addressesOf, type CampaignShape, fail2banCost, type PlannedStep, planCampaign } from './campaign-plan.js';
import type { Environment } from './environment.js';
import { readFail2banActions, readSshdRecords, readVerdicts } from './log-readers.js';
import { buildTimeline, type Timeline } from './timeline.js';
import { sleep } from './wait.js';

export interface ScenarioOutcome {
  readonly plan: readonly PlannedStep[];
  readonly results: readonly StepResult[];
  readonly attackSources: readonly string[];
  /** `fail2ban-client get <jail> banned` once the campaign is over. */
  readonly bannedBySshdJail: readonly string[];
  readonly bannedByCampaignJail: readonly string[];
  /** The f2b-campaign jail's nftables set in the namespace. */
  readonly nftSet: readonly string[];
  /** Fresh TCP connections after the bans: from every banned source, and from the control address. */
  readonly afterBan: Awaited<ReturnType<typeof tcpConnect>>;
  readonly control: Awaited<ReturnType<typeof tcpConnect>>[number];
  /** The legitimate user's key login after the bans. */
  readonly legitAfter: Awaited<ReturnType<typeof keyLogin>>;
  /** The sshd jail's failure count per source (fail2ban's `Found` lines): how close each came to maxretry. */
  readonly sshdJailCounts: ReadonlyMap<string, number>;
  readonly timeline: Timeline;
}

function accountExists(user: string): boolean {
  try {
    execFileSync('getent', ['passwd', user], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Plays the campaign against the environment, waits for the f2b-campaign jail to ban its sources (up to
 * `banWaitMs` after the last attempt), then checks what the firewall does to new connections.
 */
export async function runCampaignScenario(
  env: Environment,
  shape: CampaignShape,
  options: { banWaitMs: number },
): Promise<ScenarioOutcome> {
  const plan = planCampaign(shape, env.user.name, env.user.password);
  const addresses = addressesOf(shape);
  const attackSources = addresses.attack;
  for (const source of attackSources) {
    const cost = plan
      .filter((s) => s.kind === 'attack' && s.source === source)
      .reduce((n, s) => n + fail2banCost(s.user!, accountExists), 0);
    // The plan itself must stay under the sshd jail, or the test would prove nothing about campaigns.
    if (cost >= 5) throw new Error(`e2e plan error: ${source} would cost ${cost} failures in the sshd jail`);
  }
  const results = await playCampaign(env.netns, plan, env.user.privateKey);

  const deadline = Date.now() + options.banWaitMs;
  let banned = env.fail2ban.banned('f2b-campaign');
  while (Date.now() < deadline && !attackSources.every((s) => banned.includes(s))) {
    await sleep(1_000);
    banned = env.fail2ban.banned('f2b-campaign');
  }
  // fail2ban lists a ban before its action has added the address to the nftables set: wait for the kernel too.
  while (Date.now() < deadline + 10_000 && !banned.every((s) => env.fail2ban.nftSet('f2b-campaign').includes(s))) {
    await sleep(500);
  }
  const afterBan = await tcpConnect(env.netns, banned.length > 0 ? banned : attackSources.slice(0, 1));
  const [control] = await tcpConnect(env.netns, [addresses.control]);
  const legitAfter = await keyLogin(env.netns, addresses.legit, env.user.name, env.user.privateKey);
  // Let fail2ban's poller read the last lines before the logs are judged.
  await sleep(2_000);

  const actions = readFail2banActions(readFileSync(env.fail2ban.log, 'utf8'));
  const sshdJailCounts = new Map<string, number>();
  for (const a of actions) {
    if (a.jail === 'sshd' && a.action === 'Found') sshdJailCounts.set(a.ip, (sshdJailCounts.get(a.ip) ?? 0) + 1);
  }
  const timeline = buildTimeline({
    results,
    sshd: readSshdRecords(env.sshdLog.text()),
    actions,
    verdicts: readVerdicts(readFileSync(env.verdictLog, 'utf8')),
    attackSources,
  });
  return {
    plan,
    results,
    attackSources,
    bannedBySshdJail: env.fail2ban.banned('sshd'),
    bannedByCampaignJail: env.fail2ban.banned('f2b-campaign'),
    nftSet: env.fail2ban.nftSet('f2b-campaign'),
    afterBan,
    control: control!,
    legitAfter,
    sshdJailCounts,
    timeline,
  };
}
