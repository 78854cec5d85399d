import type { CampaignSettings } from './campaign-settings.js';
import { isPrivate } from './ip-prefix.js';
import { type Evidence, maskSize, type SignalMask, type SignalName, signalBit } from './signals/signal.js';

const SURGE = signalBit('surge');

/** Signals a source shows of its own: the site-wide surge is everyone's and is not counted. */
export function ownSignals(signals: ReadonlySet<SignalName> | Evidence): number {
  return signals.size - (signals.has('surge') ? 1 : 0);
}

/**
 * The evidence against a source for one campaign, as the override of a recent success counts it: its own signals,
 * or the campaign's it matches if more. The site-wide surge counts in neither: it says nothing of the source, and
 * an attacker raises it at will (found in review: with override_signals = 2, an address that logged in and then failed
 * 30 times on a name that does not exist here was banned on that name and the surge alone).
 */
export function strength(ev: Evidence, matched: SignalMask): number {
  return Math.max(ownSignals(ev), maskSize(matched & ~SURGE));
}

/**
 * Enough distinct signals to be a candidate; the site-wide surge counts only together with a shared dictionary (a
 * campaign of one-try addresses shows nothing else). Not with synchrony: both are site-wide states an attacker makes
 * at will (a surge of fresh addresses, bursts every few seconds), and together they made a candidate of anyone
 * failing twice, a user mistyping on a password-expiry morning included. With `ip`, of that source: one in a
 * private range (our own network) needs min_signals + 1 of its own, as it does to join a live campaign
 * (campaign-match.ts), so opening a campaign with it is no way around that rule.
 */
export function isCandidate(
  signals: ReadonlySet<SignalName> | Evidence,
  settings: Pick<CampaignSettings, 'minSignals' | 'privateSingle'>,
  ip?: string,
): boolean {
  if (ip !== undefined && !settings.privateSingle && isPrivate(ip)) return ownSignals(signals) > settings.minSignals;
  if (ownSignals(signals) >= settings.minSignals) return true;
  return signals.has('surge') && signals.has('dictionary');
}

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
