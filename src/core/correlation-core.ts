import type { AuthEvent } from './auth-event.js';
import type { SocketSample } from './socket.js';
import type { Verdict } from './verdict.js';

/**
 * The pure heart of f2b-campaign: events in, verdicts out, time passed in with the events. No I/O, no clock of its
 * own, so live mode and replay mode drive the very same object and a replay is deterministic.
 */
export interface CorrelationCore {
  /**
   * One parsed sshd event; returns the verdicts it causes, in order. The event is read during the call and not kept
   * (its values may be): replay passes one object rewritten for each event (EventColumns).
   */
  onAuthEvent(event: AuthEvent): readonly Verdict[];
  /** One /proc/net/tcp{,6} sample. */
  onSocketSample(sample: SocketSample): readonly Verdict[];
  /** Lets time pass with no event (campaign end, expiry of old state). `now` never goes backwards. */
  advance(now: number): readonly Verdict[];
  /**
   * The earliest time at which advance() would make a decision that a line stamped before then could still change:
   * a held ban's end (a login spares the source) or a campaign's end (a member's attempt keeps it going); undefined
   * when none is pending. A time past it decides (a login stamped at a hold's end itself still spares the source).
   * The live service moves the core past it only once it knows the lines written before are read.
   */
  nextDeadline(): number | undefined;
  /** JSON-serialisable state, enough for `restore` to resume after a restart. */
  snapshot(): unknown;
  /**
   * JSON.stringify(snapshot()) in pieces, for a core whose state is large: the state file is written from them
   * without the whole snapshot in memory at once. Read them at once, before the next event. With `rowsApart`, its
   * largest list (a row per tracked source) is left out, for snapshotRows.
   */
  snapshotJson?(rowsApart?: boolean): Iterable<string>;
  /**
   * The rows snapshotJson(true) leaves out, each as JSON text, to be read at once with it; a factory given them back
   * (parsed, and read only as it needs them) with that snapshot resumes as from snapshot().
   */
  snapshotRows?(): Iterable<string>;
  /** What `status` shows: open campaigns and counters. JSON-serialisable. */
  status(): unknown;
}
