/**
 * What the sshd log parser makes of one line: the normalised unit the correlation core consumes.
 * Every field except `user` comes from a part of the line that sshd itself wrote; `user` is attacker text.
 */
export type AuthEventKind =
  /** An authentication attempt that failed (or a line that stands for one). */
  | 'failure'
  /** A connection that ended before any authentication attempt: reconnaissance, banner grabbing, scanners. */
  | 'probe'
  /** An accepted authentication. */
  | 'success'
  /** The end of a connection whose attempts were already counted; carries no new attempt. */
  | 'disconnect'
  /** A PAM session opened or closed for a logged-in user. */
  | 'session';

/** Which sshd message produced the event: lets the audit trail say exactly what was seen. */
export type AuthEventReason =
  | 'failed-password'
  | 'failed-publickey'
  | 'failed-keyboard-interactive'
  | 'failed-none'
  | 'failed-other'
  | 'invalid-user'
  | 'not-allowed'
  /** A PAM module's own line (pam_unix's `authentication failure; ... rhost=A`, `PAM N more ...`). */
  | 'pam-failure'
  /** sshd's own `PAM: Authentication failure for U from A`, on a keyboard-interactive try that PAM refused. */
  | 'pam-query-failure'
  | 'max-attempts'
  | 'root-refused'
  | 'closed-preauth'
  | 'reset-preauth'
  | 'disconnected-preauth'
  /** `Received disconnect from A port P:3: ...: Auth fail`: a client (jsch) leaving because its try failed. */
  | 'auth-fail-disconnect'
  | 'login-timeout'
  | 'no-identification'
  | 'kex-identification'
  | 'banner-exchange'
  | 'unable-to-negotiate'
  | 'accepted'
  | 'session-opened'
  | 'session-closed';

/** Optional fields may be present as undefined: the parser builds every event with one shape, for speed. */
export interface AuthEvent {
  /** Milliseconds since the epoch (UTC), from the line's own timestamp. */
  readonly time: number;
  readonly kind: AuthEventKind;
  readonly reason: AuthEventReason;
  /** The remote address as sshd wrote it, normalised (`::ffff:1.2.3.4` is `1.2.3.4`), or a hostname. */
  readonly ip: string;
  /** False when `ip` is a hostname (sshd's UseDNS): such an event is never used to ban. */
  readonly bannable: boolean;
  /**
   * Authentication attempts this event stands for. 0 when the line repeats an attempt already counted
   * (the `Failed password for invalid user` after its `Invalid user`); N for `message repeated N times`.
   * Probes and successes count 1.
   */
  readonly count: number;
  readonly port?: number | undefined;
  /** Attacker-controlled text: never used to decide an address, always escaped on output. */
  readonly user?: string | undefined;
  readonly invalidUser?: boolean | undefined;
  /** password, publickey, keyboard-interactive, none, hostbased, ... as sshd wrote it. */
  readonly method?: string | undefined;
  readonly pid?: number | undefined;
  /** The syslog host field, when the line has one. */
  readonly host?: string | undefined;
  /** Read from rsyslog's `message repeated N times: [ ... ]`, which fail2ban's sshd filter does not read. */
  readonly repeated?: boolean | undefined;
}
