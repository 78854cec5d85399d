import type { KeySpec } from '../../config/key-spec.js';
import { UintSlots } from '../../core/uint-slots.js';
import { hasSlipKey, slipKeys } from '../name-key.js';
import { durationKey, HOUR, intKey, MINUTE, setting } from '../settings.js';
import { type IndexSnapshot, type KeyCodec, SharedIndex } from '../shared-index.js';
import type { SourceState } from '../source-state.js';
import { NONE, type Signal } from './signal.js';

export const DICTIONARY_KEYS = {
  minSources: intKey(
    'dictionary_min_sources',
    3,
    'Distinct sources that must have tried a username (never used in a successful login here) for it to be a shared dictionary name.',
  ),
  window: durationKey(
    'dictionary_window',
    6 * HOUR,
    'How long a source counts for a username after trying it.',
    MINUTE,
  ),
  campaignMin: intKey(
    'dictionary_campaign_min',
    1,
    "Members of a campaign that must have tried a username for it to join the campaign's dictionary (a new source trying it is then a member at its first attempt).",
  ),
  legitMemory: intKey(
    'dictionary_legit_names',
    20_000,
    'Usernames with a successful login remembered (they are never dictionary evidence).',
  ),
} satisfies Record<string, KeySpec<number>>;

export interface DictionarySnapshot {
  readonly index: IndexSnapshot;
  readonly legit: Array<[number, number]>;
  /** Slip keys (name-key.ts) of the names learned most recently, by name hash (absent in older snapshots). */
  readonly slips?: Array<[number, number[]]>;
}

/** Real users' names whose slips are recognised: the most recent logins' (the slip keys of each are kept). */
const SLIP_NAMES = 4096;

/**
 * Name hashes are unsigned 32-bit, and the index keys them so: all of them in its table of numbers (keyed as signed,
 * half of them went to its Map). Older snapshots wrote them unsigned too.
 */
const NAME_KEYS: KeyCodec<number> = { format: String, parse: (text) => Number(text) >>> 0 };

/**
 * Username dictionaries: the same names tried from many addresses. Names are compared as hashes, never stored as
 * text. A name anyone has logged in with successfully on this host is learned as legitimate and never counts:
 * the learned blocklist of names no real user has.
 */
export class DictionarySignal implements Signal {
  readonly name = 'dictionary';
  readonly minSources: number;
  readonly campaignMin: number;
  private readonly legitMemory: number;
  private readonly index: SharedIndex<number>;
  private readonly legit: Map<number, number>;
  /**
   * Name hash -> its slip keys, for the SLIP_NAMES names learned last; and how many of them have each key, in a table
   * of numbers: a failure with a new unknown name asks it about each of the name's slip keys.
   */
  private readonly slips: Map<number, number[]>;
  private readonly slipCounts = new UintSlots(1024);

  constructor(values: Readonly<Record<string, unknown>>, snapshot?: DictionarySnapshot) {
    this.minSources = setting(values, DICTIONARY_KEYS.minSources);
    this.campaignMin = setting(values, DICTIONARY_KEYS.campaignMin);
    this.legitMemory = setting(values, DICTIONARY_KEYS.legitMemory);
    this.index = new SharedIndex(
      setting(values, DICTIONARY_KEYS.window),
      20_000,
      Math.max(16, 2 * this.minSources),
      snapshot?.index,
      { keys: NAME_KEYS },
    );
    this.legit = new Map(snapshot?.legit ?? []);
    this.slips = new Map();
    for (const [hash, keys] of snapshot?.slips ?? []) this.addSlips(hash, keys);
  }

  isLegit(hash: number): boolean {
    return this.legit.has(hash);
  }

  /**
   * A successful login with this name: it is a real user's. With `name`, its slip keys (name-key.ts) are learned
   * too, computed only the first time: the same few names log in over and over.
   */
  learnLegit(hash: number, time: number, name?: string): void {
    this.legit.delete(hash);
    this.legit.set(hash, time);
    if (this.legit.size > this.legitMemory) this.legit.delete(this.legit.keys().next().value!);
    if (name === undefined || this.slips.has(hash)) return;
    const slips = slipKeys(name);
    if (slips.length > 0) this.addSlips(hash, slips);
  }

  /**
   * Whether the name is one slip of the fingers from a real user's name: a user mistyping their
   * own (`sevn` for `sven`), which no dictionary of an attacker's holds.
   */
  isSlipOfLegit(name: string): boolean {
    return hasSlipKey(name, this.slipCounts);
  }

  private addSlips(hash: number, keys: readonly number[]): void {
    this.slips.set(hash, [...keys]);
    for (const key of keys) this.slipCounts.set(key, Math.max(this.slipCounts.get(key), 0) + 1);
    if (this.slips.size <= SLIP_NAMES) return;
    const [oldest, old] = this.slips.entries().next().value!;
    this.slips.delete(oldest);
    for (const key of old) {
      const n = this.slipCounts.get(key) - 1;
      if (n <= 0) this.slipCounts.delete(key);
      else this.slipCounts.set(key, n);
    }
  }

  /** `source` tried the name `hash` at `time`; returns sources to re-judge when the name just became shared. */
  observe(source: SourceState, hash: number, time: number): readonly string[] {
    if (this.legit.has(hash)) return NONE;
    const n = this.index.add(hash, source.ip, time);
    return n === this.minSources ? this.index.sources(hash, time) : NONE;
  }

  /** Whether the name is tried by enough sources now (and not legitimate). */
  isShared(hash: number, now: number): boolean {
    return !this.legit.has(hash) && this.index.count(hash, now, this.minSources) >= this.minSources;
  }

  test(source: SourceState, now: number): string | null {
    for (let i = 0; i < source.nameCount; i++) if (this.isShared(source.nameAt(i), now)) return '';
    return null;
  }

  forget(source: SourceState): void {
    for (let i = 0; i < source.nameCount; i++) this.index.remove(source.nameAt(i), source.ip);
  }

  snapshot(): DictionarySnapshot {
    return { index: this.index.snapshot(), legit: [...this.legit], slips: [...this.slips] };
  }

  *snapshotJson(): Generator<string> {
    yield '{"index":';
    yield* this.index.snapshotJson();
    yield `,"legit":${JSON.stringify([...this.legit])},"slips":${JSON.stringify([...this.slips])}}`;
  }
}
