import { grown } from '../core/grown.js';
import { ipv4Text } from './address.js';

/** How a slot keeps an address: none yet, a dotted quad as its number, or text (IPv6, a host name). */
const NONE = 0;
const QUAD = 1;
const TEXT = 2;

/**
 * The connection tracker's state (connection-tracker.ts), one slot per connection, in typed arrays: what a
 * connection has counted, its first address, and, once it ended, its place in the ring of ended connections and the
 * address and port of its ending line. Slots also keep the order in which they were taken (the oldest connection is
 * forgotten first when the table is full), and a generation, so that a queue or ring entry left by a released slot
 * is known for stale when the slot is taken again. An address comes with its dotted quad's number (address.ts,
 * dottedQuadNumber; -1 for any other address), read once per line by the tracker.
 */
export class ConnectionSlots {
  attempts = new Int32Array(0);
  /** Bits of the announcing lines seen since the last `Failed` line (connection-tracker.ts, ANNOUNCE_BIT). */
  pending = new Int32Array(0);
  success = new Uint8Array(0);
  /** 1 once fail2ban's filter has read two names in the connection (connection-tracker.ts, FAIL2BAN_CLOSE). */
  twoNames = new Uint8Array(0);
  /** Its place in the ring of ended connections, -1 while open. */
  endedSlot = new Int32Array(0);
  /** The port of its ending line, -1 for none (ports are parsed from digits). */
  endedPort = new Float64Array(0);
  private addrKind = new Uint8Array(0);
  private addrQuad = new Uint32Array(0);
  private readonly addrTexts: Array<string | undefined> = [];
  private endedKind = new Uint8Array(0);
  private endedQuad = new Uint32Array(0);
  private readonly endedTexts: Array<string | undefined> = [];
  private gen = new Uint32Array(0);
  private capacity = 0;
  private used = 0;
  private readonly free: number[] = [];
  size = 0;
  /** Slots in the order they were taken, with their generation then: stale entries are skipped, and compacted. */
  private order = new Int32Array(64);
  private orderGen = new Uint32Array(64);
  private head = 0;
  private tail = 0;
  private readonly ring: Int32Array;
  private readonly ringGen: Uint32Array;
  private ringNext = 0;

  constructor(
    private readonly limit: number,
    endedKept: number,
  ) {
    this.ring = new Int32Array(endedKept).fill(-1);
    this.ringGen = new Uint32Array(endedKept);
  }

