import type { AuthEvent, AuthEventKind, AuthEventReason } from '../core/auth-event.js';

const KINDS: readonly AuthEventKind[] = ['failure', 'probe', 'success', 'disconnect', 'session'];
const REASONS: readonly AuthEventReason[] = [
  'failed-password',
  'failed-publickey',
  'failed-keyboard-interactive',
  'failed-none',
  'failed-other',
  'invalid-user',
  'not-allowed',
  'pam-failure',
  'max-attempts',
  'root-refused',
  'closed-preauth',
  'reset-preauth',
  'disconnected-preauth',
  'login-timeout',
  'no-identification',
  'kex-identification',
  'banner-exchange',
  'unable-to-negotiate',
  'accepted',
  'session-opened',
  'session-closed',
];
const KIND_CODE = new Map(KINDS.map((k, i) => [k, i]));
const REASON_CODE = new Map(REASONS.map((r, i) => [r, i]));

const BANNABLE = 1;
const HAS_INVALID_USER = 2;
const INVALID_USER = 4;
/** Stands for an absent port or pid: both are parsed from digits, so never NaN themselves. */
const ABSENT = Number.NaN;
const NO_STRING = -1;

/**
 * Events as columns, to cross from the parser's worker thread to the detector's: numbers in typed arrays (moved,
 * not copied) and each distinct string once per batch. Structured-cloning a million event objects cost the
 * receiving thread more than parsing them did; this costs it one small object per event.
 */
export interface EventBatch {
  readonly size: number;
  /** time, count, port, pid per event. */
  readonly numbers: Float64Array;
  /** Indexes into `strings`: ip, user, method, host per event (-1: absent). */
  readonly refs: Int32Array;
  /** kind, reason, flags per event. */
  readonly codes: Uint8Array;
  readonly strings: string[];
}

export function encodeBatch(events: readonly AuthEvent[]): EventBatch {
  const n = events.length;
  const numbers = new Float64Array(n * 4);
  const refs = new Int32Array(n * 4);
  const codes = new Uint8Array(n * 3);
  const strings: string[] = [];
  const index = new Map<string, number>();
  const ref = (s: string | undefined): number => {
    if (s === undefined) return NO_STRING;
    let i = index.get(s);
    if (i === undefined) {
      i = strings.push(s) - 1;
      index.set(s, i);
    }
    return i;
  };
  // Consecutive events mostly repeat the host, the method, often the address: skip the map for those.
  const last = ['', '', '', ''];
  const lastRef = [NO_STRING, NO_STRING, NO_STRING, NO_STRING];
  const refAt = (column: number, s: string | undefined): number => {
    if (s === undefined) return NO_STRING;
    if (lastRef[column] !== NO_STRING && last[column] === s) return lastRef[column]!;
    const i = ref(s);
    last[column] = s;
    lastRef[column] = i;
    return i;
  };
  for (let i = 0; i < n; i++) {
    const e = events[i]!;
    numbers[i * 4] = e.time;
    numbers[i * 4 + 1] = e.count;
    numbers[i * 4 + 2] = e.port ?? ABSENT;
    numbers[i * 4 + 3] = e.pid ?? ABSENT;
    refs[i * 4] = refAt(0, e.ip);
    refs[i * 4 + 1] = refAt(1, e.user);
    refs[i * 4 + 2] = refAt(2, e.method);
    refs[i * 4 + 3] = refAt(3, e.host);
    codes[i * 3] = KIND_CODE.get(e.kind)!;
    codes[i * 3 + 1] = REASON_CODE.get(e.reason)!;
    codes[i * 3 + 2] =
      (e.bannable ? BANNABLE : 0) |
      (e.invalidUser === undefined ? 0 : HAS_INVALID_USER) |
      (e.invalidUser === true ? INVALID_USER : 0);
  }
  return { size: n, numbers, refs, codes, strings };
}

/** The buffers postMessage can move instead of copying. */
export function transferables(batch: EventBatch): ArrayBuffer[] {
  return [batch.numbers.buffer as ArrayBuffer, batch.refs.buffer as ArrayBuffer, batch.codes.buffer as ArrayBuffer];
}

/** The events again, each with the one shape the parser gives them (field order included). */
export function decodeBatch(batch: EventBatch): AuthEvent[] {
  const { size, numbers, refs, codes, strings } = batch;
  const str = (i: number): string | undefined => (i === NO_STRING ? undefined : strings[i]);
  const out = new Array<AuthEvent>(size);
  for (let i = 0; i < size; i++) {
    const port = numbers[i * 4 + 2]!;
    const pid = numbers[i * 4 + 3]!;
    const flags = codes[i * 3 + 2]!;
    out[i] = {
      time: numbers[i * 4]!,
      kind: KINDS[codes[i * 3]!]!,
      reason: REASONS[codes[i * 3 + 1]!]!,
      ip: strings[refs[i * 4]!]!,
      bannable: (flags & BANNABLE) !== 0,
      count: numbers[i * 4 + 1]!,
      port: Number.isNaN(port) ? undefined : port,
      user: str(refs[i * 4 + 1]!),
      invalidUser: (flags & HAS_INVALID_USER) === 0 ? undefined : (flags & INVALID_USER) !== 0,
      method: str(refs[i * 4 + 2]!),
      pid: Number.isNaN(pid) ? undefined : pid,
      host: str(refs[i * 4 + 3]!),
    };
  }
  return out;
}
