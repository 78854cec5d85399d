import { isDottedQuad } from '../parse/address.js';
import { ipv4Number } from './ip-prefix.js';

const EMPTY = -1;

/**
 * Address -> the slot of its source's record (source-table.ts). IPv4 addresses, nearly every source, are kept as
 * 32-bit numbers in an open-addressing table of two typed arrays, which the collector never traces; the rest
 * (IPv6, host names) in a Map. A Map of 100,000 addresses was a 3.7 MB table in the detector's heap, which V8 lets
 * grow by half again before it collects. The addresses come normalised from the parser (a dotted quad without
 * leading zeros, address.ts), so the number and the text are one address.
 */
export class AddressSlots {
  private keys: Uint32Array;
  private slots: Int32Array;
  private mask: number;
  /** 32 - log2(capacity): a key's home is the top bits of its hash. */
  private shift: number;
  private quads = 0;
  private readonly others = new Map<string, number>();

  constructor(initial = 1024) {
    let capacity = 16;
    while (capacity < 2 * initial) capacity *= 2;
    this.keys = new Uint32Array(capacity);
    this.slots = new Int32Array(capacity).fill(EMPTY);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
  }

  get size(): number {
    return this.quads + this.others.size;
  }

  get(ip: string): number | undefined {
    if (!isDottedQuad(ip)) return this.others.get(ip);
    const at = this.find(ipv4Number(ip));
    const slot = this.slots[at]!;
    return slot === EMPTY ? undefined : slot;
  }

  set(ip: string, slot: number): void {
    if (!isDottedQuad(ip)) {
      this.others.set(ip, slot);
      return;
    }
    const key = ipv4Number(ip);
    let at = this.find(key);
    if (this.slots[at] === EMPTY) {
      // At most half full, so that a probe stays short.
      if (2 * (this.quads + 1) > this.slots.length) {
        this.grow();
        at = this.find(key);
      }
      this.quads++;
    }
    this.keys[at] = key;
    this.slots[at] = slot;
  }

  delete(ip: string): void {
    if (!isDottedQuad(ip)) {
      this.others.delete(ip);
      return;
    }
    let hole = this.find(ipv4Number(ip));
    if (this.slots[hole] === EMPTY) return;
    this.quads--;
    // Linear probing without tombstones: the entries after the hole that probed past it move back into it.
    for (let at = (hole + 1) & this.mask; this.slots[at] !== EMPTY; at = (at + 1) & this.mask) {
      const home = this.home(this.keys[at]!);
      // The entry stays when its home lies cyclically after the hole, up to where it sits.
      if ((at > hole && home > hole && home <= at) || (at < hole && (home > hole || home <= at))) continue;
      this.keys[hole] = this.keys[at]!;
      this.slots[hole] = this.slots[at]!;
      hole = at;
    }
    this.slots[hole] = EMPTY;
  }

  /**
   * Where `key` probes first: the top bits of Knuth's multiplicative hash, which spread neighbouring addresses (a /24
   * walked in order) and addresses alike in their low bits (one host number in many networks) over the table.
   */
  private home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }

  /** Where `key` is, or the empty place where it would go. */
  private find(key: number): number {
    let at = this.home(key);
    while (this.slots[at] !== EMPTY && this.keys[at] !== key) at = (at + 1) & this.mask;
    return at;
  }

  private grow(): void {
    const keys = this.keys;
    const slots = this.slots;
    this.keys = new Uint32Array(keys.length * 2);
    this.slots = new Int32Array(slots.length * 2).fill(EMPTY);
    this.mask = this.slots.length - 1;
    this.shift--;
    for (let i = 0; i < slots.length; i++) {
      if (slots[i] === EMPTY) continue;
      const at = this.find(keys[i]!);
      this.keys[at] = keys[i]!;
      this.slots[at] = slots[i]!;
    }
  }
}
