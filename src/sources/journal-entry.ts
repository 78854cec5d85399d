import type { SshdMessage } from '../parse/sshd-parser.js';

/** One entry of `journalctl -o json`, decoded into what the sshd parser takes, with the cursor to resume after it. */
export interface JournalEntry {
  readonly cursor: string;
  readonly message: SshdMessage;
  /** `_UID`, the sender's uid as journald recorded it (the text cannot set it); undefined where it is missing. */
  readonly uid?: number;
}

/**
 * journalctl prints a field that is not valid UTF-8 (or holds control bytes) as an array of byte values, and a
 * field too large to show as null. Attacker text in sshd's messages makes both happen.
 */
export function journalField(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((b) => typeof b === 'number')) return Buffer.from(value).toString('utf8');
  // A field present several times in one entry comes as an array of values: the first is the entry's own.
  if (Array.isArray(value) && value.length > 0) return journalField(value[0]);
  return undefined;
}

function integer(value: unknown): number | undefined {
  const text = journalField(value);
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** The cursor of one JSON line, whatever else it holds; undefined when it has none (or is no JSON). */
export function journalEntryCursor(line: string): string | undefined {
  try {
    const raw = JSON.parse(line) as unknown;
    return typeof raw === 'object' && raw !== null
      ? journalField((raw as Record<string, unknown>)['__CURSOR'])
      : undefined;
  } catch {
    return undefined;
  }
}

/** Decodes one JSON line; null for lines that are not an entry with a cursor, a message and a time. */
export function decodeJournalLine(line: string): JournalEntry | null {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const cursor = journalField(raw['__CURSOR']);
  const message = journalField(raw['MESSAGE']);
  const micros = journalField(raw['__REALTIME_TIMESTAMP']);
  if (cursor === undefined || message === undefined || micros === undefined || !/^\d+$/.test(micros)) return null;
  const pid = integer(raw['SYSLOG_PID']) ?? integer(raw['_PID']);
  const host = journalField(raw['_HOSTNAME']);
  const uid = integer(raw['_UID']);
  return {
    cursor,
    ...(uid !== undefined ? { uid } : {}),
    message: {
      time: Math.floor(Number(micros) / 1000),
      program: journalField(raw['SYSLOG_IDENTIFIER']) ?? journalField(raw['_COMM']) ?? 'sshd',
      message,
      ...(pid !== undefined ? { pid } : {}),
      ...(host !== undefined ? { host } : {}),
    },
  };
}
