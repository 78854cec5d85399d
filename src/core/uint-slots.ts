const EMPTY = -1;

/**
 * Unsigned 32-bit key -> slot (a non-negative integer), in an open-addressing table of two typed arrays, which the
 * collector never traces: linear probing, kept at most half full, deletion by moving entries back (no tombstones).
 * For the tables keyed by numbers: the detector's (IPv4 addresses, /24 and /16 blocks) and the parser's
 * connections. A Map of 20,000 keys that come and go, as locality's blocks do, grew to a 1.8 MB table in the heap:
 * V8 keeps a deleted entry's place until the table fills up, then doubles it.
 */
export class UintSlots {
  private keys: Uint32Array;
  private slots: Int32Array;
  private mask: number;
  /** 32 - log2(capacity): a key's home is the top bits of its hash. */
  private shift: number;
  size = 0;

  constructor(initial = 1024) {
    let capacity = 16;
    while (capacity < 2 * initial) capacity *= 2;
    this.keys = new Uint32Array(capacity);
    this.slots = new Int32Array(capacity).fill(EMPTY);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
  }

  /** The key's slot, or -1. */
  get(key: number): number {
    return this.slots[this.find(key)]!;
  }

  has(key: number): boolean {
    return this.slots[this.find(key)] !== EMPTY;
  }

  set(key: number, slot: number): void {
    let at = this.find(key);
    if (this.slots[at] === EMPTY) {
      // At most half full, so that a probe stays short.
      if (2 * (this.size + 1) > this.slots.length) {
        this.grow();
        at = this.find(key);
      }
      this.size++;
    }
    this.keys[at] = key;
    this.slots[at] = slot;
  }

  delete(key: number): void {
    let hole = this.find(key);
    if (this.slots[hole] === EMPTY) return;
    this.size--;
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
   * Where `key` probes first: the top bits of Knuth's multiplicative hash, which spread neighbouring keys (a /24
   * walked in order) and keys alike in their low bits (one host number in many networks) over the table.
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
