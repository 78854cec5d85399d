import type { AuthEvent } from '../core/auth-event.js';

/** A campaign as the alert code names it in its evidence. */
export interface CampaignMatch {
  /** The campaign id, as written in its CAMPAIGN and BAN verdict lines. */
  readonly id: string;
  /** The signals that tie the source (or username) to the campaign, joined by `+` (e.g. `rhythm+dictionary`). */
  readonly signals: string;
  /**
   * The match is the names the source tried and nothing else of its own, and the detector holds the ban of such a
   * source (names_alone_hold): a login is what that hold waits for, so it is alerted, not banned.
   */
  readonly namesAloneHeld?: boolean;
  /**
   * The source logged in successfully within success_memory before (IPv6: its /64): 'protected', alerted but never
   * banned, or 'overridden' when the evidence is overwhelming (override_signals and override_attempts) or, for a
   * member, always (its membership decides), and a ban then says `protection=overridden`. Absent: not protected.
   */
  readonly protection?: 'protected' | 'overridden';
}

/**
 * What the compromise and lateral-movement alerts need to know from the campaign detector (src/correlate), which
 * implements this interface. Every answer describes the detector's state just BEFORE the event being judged:
 * createCore calls `AlertCore.onAuthEvent(e)` before the detector ingests `e` (or the detector makes sure the
 * answers exclude `e` itself). All methods are pure reads; none may change the detector's state.
 *
 * "Live" means: open at `time`, or ended so recently that the detector still keeps its state (its own retention).
 */
export interface CampaignLookup {
  /** The live campaign `ip` is a member of at `time` (the newest if several), or null. */
  memberOf(ip: string, time: number): CampaignMatch | null;
  /**
   * A live campaign whose fingerprint this event's source matches although the source is not (yet) a member:
   * shared prefix, rhythm, socket lifetime, dictionary... The detector decides, sparing a recent success as it
   * does for its bans (never on the names alone, `protection` set otherwise); null when nothing matches.
   */
  matchingCampaign(event: AuthEvent): CampaignMatch | null;
  /** A live campaign that tried the username `user` (was spraying it) at or before `time`, or null. */
  sprayingCampaign(user: string, time: number): CampaignMatch | null;
  /**
   * Whether `ip` (IPv6: any address of its /64, where a laptop's privacy addresses rotate) had a successful login
   * strictly before `time` within the detector's success-history window: the sources spared from campaign bans.
   */
  hasSuccessHistory(ip: string, time: number): boolean;
  /** False for fail2ban's ignoreip and anything else the detector never bans. Loopback is refused by AlertCore too. */
  mayBan(ip: string): boolean;
}
