import type { Evidence, SignalName } from './signals/signal.js';

/** A source showing enough signals, waiting for others to share them. */
export interface Candidate {
  readonly time: number;
  readonly evidence: Evidence;
}

export type PoolSnapshot = Array<[string, number, Array<[SignalName, string]>]>;

/**
 * Candidates not (yet) in a campaign, oldest first, with a running count of how many show each signal, so asking
 * "which signals do at least N candidates share?" never scans the pool.
 */
export class CandidatePool {
  private readonly map = new Map<string, Candidate>();
  private readonly counts = new Map<SignalName, number>();

  constructor(
    private readonly max: number,
    snapshot?: PoolSnapshot,
  ) {
    for (const [ip, time, ev] of snapshot ?? []) this.set(ip, { time, evidence: new Map(ev) });
  }

  /** Adds or refreshes a candidate (it moves to the newest end); the oldest goes when the pool is full. */
  set(ip: string, candidate: Candidate): void {
    this.delete(ip);
    this.map.set(ip, candidate);
    for (const name of candidate.evidence.keys()) this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    if (this.map.size > this.max) this.delete(this.map.keys().next().value!);
  }

  delete(ip: string): void {
    const candidate = this.map.get(ip);
    if (!candidate) return;
    this.map.delete(ip);
    for (const name of candidate.evidence.keys()) this.counts.set(name, (this.counts.get(name) ?? 1) - 1);
  }

  /** Forgets candidates that waited since before `cutoff`. */
  prune(cutoff: number): void {
    for (const [ip, candidate] of this.map) {
      if (candidate.time >= cutoff) return;
      this.delete(ip);
    }
  }

  /** The signals at least `min` candidates show. */
  common(min: number): Set<SignalName> {
    return new Set([...this.counts].filter(([, n]) => n >= min).map(([name]) => name));
  }

  entries(): Array<[string, Candidate]> {
    return [...this.map];
  }

  get size(): number {
    return this.map.size;
  }

  snapshot(): PoolSnapshot {
    return [...this.map].map(([ip, c]) => [ip, c.time, [...c.evidence]]);
  }
}
