import type { IndexSnapshot } from './shared-index.js';
import { DictionarySignal, type DictionarySnapshot } from './signals/dictionary.js';
import { LocalitySignal, type LocalitySnapshot } from './signals/locality.js';
import { OrderedNamesSignal } from './signals/ordered-names.js';
import { PersistenceSignal } from './signals/persistence.js';
import { ProbingSignal } from './signals/probing.js';
import { RhythmSignal } from './signals/rhythm.js';
import type { Evidence, Signal, SignalEnv, SignalName } from './signals/signal.js';
import { type LifetimeSnapshot, SocketLifetimeSignal } from './signals/socket-lifetime.js';
import { SurgeSignal, type SurgeSnapshot } from './signals/surge.js';
import { SynchronySignal, type SynchronySnapshot } from './signals/synchrony.js';
import type { SourceState } from './source-state.js';

export interface SignalSetSnapshot {
  readonly rhythm: IndexSnapshot;
  readonly dictionary: DictionarySnapshot;
  readonly ordered: IndexSnapshot;
  readonly persistence: IndexSnapshot;
  readonly locality: LocalitySnapshot;
  readonly synchrony: SynchronySnapshot;
  readonly lifetime: LifetimeSnapshot;
  readonly probing: IndexSnapshot;
  readonly surge: SurgeSnapshot;
}

/** Every signal, built from the [detection] values; adding a signal is one file plus a line here and one in evaluate. */
export class SignalSet {
  readonly rhythm: RhythmSignal;
  readonly dictionary: DictionarySignal;
  readonly ordered: OrderedNamesSignal;
  readonly persistence: PersistenceSignal;
  readonly locality: LocalitySignal;
  readonly synchrony: SynchronySignal;
  readonly lifetime: SocketLifetimeSignal;
  readonly probing: ProbingSignal;
  readonly surge: SurgeSignal;

  constructor(values: Readonly<Record<string, unknown>>, env: SignalEnv, s?: SignalSetSnapshot) {
    this.rhythm = new RhythmSignal(values, s?.rhythm);
    this.dictionary = new DictionarySignal(values, s?.dictionary);
    this.ordered = new OrderedNamesSignal(values, s?.ordered);
    this.persistence = new PersistenceSignal(values, env, s?.persistence);
    this.locality = new LocalitySignal(values, env, s?.locality);
    this.synchrony = new SynchronySignal(values, env, s?.synchrony);
    this.lifetime = new SocketLifetimeSignal(values, env, s?.lifetime);
    this.probing = new ProbingSignal(values, s?.probing);
    this.surge = new SurgeSignal(values, s?.surge);
  }

  /**
   * The signals the source shows at `now` (pure read); `into` lets the hot path reuse one map. One call per signal
   * rather than a loop over `all`: a call site that sees nine classes is a slow, megamorphic one, and this runs for
   * every judged event. In SIGNALS order, the order verdicts list signals in.
   */
  evaluate(source: SourceState, now: number, into?: Evidence): Evidence {
    const ev: Evidence = into ?? new Map();
    ev.clear();
    shown(ev, 'rhythm', this.rhythm.test(source, now));
    shown(ev, 'dictionary', this.dictionary.test(source, now));
    shown(ev, 'ordered', this.ordered.test(source, now));
    shown(ev, 'persistence', this.persistence.test(source, now));
    shown(ev, 'locality', this.locality.test(source, now));
    shown(ev, 'synchrony', this.synchrony.test(source, now));
    shown(ev, 'lifetime', this.lifetime.test(source, now));
    shown(ev, 'probing', this.probing.test(source, now));
    shown(ev, 'surge', this.surge.test());
    return ev;
  }

  /** A source that logged in successfully stops counting toward shared traits. */
  forget(source: SourceState): void {
    this.rhythm.forget(source);
    this.dictionary.forget(source);
    this.ordered.forget(source.ip);
    this.persistence.forget(source.ip);
    this.probing.forget(source.ip);
  }

  snapshot(): SignalSetSnapshot {
    return {
      rhythm: this.rhythm.snapshot(),
      dictionary: this.dictionary.snapshot(),
      ordered: this.ordered.snapshot(),
      persistence: this.persistence.snapshot(),
      locality: this.locality.snapshot(),
      synchrony: this.synchrony.snapshot(),
      lifetime: this.lifetime.snapshot(),
      probing: this.probing.snapshot(),
      surge: this.surge.snapshot(),
    };
  }

  /**
   * snapshot() as JSON text in pieces (a signal's own pieces where it has them), for the state file: built whole,
   * the signals' snapshots held ~19 MB of heap through a save after a flood of 100,000 sources. A signal's name is
   * its key in the snapshot.
   */
  *snapshotJson(): Generator<string> {
    const signals: readonly Signal[] = [
      this.rhythm,
      this.dictionary,
      this.ordered,
      this.persistence,
      this.locality,
      this.synchrony,
      this.lifetime,
      this.probing,
      this.surge,
    ];
    let before = '{';
    for (const signal of signals) {
      yield `${before}${JSON.stringify(signal.name)}:`;
      if (signal.snapshotJson) yield* signal.snapshotJson();
      else yield JSON.stringify(signal.snapshot());
      before = ',';
    }
    yield '}';
  }
}

function shown(ev: Evidence, name: SignalName, param: string | null): void {
  if (param !== null) ev.set(name, param);
}
