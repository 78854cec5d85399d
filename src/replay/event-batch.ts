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
  'pam-query-failure',
  'auth-fail-disconnect',
];

/** KINDS.indexOf(kind), as a switch: a Map lookup per event was ~1% of the parser's thread. */
function kindCode(kind: AuthEventKind): number {
  switch (kind) {
    case 'failure':
      return 0;
    case 'probe':
      return 1;
    case 'success':
      return 2;
    case 'disconnect':
      return 3;
    case 'session':
      return 4;
  }
}

/** REASONS.indexOf(reason), as a switch (kindCode says why); the property test holds the two to each other. */
function reasonCode(reason: AuthEventReason): number {
  switch (reason) {
    case 'failed-password':
      return 0;
    case 'failed-publickey':
      return 1;
    case 'failed-keyboard-interactive':
      return 2;
    case 'failed-none':
      return 3;
    case 'failed-other':
      return 4;
    case 'invalid-user':
      return 5;
    case 'not-allowed':
      return 6;
    case 'pam-failure':
      return 7;
    case 'max-attempts':
      return 8;
    case 'root-refused':
      return 9;
    case 'closed-preauth':
      return 10;
    case 'reset-preauth':
      return 11;
    case 'disconnected-preauth':
      return 12;
    case 'login-timeout':
      return 13;
    case 'no-identification':
      return 14;
    case 'kex-identification':
      return 15;
    case 'banner-exchange':
      return 16;
    case 'unable-to-negotiate':
      return 17;
    case 'accepted':
      return 18;
    case 'session-opened':
      return 19;
    case 'session-closed':
      return 20;
    case 'pam-query-failure':
      return 21;
    case 'auth-fail-disconnect':
      return 22;
  }
}

const BANNABLE = 1;
const HAS_INVALID_USER = 2;
const INVALID_USER = 4;
const REPEATED = 8;
/** Stands for an absent port or pid: both are parsed from digits, so never NaN themselves. */
const ABSENT = Number.NaN;
const NO_STRING = -1;

/**
 * Events as columns, to cross from the parser's worker thread to the detector's: numbers in typed arrays (moved,
 * not copied) and each string once per run of events that repeat it in its column. Structured-cloning a million
 * event objects cost the receiving thread more than parsing them did; this costs it one small object per event.
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

/**
 * Builds a batch one event at a time, so the parser's thread keeps no event object past its line. A chunk's events
 * gathered in an array first were survivors for the young generation's collections to copy, and with the thread's
 * small young generation (replay-threads.ts) often promoted: per million lines of bench/replay.mjs's log, 97 MB
 * promoted and 37 full collections, against 49 MB and 18 this way (the rest was the connection tracker's objects,
 * since moved to typed arrays too: connection-slots.ts).
 */
export class BatchWriter {
  private size = 0;
  private readonly numbers: Float64Array;
  private readonly refs: Int32Array;
  private readonly codes: Uint8Array;
  private readonly strings: string[] = [];
  // Consecutive events mostly repeat the host and the method, and half the time the address: those refer to the
  // string of the event before. Any other string is sent again, even one the batch holds already: a Map finding
  // those cost replay more (hashing each new string, in the parser's thread) than sending them again saves (2%
  // of the whole run's instructions, bench/instructions.mjs replay).
  private readonly last = ['', '', '', ''];
  private readonly lastRef = [NO_STRING, NO_STRING, NO_STRING, NO_STRING];

  /** Room for `capacity` events (a chunk's lines, at most one event each). */
  constructor(private readonly capacity: number) {
    this.numbers = new Float64Array(capacity * 4);
    this.refs = new Int32Array(capacity * 4);
    this.codes = new Uint8Array(capacity * 3);
  }

  get length(): number {
    return this.size;
  }

  add(e: AuthEvent): void {
    if (this.size === this.capacity) throw new RangeError(`a batch holds ${this.capacity} events`);
    const i = this.size++;
    const { numbers, refs, codes } = this;
    numbers[i * 4] = e.time;
    numbers[i * 4 + 1] = e.count;
    numbers[i * 4 + 2] = e.port ?? ABSENT;
    numbers[i * 4 + 3] = e.pid ?? ABSENT;
    refs[i * 4] = this.ref(0, e.ip);
    refs[i * 4 + 1] = this.ref(1, e.user);
    refs[i * 4 + 2] = this.ref(2, e.method);
    refs[i * 4 + 3] = this.ref(3, e.host);
    codes[i * 3] = kindCode(e.kind);
    codes[i * 3 + 1] = reasonCode(e.reason);
    codes[i * 3 + 2] =
      (e.bannable ? BANNABLE : 0) |
      (e.invalidUser === undefined ? 0 : HAS_INVALID_USER) |
      (e.invalidUser === true ? INVALID_USER : 0) |
      (e.repeated === true ? REPEATED : 0);
  }