  /** A slot for a new connection: nothing counted, no address, open. */
  take(): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.used === this.capacity) this.grow();
      slot = this.used++;
    }
    this.restore(slot, 0, 0, false);
    if (this.tail === this.order.length) this.compact();
    this.order[this.tail] = slot;
    this.orderGen[this.tail++] = this.gen[slot]!;
    this.size++;
    return slot;
  }

  release(slot: number): void {
    this.gen[slot]!++;
    this.addrTexts[slot] = undefined;
    this.endedTexts[slot] = undefined;
    this.free.push(slot);
    this.size--;
  }

  /** The slot's counts set, its address forgotten, open. */
  restore(slot: number, attempts: number, pending: number, success: boolean): void {
    this.reset(slot);
    this.attempts[slot] = attempts;
    this.pending[slot] = pending;
    this.success[slot] = success ? 1 : 0;
  }

  /** A new connection in place of an old one on the same key (its ring entry, if any, no longer names it). */
  reset(slot: number): void {
    this.attempts[slot] = 0;
    this.pending[slot] = 0;
    this.success[slot] = 0;
    this.twoNames[slot] = 0;
    this.addrKind[slot] = NONE;
    this.addrTexts[slot] = undefined;
    this.endedSlot[slot] = -1;
  }

  hasAddr(slot: number): boolean {
    return this.addrKind[slot] !== NONE;
  }

  addrIs(slot: number, ip: string, quad: number): boolean {
    return this.addrKind[slot] === QUAD
      ? this.addrQuad[slot] === quad
      : this.addrKind[slot] === TEXT && this.addrTexts[slot] === ip;
  }

  setAddr(slot: number, ip: string, quad: number): void {
    if (quad >= 0) {
      this.addrKind[slot] = QUAD;
      this.addrQuad[slot] = quad;
    } else {
      this.addrKind[slot] = TEXT;
      this.addrTexts[slot] = ip;
    }
  }

  /** The slot's address as text, null for none. */
  addrText(slot: number): string | null {
    const kind = this.addrKind[slot];
    return kind === QUAD ? ipv4Text(this.addrQuad[slot]!) : kind === TEXT ? this.addrTexts[slot]! : null;
  }

  endedIs(slot: number, ip: string, quad: number): boolean {
    return this.endedKind[slot] === QUAD ? this.endedQuad[slot] === quad : this.endedTexts[slot] === ip;
  }

  /**
   * Marks the connection ended by a line from `ip`, `port`, in the ring's next place. Returns the slot of the
   * connection that place held, when it still names it (to be forgotten: it ended longest ago), else -1.
   */
  end(slot: number, ip: string, quad: number, port: number): number {
    const at = this.ringNext;
    const old = this.ring[at]!;
    // The place still names its connection if that ended here and its slot was not released since. (A slot released
    // while the ring names it, forgotten when the table was full, is taken again at once, last freed first, which
    // clears its end; the generation keeps it so whatever the order: freeing a slot twice would corrupt the table.)
    const gone = old >= 0 && this.gen[old] === this.ringGen[at] && this.endedSlot[old] === at ? old : -1;
    this.ring[at] = slot;
    this.ringGen[at] = this.gen[slot]!;
    if (quad >= 0) {
      this.endedKind[slot] = QUAD;
      this.endedQuad[slot] = quad;
      this.endedTexts[slot] = undefined;
    } else {
      this.endedKind[slot] = TEXT;
      this.endedTexts[slot] = ip;
    }
    this.endedPort[slot] = port;
    this.endedSlot[slot] = at;
    this.ringNext = (at + 1) % this.ring.length;
    return gone;
  }

  /** The slot taken longest ago and still in use, removed from the order (-1 when none). */
  oldest(): number {
    while (this.head < this.tail) {
      const i = this.head++;
      const slot = this.order[i]!;
      if (this.gen[slot] === this.orderGen[i]) return slot;
    }
    return -1;
  }

  /** The slots in use, taken longest ago first. */
  *inOrder(): Generator<number> {
    for (let i = this.head; i < this.tail; i++) if (this.gen[this.order[i]!] === this.orderGen[i]) yield this.order[i]!;
  }

  /** Drops the stale entries of the order, or doubles its room when most are live. */
  private compact(): void {
    let n = 0;
    for (let i = this.head; i < this.tail; i++) {
      const slot = this.order[i]!;
      if (this.gen[slot] !== this.orderGen[i]) continue;
      this.order[n] = slot;
      this.orderGen[n++] = this.orderGen[i]!;
    }
    this.head = 0;
    this.tail = n;
    if (2 * n > this.order.length) {
      this.order = grown(this.order, this.order.length * 2);
      this.orderGen = grown(this.orderGen, this.orderGen.length * 2);
    }
  }

  private grow(): void {
    const capacity = Math.min(Math.max(256, this.capacity * 2), Math.max(this.limit, this.capacity + 1));
    this.attempts = grown(this.attempts, capacity);
    this.pending = grown(this.pending, capacity);
    this.success = grown(this.success, capacity);
    this.twoNames = grown(this.twoNames, capacity);
    this.endedSlot = grown(this.endedSlot, capacity);
    this.endedPort = grown(this.endedPort, capacity);
    this.addrKind = grown(this.addrKind, capacity);
    this.addrQuad = grown(this.addrQuad, capacity);
    this.endedKind = grown(this.endedKind, capacity);
    this.endedQuad = grown(this.endedQuad, capacity);
    this.gen = grown(this.gen, capacity);
    this.capacity = capacity;
  }
}
