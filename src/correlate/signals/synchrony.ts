import type { KeySpec } from '../../config/key-spec.js';
import { OWN_SCHEDULE } from '../predictable-sources.js';
import { durationKey, HOUR, intKey, numberKey, setting } from '../settings.js';
import type { SourceState } from '../source-state.js';
import { NONE, type Signal, type SignalEnv } from './signal.js';

export const SYNCHRONY_KEYS = {
  window: durationKey(
    'synchrony_window',
    3_000,
    "Width of the sliding window in which many distinct sources starting at once make a burst. At least 1s, the resolution of syslog's timestamps (narrower, a burst would be what one logged second holds, or with finer timestamps the same millisecond).",
    1000,
  ),
  minSources: intKey('synchrony_min_sources', 5, 'Distinct sources within one window that make a burst.', 2),
  minBursts: intKey('synchrony_min_bursts', 2, 'Distinct bursts a source must have been part of.'),
  minFraction: numberKey(
    'synchrony_min_fraction',
    0.8,
    "Share of a source's probes and attempts that fell inside bursts: a monitoring probe that sometimes coincides with a burst stays far below.",
    { max: 1 },
  ),
} satisfies Record<string, KeySpec<number>>;

/** A source's bursts stop counting an hour after it was last seen. */
const STALE = HOUR;

export interface SynchronySnapshot {
  readonly ring: Array<[number, string]>;
  readonly burst: number;
  readonly inBurst: boolean;
}

/**
 * Synchrony: many distinct sources acting inside the same few seconds, again and again (reconnaissance bursts,
 * coordinated waves). Kept as a short ring of recent events with a distinct-source count, so each event costs O(1)
 * amortised; a source counts when most of what it does happens inside bursts.
 */
export class SynchronySignal implements Signal {
  readonly name = 'synchrony';
  private readonly p: { window: number; minSources: number; minBursts: number; minFraction: number };
  /** The ring as two parallel lists (times, sources): one array per event would be garbage for every event. */
  private times: number[];
  private ips: string[];
  /** Index of the oldest entry still in the window. */
  private head = 0;
  private readonly distinct = new Map<string, number>();
  private burst: number;
  private inBurst: boolean;

  constructor(
    values: Readonly<Record<string, unknown>>,
    private readonly env: SignalEnv,
    snapshot?: SynchronySnapshot,
  ) {
    this.p = {
      window: setting(values, SYNCHRONY_KEYS.window),
      minSources: setting(values, SYNCHRONY_KEYS.minSources),
      minBursts: setting(values, SYNCHRONY_KEYS.minBursts),
      minFraction: setting(values, SYNCHRONY_KEYS.minFraction),
    };
    this.times = (snapshot?.ring ?? []).map(([t]) => t);
    this.ips = (snapshot?.ring ?? []).map(([, ip]) => ip);
    for (const ip of this.ips) this.distinct.set(ip, (this.distinct.get(ip) ?? 0) + 1);
    this.burst = snapshot?.burst ?? 0;
    this.inBurst = snapshot?.inBurst ?? false;
  }

  /** One probe or attempt by `source` (source.events already counted); returns sources to re-judge. */
  observe(source: SourceState, time: number): readonly string[] {
    this.times.push(time);
    this.ips.push(source.ip);
    this.distinct.set(source.ip, (this.distinct.get(source.ip) ?? 0) + 1);
    while (this.head < this.times.length && this.times[this.head]! < time - this.p.window) {
      const ip = this.ips[this.head]!;
      const n = (this.distinct.get(ip) ?? 1) - 1;
      if (n === 0) this.distinct.delete(ip);
      else this.distinct.set(ip, n);
      this.head++;
    }
    // Compact now and then, so dropping old entries costs O(1) amortised instead of a copy per event.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.ips = this.ips.slice(this.head);
      this.head = 0;
    }
    if (this.distinct.size < this.p.minSources) {
      this.inBurst = false;
      return NONE;
    }
    if (this.inBurst) {
      this.mark(source, 1);
      return NONE;
    }
    // A burst starts: everything in the window belongs to it.
    this.inBurst = true;
    this.burst++;
    const out: string[] = [];
    for (const [ip, n] of this.distinct) {
      const member = this.env.source(ip);
      if (!member) continue;
      this.mark(member, n);
      out.push(ip);
    }
    return out;
  }

  private mark(source: SourceState, events: number): void {
    source.syncEvents += events;
    if (source.lastBurst !== this.burst) {
      source.lastBurst = this.burst;
      source.bursts++;
    }
  }

  test(source: SourceState, now: number): string | null {
    // Bursts are anyone's to make: around the visits of a source keeping a schedule (predictable-sources.ts), they
    // say only that someone knows the schedule, not that the source is one of them.
    if (source.predictable === OWN_SCHEDULE) return null;
    return this.shows(source, now) ? '' : null;
  }

  /** Whether the source was part of enough bursts, with enough of its events, whatever its schedule. */
  shows(source: SourceState, now: number): boolean {
    if (source.bursts < this.p.minBursts || source.events === 0 || source.last < now - STALE) return false;
    return source.syncEvents >= this.p.minFraction * source.events;
  }

  snapshot(): SynchronySnapshot {
    const ring = this.times.slice(this.head).map((t, i): [number, string] => [t, this.ips[this.head + i]!]);
    return { ring, burst: this.burst, inBurst: this.inBurst };
  }
}
