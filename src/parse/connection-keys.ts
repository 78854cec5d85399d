import { grown } from '../core/grown.js';
import { UintSlots } from '../core/uint-slots.js';

/** Linux's largest pid is below 2^22 (PID_MAX_LIMIT): a host's number and a pid then fit 32 bits. */
const PID_LIMIT = 1 << 22;
const MAX_HOSTS = 2 ** 32 / PID_LIMIT;
/** A pid as sshd's header shows it (and as a key's text holds it): decimal, no leading zero. */
const PID_TEXT = /^(?:0|[1-9][0-9]{0,6})$/;

/**
 * The connection tracker's keys: a line's host and pid (or, with no pid, its address), which snapshots write as
 * `host|pid` text. In memory a key is one unsigned 32-bit number (the host's number, from the first 1,024 hosts
 * seen, times 2^22, plus the pid) in a table of typed arrays, so that an open connection holds no string; any other
 * key (a pid past 2^22, more hosts, an address standing for the pid) is its text, in a Map. Two lines get the same
 * key exactly when their texts are equal.
 */
export class ConnectionKeys {
  private readonly numbered = new UintSlots(256);
  private readonly named = new Map<string, number>();
  private readonly hosts = new Map<string, number>();
  private readonly hostNames: string[] = [];
  /** Per slot: its key when a number (-1 else; a typed array, as numbers past 2^31 would be objects in an array). */
  private numbers = new Float64Array(256);
  /** Per slot: its key when text. */
  private readonly texts: Array<string | undefined> = [];

  /** The key of a line's connection: `tail` is its pid, or its address when it has none. */
  of(host: string | undefined, tail: number | string): number | string {
    const h = host ?? '';
    const pid = typeof tail === 'number' ? tail : PID_TEXT.test(tail) ? Number(tail) : Number.NaN;
    if (pid >= 0 && pid < PID_LIMIT && Number.isInteger(pid)) {
      const index = this.hostIndex(h);
      if (index >= 0) return index * PID_LIMIT + pid;
    }
    return `${h}|${tail}`;
  }

  /** The key a snapshot's text stands for. */
  parse(text: string): number | string {
    const bar = text.lastIndexOf('|');
    return bar < 0 ? text : this.of(text.slice(0, bar), text.slice(bar + 1));
  }

  find(key: number | string): number {
    return typeof key === 'number' ? this.numbered.get(key) : (this.named.get(key) ?? -1);
  }

  set(key: number | string, slot: number): void {
    if (slot >= this.numbers.length) this.numbers = grown(this.numbers, Math.max(2 * this.numbers.length, slot + 1));
    if (typeof key === 'number') {
      this.numbered.set(key, slot);
      this.numbers[slot] = key;
    } else {
      this.named.set(key, slot);
      this.numbers[slot] = -1;
      this.texts[slot] = key;
    }
  }

  /** Forgets the key of `slot`. */
  delete(slot: number): void {
    const key = this.numbers[slot]!;
    if (key >= 0) this.numbered.delete(key);
    else {
      this.named.delete(this.texts[slot]!);
      this.texts[slot] = undefined;
    }
  }

  /** The key of `slot` as text (what snapshots keep). */
  text(slot: number): string {
    const key = this.numbers[slot]!;
    if (key < 0) return this.texts[slot]!;
    return `${this.hostNames[Math.floor(key / PID_LIMIT)]}|${key % PID_LIMIT}`;
  }

  /**
   * The host of the line before (nearly every line has the same host): its number without a lookup. The string the
   * line gave, not the table's copy: the header reader hands every line of one host the same string, which is then
   * found equal at once, where the copy was compared character by character on every line.
   */
  private lastHost: string | undefined;
  private lastIndex = -1;

  private hostIndex(host: string): number {
    if (host === this.lastHost) return this.lastIndex;
    const known = this.hostLookup(host);
    this.lastHost = known >= 0 ? host : undefined;
    this.lastIndex = known;
    return known;
  }

  private hostLookup(host: string): number {
    const known = this.hosts.get(host);
    if (known !== undefined) return known;
    if (this.hostNames.length >= MAX_HOSTS) return -1;
    // A copy: the host is cut from its line, whose whole chunk the slice would keep alive.
    const copy = ` ${host}`.slice(1);
    this.hosts.set(copy, this.hostNames.length);
    return this.hostNames.push(copy) - 1;
  }
}
