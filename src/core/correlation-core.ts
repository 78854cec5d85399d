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
   * The end of the first held ban (names_alone_hold, shared_name_hold) to run out, Infinity when none is held: an
   * event or advance() to a time past it judges that hold (a login stamped at the end itself still spares it). The
   * service reads every line written before such a time first.
   */
  nextDeadline(): number;
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
