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

export interface CampaignShape {
  /** Number of attacking sources (127.0.0.10 upwards). */
  readonly sources: number;
  /** Attempts per source in the campaign: each source makes `rounds` or `rounds - 1` of them. */
  readonly rounds: number;
  readonly roundMs: number;
  readonly legitSource: string;
  readonly probeSource: string;
}

export const DEFAULT_SHAPE: CampaignShape = {
  sources: 32,
  rounds: 3,
  roundMs: 20_000,
  legitSource: '127.0.0.200',
  probeSource: '127.0.0.230',
};

export function attackSource(index: number): string {
  return `127.0.0.${10 + index}`;
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
  const slot = shape.roundMs / shape.sources;
  for (let round = 0; round < shape.rounds; round++) {
    for (let i = 0; i < shape.sources; i++) {
      if (round === shape.rounds - 1 && i % 3 === 2) continue;
      steps.push({
        kind: 'attack',
        source: attackSource(i),
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
  steps.push({ kind: 'legit-key', source: shape.legitSource, at: Math.round(r * 0.3), user: legitUser });
  steps.push({
    kind: 'legit-typo',
    source: shape.legitSource,
    at: Math.round(r * 0.9),
    user: legitUser,
    password: `${legitPassword}x`,
  });
  steps.push({ kind: 'legit-key', source: shape.legitSource, at: Math.round(r * 1.1), user: legitUser });
  steps.push({ kind: 'probe', source: shape.probeSource, at: Math.round(r * 1.45) });
  return steps.sort((a, b) => a.at - b.at);
}