  /** The batch; its arrays may be longer than its events (`size` says how many there are). */
  finish(): EventBatch {
    return { size: this.size, numbers: this.numbers, refs: this.refs, codes: this.codes, strings: this.strings };
  }

  private ref(column: number, s: string | undefined): number {
    if (s === undefined) return NO_STRING;
    if (this.lastRef[column] !== NO_STRING && this.last[column] === s) return this.lastRef[column]!;
    const i = this.strings.push(s) - 1;
    this.last[column] = s;
    this.lastRef[column] = i;
    return i;
  }
}

export function encodeBatch(events: readonly AuthEvent[]): EventBatch {
  const writer = new BatchWriter(events.length);
  for (let i = 0; i < events.length; i++) writer.add(events[i]!);
  return writer.finish();
}

/** The buffers postMessage can move instead of copying. */
export function transferables(batch: EventBatch): ArrayBuffer[] {
  return [batch.numbers.buffer as ArrayBuffer, batch.refs.buffer as ArrayBuffer, batch.codes.buffer as ArrayBuffer];
}

/**
 * A batch's events as a list (what replayLogs reads), each read from the columns into one object that the next
 * at() rewrites: the detector reads an event during its onAuthEvent call and keeps none (CorrelationCore). An object
 * per event was 180 MB of the detector's thread's ~560 MB of allocation per million lines; without them the thread
 * does 2.4% fewer instructions, most of it in young-generation collections (bench/instructions.mjs detect).
 */
export class EventColumns {
  /** The event being read, with the one shape the parser gives events (field order included). */
  private readonly event: { -readonly [K in keyof AuthEvent]-?: AuthEvent[K] } = {
    time: 0,
    kind: 'failure',
    reason: 'failed-password',
    ip: '',
    bannable: false,
    count: 0,
    port: undefined,
    user: undefined,
    invalidUser: undefined,
    method: undefined,
    pid: undefined,
    host: undefined,
    repeated: undefined,
  };

  constructor(private readonly batch: EventBatch) {}

  get length(): number {
    return this.batch.size;
  }

  /** Event `i`, valid until the next call (undefined past the end, as for an array). */
  at(i: number): AuthEvent | undefined {
    const { size, numbers, refs, codes, strings } = this.batch;
    if (!(i >= 0 && i < size)) return undefined;
    const e = this.event;
    const port = numbers[i * 4 + 2]!;
    const pid = numbers[i * 4 + 3]!;
    const flags = codes[i * 3 + 2]!;
    e.time = numbers[i * 4]!;
    e.kind = KINDS[codes[i * 3]!]!;
    e.reason = REASONS[codes[i * 3 + 1]!]!;
    e.ip = strings[refs[i * 4]!]!;
    e.bannable = (flags & BANNABLE) !== 0;
    e.count = numbers[i * 4 + 1]!;
    e.port = Number.isNaN(port) ? undefined : port;
    e.user = stringAt(strings, refs[i * 4 + 1]!);
    e.invalidUser = (flags & HAS_INVALID_USER) === 0 ? undefined : (flags & INVALID_USER) !== 0;
    e.method = stringAt(strings, refs[i * 4 + 2]!);
    e.pid = Number.isNaN(pid) ? undefined : pid;
    e.host = stringAt(strings, refs[i * 4 + 3]!);
    e.repeated = (flags & REPEATED) === 0 ? undefined : true;
    return e;
  }
}

function stringAt(strings: readonly string[], i: number): string | undefined {
  return i === NO_STRING ? undefined : strings[i];
}

/** The events again, each an object of its own with the one shape the parser gives them (field order included). */
export function decodeBatch(batch: EventBatch): AuthEvent[] {
  const columns = new EventColumns(batch);
  const out = new Array<AuthEvent>(batch.size);
  for (let i = 0; i < batch.size; i++) out[i] = { ...columns.at(i)! };
  return out;
}
