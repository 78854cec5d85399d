/**
 * Where an entry stands in the journal, as its cursor says: `s=<seqnum id>;i=<seqnum>;b=<boot id>;m=<monotonic>;
 * t=<realtime>;x=<xor hash>`, the numbers in hex (sd_journal_get_cursor). Cursors are meant to be opaque, but their
 * form has not changed since systemd 187, and journalctl offers no other way to ask whether one entry comes after
 * another.
 */
export interface JournalPlace {
  readonly seqnumId: string;
  readonly seqnum: bigint;
  readonly bootId: string;
  readonly monotonic: bigint;
  /** Microseconds since the epoch: when journald received the entry (__REALTIME_TIMESTAMP). */
  readonly realtime: bigint;
  readonly xorHash: bigint;
}

const ID = /^[0-9a-f]{32}$/;
const HEX = /^[0-9a-f]{1,16}$/;

/** The place a cursor names; null for one not in journald's form (the tests' fakes, a journal of another kind). */
export function journalPlace(cursor: string): JournalPlace | null {
  const fields = new Map<string, string>();
  for (const part of cursor.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at), part.slice(at + 1));
  }
  const [s, i, b, m, t, x] = ['s', 'i', 'b', 'm', 't', 'x'].map((key) => fields.get(key) ?? '');
  if (!ID.test(s!) || !ID.test(b!) || ![i, m, t, x].every((n) => HEX.test(n!))) return null;
  const hex = (n: string | undefined) => BigInt(`0x${n}`);
  return { seqnumId: s!, seqnum: hex(i), bootId: b!, monotonic: hex(m), realtime: hex(t), xorHash: hex(x) };
}

/**
 * The journal's order of two entries, as sd-journal merges its files (compare_with_location in sd-journal.c): by
 * sequence number within one sequence (one journald's), else by monotonic time within one boot, else by the wall
 * clock, else by the hash. Negative: `a` comes first.
 */
export function compareJournalPlaces(a: JournalPlace, b: JournalPlace): number {
  if (a.seqnumId === b.seqnumId && a.seqnum !== b.seqnum) return a.seqnum < b.seqnum ? -1 : 1;
  if (a.bootId === b.bootId && a.monotonic !== b.monotonic) return a.monotonic < b.monotonic ? -1 : 1;
  if (a.realtime !== b.realtime) return a.realtime < b.realtime ? -1 : 1;
  if (a.xorHash !== b.xorHash) return a.xorHash < b.xorHash ? -1 : 1;
  return 0;
}

/** When journald received the entry a cursor names, in RFC 3339; null for none or a cursor not in journald's form. */
export function journalCursorTime(cursor: string | null): string | null {
  const place = cursor === null ? null : journalPlace(cursor);
  return place === null ? null : new Date(Number(place.realtime / 1000n)).toISOString();
}
