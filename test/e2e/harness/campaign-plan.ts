/**
 * The compressed campaign the e2e test plays, as data: who connects when, with which username. A real campaign of
 * this shape runs for hours (each source a few tries a day); here one round lasts `roundMs` so the whole thing
 * fits in about a minute, while every source still stays far under the sshd jail's 5 failures in 10 minutes.
 */
export type StepKind = 'attack' | 'legit-key' | 'legit-typo' | 'probe';

export interface PlannedStep {
  readonly kind: StepKind;
  readonly source: string;
  /** Milliseconds after the campaign's start. */
  readonly at: number;
  readonly user?: string;
  readonly password?: string;
}

/** Usernames from the dictionaries real SSH botnets use (most do not exist here). */
export const DICTIONARY = [
  'root',
  'admin',
  'ubuntu',
  'test',
  'user',
  'oracle',
  'postgres',
  'git',
  'pi',
  'guest',
  'ftpuser',
  'deploy',
  'support',
  'mysql',
  'hadoop',
  'jenkins',
] as const;
/** Dictionary names that are real accounts on every Debian system (they cost one fail2ban failure, not two). */
export const SYSTEM_ACCOUNTS = ['root', 'www-data', 'backup', 'nobody', 'mail'] as const;

/**
 * What one password attempt costs a source in the sshd jail, measured with fail2ban 1.0.2's sshd filter (normal
 * mode): an unknown user counts twice (`Invalid user` and `Failed password for invalid user` are both failures),
 * an existing account once. Sources must stay under maxretry (5) by this count, not by the number of attempts.
 */
export function fail2banCost(user: string, exists: (user: string) => boolean): number {
  return exists(user) ? 1 : 2;
}

const PASSWORDS = ['123456', 'password', 'admin', 'qwerty', '1qaz2wsx', 'changeme', 'P@ssw0rd'] as const;

/**
 * Where the test's addresses come from. The legitimate user, the probe and the control address always sit in
 * networks of their own. Every block but `loopback` is added to the namespace's `lo`, where the kernel treats a
 * whole prefix as local: every address in it can be bound. None of them is ever routed on the internet.
 * - `class-e` (the suites' choice): each attacker in its own /16 of 240.0.0.0/4 (reserved since RFC 1112; Linux
 *   treats it as unicast), as a botnet's addresses are spread: no network locality to lean on.
 * - `test-net`: attackers spread over /24s of 198.18.0.0/15 (RFC 2544 benchmarking), all in one /16, so the
 *   detector's network-locality signal fires as well.
 * - `loopback`: all in 127.0.0.0/8, which every namespace has. f2b-campaign never bans loopback and fail2ban
 *   ignores 127.0.0.1/8 by default, so this block needs both protections lifted (the harness self-test uses it;
 *   the detector has no switch for it yet).
 * The legitimate user, the probe and the control address use RFC 5737 TEST-NET-3 and TEST-NET-1.
 */
export type AddressBlock = 'loopback' | 'test-net' | 'class-e';

export interface Addresses {
  readonly attack: readonly string[];
  readonly legit: string;
  readonly probe: string;
  /** Never attacks: a fresh connection from it shows sshd still accepts TCP at all. */
  readonly control: string;
  /** Prefixes to add to the namespace's `lo` (none for loopback: 127.0.0.0/8 is there already). */
  readonly prefixes: readonly string[];
}

export function addressesOf(shape: CampaignShape): Addresses {
  const n = Array.from({ length: shape.sources }, (_, i) => i);
  if (shape.block === 'loopback') {
    return {
      attack: n.map((i) => `127.0.${1 + i}.${10 + i}`),
      legit: '127.200.0.200',
      probe: '127.230.0.230',
      control: '127.240.0.240',
      prefixes: [],
    };
  }
  if (shape.block === 'class-e') {
    return {
      attack: n.map((i) => `${240 + (i % 16)}.${1 + i}.${(i * 7) % 250}.${10 + i}`),
      legit: '203.0.113.200',
      probe: '192.0.2.230',
      control: '192.0.2.240',
      prefixes: ['240.0.0.1/4', '203.0.113.1/24', '192.0.2.1/24'],
    };
  }
  return {
    attack: n.map((i) => `198.18.${1 + i * 7}.${10 + i}`),
    legit: '203.0.113.200',
    probe: '192.0.2.230',
    control: '192.0.2.240',
    prefixes: ['198.18.0.1/15', '203.0.113.1/24', '192.0.2.1/24'],
  };
}

export interface CampaignShape {
  readonly block: AddressBlock;
  /** Number of attacking sources (.10 upwards in the block). */
  readonly sources: number;
  /** Attempts per source in the campaign: each source makes `rounds` or `rounds - 1` of them. */
  readonly rounds: number;
  readonly roundMs: number;
}

export function shapeFor(block: AddressBlock): CampaignShape {
  return { block, sources: 32, rounds: 3, roundMs: 20_000 };
}

/**
 * Every source takes its turn once per round, at a fixed slot (index * roundMs / sources): the shared rhythm
 * of a botnet working through one target list. Every third source sits out the last round, so sources make 2 or 3
 * attempts: a dictionary name first, then accounts that exist (root and other system accounts), so that even by
 * fail2ban's count (see fail2banCost) no source reaches 5. The legitimate user logs in by key, mistypes its password once, logs in again; the probe connects
 * once and closes without a word of SSH.
 */
export function planCampaign(shape: CampaignShape, legitUser: string, legitPassword: string): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const addresses = addressesOf(shape);
  const slot = shape.roundMs / shape.sources;
  for (let round = 0; round < shape.rounds; round++) {
    for (let i = 0; i < shape.sources; i++) {
      if (round === shape.rounds - 1 && i % 3 === 2) continue;
      steps.push({
        kind: 'attack',
        source: addresses.attack[i]!,
        at: Math.round(round * shape.roundMs + i * slot),
        user:
          round === 0
            ? DICTIONARY[(i * 5) % DICTIONARY.length]!
            : SYSTEM_ACCOUNTS[(i + round) % SYSTEM_ACCOUNTS.length]!,
        password: PASSWORDS[(i + round) % PASSWORDS.length]!,
      });
    }
  }
  const r = shape.roundMs;
  steps.push({ kind: 'legit-key', source: addresses.legit, at: Math.round(r * 0.3), user: legitUser });
  steps.push({
    kind: 'legit-typo',
    source: addresses.legit,
    at: Math.round(r * 0.9),
    user: legitUser,
    password: `${legitPassword}x`,
  });
  steps.push({ kind: 'legit-key', source: addresses.legit, at: Math.round(r * 1.1), user: legitUser });
  steps.push({ kind: 'probe', source: addresses.probe, at: Math.round(r * 1.45) });
  return steps.sort((a, b) => a.at - b.at);
}
