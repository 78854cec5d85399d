import { UintSlots } from '../core/uint-slots.js';
import { dottedQuadNumber } from '../parse/address.js';

/**
 * Address -> the slot of its source's record (source-table.ts). IPv4 addresses, nearly every source, are kept as
 * 32-bit numbers in a table of typed arrays (uint-slots.ts); the rest (IPv6, host names) in a Map. A Map of 100,000
 * addresses was a 3.7 MB table in the detector's heap, which V8 lets grow by half again before it collects. The
 * addresses come normalised from the parser (a dotted quad without leading zeros, address.ts), so the number and
 * the text are one address.
 */
export class AddressSlots {
  private readonly quads: UintSlots;
  private readonly others = new Map<string, number>();
  /**
   * The last address read and its number: a first contact asks for its address, then adds it (the source table's
   * get, then set), and reading a dotted quad is a loop over its characters.
   */
  private lastIp = '';
  private lastQuad = dottedQuadNumber('');

  constructor(initial = 1024) {
    this.quads = new UintSlots(initial);
  }

  get size(): number {
    return this.quads.size + this.others.size;
  }

  get(ip: string): number | undefined {
    const quad = this.quadOf(ip);
    if (quad < 0) return this.others.get(ip);
    const slot = this.quads.get(quad);
    return slot < 0 ? undefined : slot;
  }

  set(ip: string, slot: number): void {
    const quad = this.quadOf(ip);
    if (quad >= 0) this.quads.set(quad, slot);
    else this.others.set(ip, slot);
  }

  delete(ip: string): void {
    const quad = this.quadOf(ip);
    if (quad >= 0) this.quads.delete(quad);
    else this.others.delete(ip);
  }

  private quadOf(ip: string): number {
    if (ip !== this.lastIp) {
      this.lastQuad = dottedQuadNumber(ip);
      this.lastIp = ip;
    }
    return this.lastQuad;
  }
}
