import type { IndexSnapshot } from './shared-index.js';
import { DictionarySignal, type DictionarySnapshot } from './signals/dictionary.js';
import { LocalitySignal, type LocalitySnapshot } from './signals/locality.js';
import { OrderedNamesSignal } from './signals/ordered-names.js';
import { PersistenceSignal } from './signals/persistence.js';
import { ProbingSignal } from './signals/probing.js';
import { RhythmSignal } from './signals/rhythm.js';
import type { Evidence, Signal, SignalEnv } from './signals/signal.js';
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

/** Every signal, built from the [detection] values; adding a signal is one file plus one line here. */
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
  private readonly all: readonly Signal[];

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
    // SIGNALS order: verdicts list signals in this order.
    this.all = [
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
  }

  /** The signals the source shows at `now` (pure read); `into` lets the hot path reuse one map. */
  evaluate(source: SourceState, now: number, into?: Evidence): Evidence {
    const ev: Evidence = into ?? new Map();
    ev.clear();
    for (const signal of this.all) {
      const param = signal.test(source, now);
      if (param !== null) ev.set(signal.name, param);
    }
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
}
