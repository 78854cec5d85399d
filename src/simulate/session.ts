/**
 * One SSH connection as the simulator plans it: who, when, and what happened in it. sshd-lines.ts turns it into the
 * lines OpenSSH writes, tcp-table.ts into /proc/net/tcp rows for the samples taken while it was open.
 */
export type Step =
  /** A failed password for an existing user (PAM failure line, then `Failed password`). */
  | { readonly at: number; readonly kind: 'fail'; readonly user: string }
  /** A failed password for a user that does not exist here (`Invalid user`, PAM, `Failed password for invalid user`). */
  | { readonly at: number; readonly kind: 'fail-invalid'; readonly user: string }
  | { readonly at: number; readonly kind: 'accept-password'; readonly user: string }
  | { readonly at: number; readonly kind: 'accept-key'; readonly user: string };

export type Ending =
  /** Client went away before authenticating anything (banner grab, scanner): a probe. */
  | 'probe-closed'
  | 'probe-reset'
  /** Client gave up after failures. */
  | 'closed-after-failures'
  /** sshd's MaxAuthTries reached. */
  | 'max-attempts'
  /** Logged-in session ended by the user. */
  | 'logout';

export interface Session {
  readonly ip: string;
  readonly port: number;
  readonly pid: number;
  readonly start: number;
  readonly end: number;
  readonly steps: readonly Step[];
  readonly ending: Ending;
}

export type Role = 'member' | 'benign' | 'scanner';

/** What a scenario is, and what a detector should make of it. */
export interface Truth {
  readonly scenario: string;
  readonly description: string;
  readonly start: number;
  readonly end: number;
  /** Addresses of the campaign (must be banned: recall), of benign traps (never banned), of lone scanners (may be). */
  readonly members: string[];
  readonly benign: string[];
  readonly scanners: string[];
  /** Whether the scenario holds a campaign at all (benign-only logs must yield none). */
  readonly campaign: boolean;
  /** Time of the first password attempt of the campaign (reconnaissance must be recognised before it), or null. */
  readonly passwordPhase: number | null;
  /** Targets checked by the scenario test, in ms from the campaign's first event. */
  readonly recogniseWithin: number | null;
  readonly laterMembersAtFirstAttempt: boolean;
}
