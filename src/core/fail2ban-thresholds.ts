/** fail2ban's own view of the sshd jail, read from its configuration: what a single source must stay under. */
export interface Fail2banThresholds {
  /** Failures within `findtime` that make fail2ban ban one source. */
  readonly maxretry: number;
  /** Milliseconds. */
  readonly findtime: number;
  /** Milliseconds; how long the jail itself bans a source (shown by `check`). */
  readonly bantime: number;
  /**
   * Milliseconds; how long the f2b-campaign jail bans a member (its first ban: with bantime.increment later ones are
   * longer). While it lasts the member is behind fail2ban's firewall; one coming back after it is banned again.
   */
  readonly campaignBantime: number;
  /**
   * Addresses and CIDR blocks from fail2ban's `ignoreip`, each host name there followed by the addresses it resolved
   * to when the configuration was read (src/fail2ban/ignoreip.ts).
   */
  readonly ignoreip: readonly string[];
  /** Where the figures came from, for `check` and the audit trail. */
  readonly origin: 'fail2ban-client' | 'jail-files' | 'defaults';
}

/** The bundled f2b-campaign jail's bantime (fail2ban/jail.d/f2b-campaign.conf): one day. */
export const BUNDLED_CAMPAIGN_BANTIME = 24 * 60 * 60_000;

/** Loopback as fail2ban lists it: what its `ignoreself` adds, and what Debian's stock ignoreip holds. */
export const LOOPBACK_IGNOREIP: readonly string[] = ['127.0.0.1/8', '::1'];

/** Debian's sshd jail: 5 failures in 10 minutes, banned for 10 minutes; the bundled f2b-campaign jail's bantime. */
export const DEBIAN_DEFAULT_THRESHOLDS: Fail2banThresholds = {
  maxretry: 5,
  findtime: 10 * 60_000,
  bantime: 10 * 60_000,
  campaignBantime: BUNDLED_CAMPAIGN_BANTIME,
  ignoreip: LOOPBACK_IGNOREIP,
  origin: 'defaults',
};
