/**
 * The intake: what a failure, a probe or a login teaches the source's record and the signals (a login, the book
 * too). A failure or probe may turn a signal on for other sources as well; their addresses are handed back to be
 * judged again. Apart from the detector (campaign-detector.ts), which orders the work of each event (the clock, the
 * checks before the intake, the judgement after it) and counts the events: here is only what each kind of event is
 * evidence of.
 */
import type { AuthEvent } from '../core/auth-event.js';
import type { CampaignBook } from './campaign-book.js';
import { fail2banFailures } from './fail2ban-count.js';
import { nameHash, nameOrderKey } from './name-key.js';
import { connectionKey, OWN_CONNECTION, type PredictableSources } from './predictable-sources.js';
import type { RecencyMap } from './recency-map.js';
import type { SignalSet } from './signal-set.js';
import type { SourceState } from './source-state.js';
import type { SourceTable } from './source-table.js';
import type { SuccessHistory } from './success-history.js';

/** `list` appended to `to` without a spread: most signals return the shared empty list, for every event. */
function append(to: string[], list: readonly string[]): void {
  for (let i = 0; i < list.length; i++) to.push(list[i]!);
}

/** The detector's parts an event feeds (its own, shared: nothing is copied). */
export class EvidenceIntake {
  constructor(
    private readonly signals: SignalSet,
    private readonly sources: SourceTable,
    private readonly successes: SuccessHistory,
    private readonly predictable: PredictableSources,
    private readonly book: CampaignBook,
    /** Sources re-judged when a campaign opens or the surge alarm starts (the detector's). */
    private readonly recent: RecencyMap,
  ) {}

  /** A failure from `s`; sources whose signals changed with it are added to `rejudge`. */
  observeFailure(s: SourceState, e: AuthEvent, now: number, rejudge: string[]): void {
    const unprotected = !this.successes.protects(s.ip, now);
    const sig = this.signals;
    // Counted as fail2ban counts (lines, not attempts): the `Failed password` after an `Invalid user` adds no
    // attempt (count 0) but is a failure to fail2ban.
    const failures = fail2banFailures(e);
    if (e.count > 0) {
      if (!unprotected) this.noteSuccess(s, now);
      s.attempts += e.count;
      if (e.invalidUser === true) s.unknown += e.count;
      s.events++;
      if (s.lastTime() !== now) {
        s.addTime(now);
        append(rejudge, sig.rhythm.observe(s, now));
      }
      append(rejudge, sig.persistence.observe(s, now, failures));
      append(rejudge, sig.locality.observe(s, now, e.count));
      append(rejudge, sig.synchrony.observe(s, now));
      if (unprotected) {
        sig.surge.observe(s, now);
        this.recent.touch(s.ip, now);
      }
    } else if (failures > 0) {
      append(rejudge, sig.persistence.observe(s, now, failures));
    }
    if (e.user !== undefined) {
      const hash = nameHash(e.user);
      const fresh = !s.hasName(hash);
      if (fresh) {
        s.addName(hash);
        // Only names that do not exist here can be a slip of a real one (the real one itself is not a slip).
        if (e.invalidUser === true && this.signals.dictionary.isSlipOfLegit(e.user)) s.slipped = 1;
        append(rejudge, sig.ordered.observe(s, nameOrderKey(e.user), now));
      }
      if (unprotected && (fresh || e.count > 0)) append(rejudge, sig.dictionary.observe(s, hash, now));
    }
    // After the names, a second of which ends predictability. A line repeating a counted attempt is no new visit.
    if (e.count > 0) this.predictable.observe(s, now, connectionKey(e.pid, e.port));
    else this.predictable.observeNames(s);
  }

  /**
   * Before a failure of a protected source is counted: if the success that protects it came after its last attempt
   * (a login from another address of its IPv6 /64, which its record did not see), the override counts from here.
   */
  private noteSuccess(s: SourceState, now: number): void {
    if (this.successes.protectedSince(s.ip, now) > s.lastTime()) s.attemptsAtSuccess = s.attempts;
  }

  /** A probe from `s` (a connection that ended before any attempt); as observeFailure for `rejudge`. */
  observeProbe(s: SourceState, e: AuthEvent, now: number, rejudge: string[]): void {
    s.probes += Math.max(1, e.count);
    s.events++;
    append(rejudge, this.signals.synchrony.observe(s, now));
    append(rejudge, this.signals.probing.observe(s, now));
    // After synchrony, as for an attempt: whether it is in step with bursts is judged with this probe counted.
    this.predictable.observe(s, now, OWN_CONNECTION);
  }

  /** A real login: the address (and its IPv6 /64) is protected, the name is a real user's. */
  onSuccess(e: AuthEvent, now: number): void {
    if (!e.bannable) return;
    const s = this.sources.get(e.ip);
    // The tracked source's copy of the address, when there is one: the event's own is a string of its own, and the
    // history keeps it for hours (~1 MB for the replay benchmark's ~35,000 logins).
    this.successes.record(s?.ip ?? e.ip, now);
    if (e.user !== undefined) this.signals.dictionary.learnLegit(nameHash(e.user), now, e.user);
    if (!s) return;
    s.attemptsAtSuccess = s.attempts;
    this.signals.forget(s);
    this.book.forget(e.ip);
  }
}
