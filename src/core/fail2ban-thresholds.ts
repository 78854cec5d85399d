/** fail2ban's own view of the sshd jail, read from its configuration: what a single source must stay under. */
export interface Fail2banThresholds {
  /** Failures within `findtime` that make fail2ban ban one source. */
  readonly maxretry: number;
  /** Milliseconds. */
  readonly findtime: number;
  /** Milliseconds; how long fail2ban's ban lasts (members coming back after it are banned again). */
  readonly bantime: number;
  /** Addresses, CIDR blocks or hostnames from fail2ban's `ignoreip` (hostnames are never resolved: they match nothing). */
  readonly ignoreip: readonly string[];
  /** Where the figures came from, for `check` and the audit trail. */
  readonly origin: 'fail2ban-client' | 'jail-files' | 'defaults';
}

/** Debian's sshd jail: 5 failures in 10 minutes, banned for 10 minutes. */
export const DEBIAN_DEFAULT_THRESHOLDS: Fail2banThresholds = {
  maxretry: 5,
  findtime: 10 * 60_000,
  bantime: 10 * 60_000,
  ignoreip: ['127.0.0.1/8', '::1'],
  origin: 'defaults',
};
