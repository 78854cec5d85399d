import { type AsnBlocks, NO_ASN } from './asn-blocks.js';
import { addressFamily, type BlockKey, blockKeyOf, blockText, neighbourKey, providerKey } from './ip-prefix.js';
import { RecencyMap } from './recency-map.js';

export interface SuccessSnapshot {
  readonly ips: Array<[string, number]>;
  readonly blocks: Array<[string, number]>;
}

/**
 * Who logged in successfully, and when: per address, and per block (the /24, /16, /64 and /48 around it, and with
 * an ASN database its autonomous system). The address (and, for IPv6, its /64, where privacy addresses rotate) is
 * protected from campaign bans; the blocks also tell the locality signal that a block has real users in it. Both
 * maps are LRU-capped.
 */
export class SuccessHistory {
  private readonly ips: RecencyMap;
  private readonly blocks: RecencyMap<BlockKey>;

  constructor(
    /** How long a success protects (ms). */
    readonly memory: number,
    max: number,
    snapshot?: SuccessSnapshot,
    private readonly asn: AsnBlocks = NO_ASN,
  ) {
    this.ips = new RecencyMap(max, snapshot?.ips);
    this.blocks = new RecencyMap(
      max,
      (snapshot?.blocks ?? []).map(([text, time]): [BlockKey, number] => [blockKeyOf(text), time]),
    );
  }

  /**
   * The last protects() answer: a judged failure asks it twice for the same address and time (the failure's own
   * bookkeeping, then the protection of a ban), and each asking is a lookup among up to max_sources addresses.
   */
  private askedIp = '';
  private askedAt = Number.NaN;
  private answer = false;

  record(ip: string, time: number): void {
    this.askedIp = '';
    this.ips.touch(ip, time);
    const narrow = neighbourKey(ip);
    if (narrow !== '') this.blocks.touch(narrow, time);
    const wide = providerKey(ip);
    if (wide !== '') this.blocks.touch(wide, time);
    if (!this.asn.enabled) return;
    const system = this.asn.of(ip);
    if (system !== '') this.blocks.touch(system, time);
  }

  /** Time of the address's last success within memory before `now`, or -1. */
  lastSuccess(ip: string, now: number): number {
    const t = this.ips.get(ip);
    return t !== undefined && t <= now && t >= now - this.memory ? t : -1;
  }

  /** The address, or for IPv6 its /64, logged in successfully within memory: it must not be banned lightly. */
  protects(ip: string, now: number): boolean {
    if (ip === this.askedIp && now === this.askedAt) return this.answer;
    this.askedIp = ip;
    this.askedAt = now;
    this.answer =
      this.lastSuccess(ip, now) >= 0 || (addressFamily(ip) === 6 && this.blockHasSuccess(neighbourKey(ip), now));
    return this.answer;
  }

  /**
   * When the latest success that protects `ip` came (its own, or for IPv6 its /64's), within memory before `now`;
   * -1 when none does. Failures after it are what an override counts (never-ban.ts, attemptsSince).
   */
  protectedSince(ip: string, now: number): number {
    const own = this.lastSuccess(ip, now);
    if (addressFamily(ip) !== 6) return own;
    const t = this.blocks.get(neighbourKey(ip));
    return t !== undefined && t <= now && t >= now - this.memory ? Math.max(own, t) : own;
  }

  blockHasSuccess(prefix: BlockKey, now: number): boolean {
    const t = this.blocks.get(prefix);
    return t !== undefined && t <= now && t >= now - this.memory;
  }

  snapshot(): SuccessSnapshot {
    return { ips: this.ips.entries(), blocks: this.blocks.entries().map(([key, time]) => [blockText(key), time]) };
  }
}
