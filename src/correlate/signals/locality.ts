import type { KeySpec } from '../../config/key-spec.js';
import { type AsnBlocks, NO_ASN } from '../asn-blocks.js';
import { type BlockKey, blockKeyOf, blockText, neighbourKey, providerKey } from '../ip-prefix.js';
import { durationKey, HOUR, intKey, MINUTE, setting } from '../settings.js';
import { type IndexSnapshot, SharedIndex } from '../shared-index.js';
import type { SourceState } from '../source-state.js';
import { NONE, type Signal, type SignalEnv } from './signal.js';

export const LOCALITY_KEYS = {
  minSources: intKey(
    'locality_min_sources',
    3,
    'Failing sources in one /24 (IPv6: /64) for the block to count as neighbours taking turns.',
    2,
  ),
  wideMinSources: intKey(
    'locality_wide_min_sources',
    8,
    'Failing sources in one /16 (IPv6: /48), or one autonomous system (asn_database), for the wider block to count.',
    2,
  ),
  window: durationKey(
    'locality_window',
    HOUR,
    'How long a source counts for its blocks after its last attempt.',
    MINUTE,
  ),
} satisfies Record<string, KeySpec<number>>;

/** Read by the adapter (src/geo/network-databases.ts) at start and at each reload, never by the signal. */
export const ASN_DATABASE_KEY: KeySpec<string> = {
  key: 'asn_database',
  type: 'path',
  default: '',
  doc:
    "A local MaxMind-format ASN database (GeoLite2-ASN, DB-IP ASN Lite): each address's autonomous system is a third " +
    "locality block, on the /16's terms. Empty: none. Never a network lookup.",
};

/** Read by the same adapter: countries explain a campaign (CAMPAIGN lines), they never count toward a ban. */
export const COUNTRY_DATABASE_KEY: KeySpec<string> = {
  key: 'country_database',
  type: 'path',
  default: '',
  doc:
    'A local MaxMind-format country database (GeoLite2-Country or -City, DB-IP Country Lite): CAMPAIGN lines then ' +
    'say how many countries the members are in (countries=N). Never a ban criterion, never a network lookup.',
};

/** Blocks followed at once (least recently active dropped first). */
const MAX_BLOCKS = 20_000;

export type LocalitySnapshot = IndexSnapshot;

/**
 * Network locality: addresses of one block taking turns so that each stays under maxretry while the block as a
 * whole would have been banned by fail2ban many times over. A block counts when enough of its addresses fail and
 * its attempts within findtime reach maxretry (twice that for the wider block), and nobody in it has logged in
 * successfully lately (an office or a provider's CGNAT pool is then not "an attacker's block"). With an ASN
 * database, the address's autonomous system is a third block, on the wider block's terms.
 */
export class LocalitySignal implements Signal {
  readonly name = 'locality';
  private readonly minSources: number;
  private readonly wideMinSources: number;
  private readonly index: SharedIndex<BlockKey>;
  private readonly asn: AsnBlocks;

  constructor(
    values: Readonly<Record<string, unknown>>,
    private readonly env: SignalEnv,
    snapshot?: LocalitySnapshot,
  ) {
    this.minSources = setting(values, LOCALITY_KEYS.minSources);
    this.wideMinSources = setting(values, LOCALITY_KEYS.wideMinSources);
    this.asn = env.asnBlocks ?? NO_ASN;
    this.index = new SharedIndex(
      setting(values, LOCALITY_KEYS.window),
      MAX_BLOCKS,
      Math.max(16, 2 * this.wideMinSources, 2 * this.minSources),
      snapshot,
      { hitCap: 2 * env.thresholds.maxretry, keys: { format: blockText, parse: blockKeyOf } },
    );
  }

  observe(source: SourceState, time: number, count: number): readonly string[] {
    // Unrolled (no per-event array of the two widths): this runs for every attempt.
    const narrow = this.observeBlock(neighbourKey(source.ip), false, source.ip, time, count, undefined);
    const wide = this.observeBlock(providerKey(source.ip), true, source.ip, time, count, narrow);
    if (!this.asn.enabled) return wide ?? NONE;
    return this.observeBlock(this.asn.of(source.ip), true, source.ip, time, count, wide) ?? NONE;
  }

  /** Adds the attempt to one block; appends the block's sources to `out` when the block just became eligible. */
  private observeBlock(
    prefix: BlockKey,
    wide: boolean,
    ip: string,
    time: number,
    count: number,
    out: string[] | undefined,
  ): string[] | undefined {
    if (prefix === '') return out;
    const before = this.eligible(prefix, wide, time);
    this.index.add(prefix, ip, time, count);
    if (before || !this.eligible(prefix, wide, time)) return out;
    const list = out ?? [];
    for (const other of this.index.sources(prefix, time)) list.push(other);
    return list;
  }

  /** Enough failing addresses, enough attempts within findtime, and no recent success from the block. */
  eligible(prefix: BlockKey, wide: boolean, now: number): boolean {
    const need = this.env.thresholds.maxretry * (wide ? 2 : 1);
    if (!this.index.hasHits(prefix, need, now - this.env.thresholds.findtime)) return false;
    const min = wide ? this.wideMinSources : this.minSources;
    if (this.index.count(prefix, now, min) < min) return false;
    return !this.env.prefixHasSuccess(prefix, now);
  }

  /**
   * The block (the /24 or /64 first, else the /16 or /48, else the autonomous system) that makes this source a
   * neighbour, or null.
   */
  test(source: SourceState, now: number): string | null {
    if (source.attempts === 0 || source.last < now - this.index.window) return null;
    const narrow = neighbourKey(source.ip);
    if (narrow !== '' && this.eligible(narrow, false, now)) return blockText(narrow);
    const wide = providerKey(source.ip);
    if (wide !== '' && this.eligible(wide, true, now)) return blockText(wide);
    const system = this.asn.of(source.ip);
    if (system !== '' && this.eligible(system, true, now)) return blockText(system);
    return null;
  }

  snapshot(): LocalitySnapshot {
    return this.index.snapshot();
  }

  snapshotJson(): Iterable<string> {
    return this.index.snapshotJson();
  }
}
