import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuthEventKind } from '../../src/core/auth-event.js';
import { type ConnectionSnapshot, ConnectionTracker } from '../../src/parse/connection-tracker.js';
import type { MessageMatch, MessageRole } from '../../src/parse/message-match.js';

/**
 * The tracker as it was before its state moved to typed arrays (a Map of objects, keyed by `host|pid` text, in
 * insertion order), as the model: the typed one must count every line alike, forget the same connections at both
 * limits, and write the same snapshots.
 */
interface Conn {
  attempts: number;
  pending: number;
  success: boolean;
  addr: string | undefined;
  endedIp: string;
  endedPort: number | undefined;
  endedSlot: number;
}
const BIT: Partial<Record<string, number>> = {
  'invalid-user': 1,
  'not-allowed': 2,
  'pam-query-failure': 4,
  'root-refused': 8,
};

class ReferenceTracker {
  private readonly map = new Map<string, Conn>();
  private readonly ring: Array<string | undefined>;
  private next = 0;
  constructor(
    snapshot: ConnectionSnapshot,
    private readonly open: number,
    private readonly ended: number,
  ) {
    this.ring = new Array(ended);
    for (const [key, attempts, pending, success, addr] of snapshot)
      this.map.set(key, { ...fresh(), attempts, pending, success, addr: addr ?? undefined });
  }
  snapshot(): ConnectionSnapshot {
    return [...this.map]
      .filter(([, c]) => c.endedSlot < 0)
      .map(([k, c]) => [k, c.attempts, c.pending, c.success, c.addr ?? null]);
  }
  account(
    host: string | undefined,
    pid: number | undefined,
    m: MessageMatch,
    ip: string,
    isIp: boolean,
  ): [AuthEventKind, number] | null {
    if (m.role === 'none') return null;
    if (m.role === 'echo') return ['failure', 0];
    const key = `${host ?? ''}|${pid ?? (m.port === undefined ? ip : `${ip} ${m.port}`)}`;
    const ending = m.role === 'close' || m.role === 'session';
    let c = this.map.get(key);
    if (c !== undefined && c.endedSlot >= 0) {
      if (ending && c.endedIp === ip && c.endedPort === m.port) {
        // Ended by a line that leaves the count to the connection's next close line (MessageMatch.closedAgain).
        if (c.pending !== 32) return ['disconnect', 0];
        c.pending = 0;
        if (c.success || c.attempts > 0 || m.role === 'session') return ['disconnect', 0];
        return m.triedAuth ? ['failure', 1] : ['probe', 1];
      }
      if (m.role === 'summary' && (c.endedIp === ip || !isIp)) return ['failure', 0];
      Object.assign(c, { attempts: 0, pending: 0, success: false, addr: undefined, endedSlot: -1 });
    } else if (c !== undefined && isIp && c.addr !== undefined && c.addr !== ip) {
      Object.assign(c, { attempts: 0, pending: 0, success: false, addr: undefined, endedSlot: -1 });
    }
    if (c === undefined) {
      if (this.map.size >= this.open + this.ended) this.map.delete(this.map.keys().next().value!);
      c = fresh();
      this.map.set(key, c);
    }
    if (isIp) c.addr ??= ip;
    if (ending || m.role === 'probe') {
      const old = this.ring[this.next];
      if (old !== undefined && this.map.get(old)?.endedSlot === this.next) this.map.delete(old);
      this.ring[this.next] = key;
      Object.assign(c, { endedIp: ip, endedPort: m.port, endedSlot: this.next });
      this.next = (this.next + 1) % this.ended;
    }
    const r = m.repeat;
    switch (m.role) {
      case 'announce': {
        if (!isIp) return ['failure', 0];
        const bit = BIT[m.reason] ?? 16;
        if (c.pending !== 0 && (c.pending & bit) === 0) {
          c.pending |= bit;
          return ['failure', r - 1];
        }
        c.pending = bit;
        c.attempts += r;
        return ['failure', r];
      }
      case 'attempt': {
        // sshd's `PAM:` line (bit 4) announces a keyboard-interactive try only.
        const announced = m.reason === 'failed-keyboard-interactive' ? c.pending : c.pending & ~4;
        const n = announced !== 0 ? r - 1 : r;
        c.pending = 0;
        c.attempts += n;
        return ['failure', n];
      }
      case 'summary':
        if (c.attempts > 0) return ['failure', 0];
        c.attempts = 1;
        return ['failure', 1];
      case 'close':
        if (c.success || c.attempts > 0) return ['disconnect', 0];
        if (m.closedAgain) {
          c.pending = 32;
          return ['disconnect', 0];
        }
        return m.triedAuth ? ['failure', 1] : ['probe', 1];
      case 'probe':
        return ['probe', r];
      case 'success':
        c.success = true;
        c.pending = 0;
        return ['success', 1];
      case 'session':
        return ['disconnect', 0];
    }
  }
}
const fresh = (): Conn => ({
  attempts: 0,
  pending: 0,
  success: false,
  addr: undefined,
  endedIp: '',
  endedPort: undefined,
  endedSlot: -1,
});

// Addresses as the parser gives them (isIp: not a host name), host names that look like pids, pids either side of
// 2^22 (where keys stop being numbers), hosts with and without a bar.
const ADDRESSES: ReadonlyArray<[string, boolean]> = [
  ['10.0.0.1', true],
  ['10.0.0.2', true],
  ['2001:db8::1', true],
  ['gw.example.net', false],
  ['12345', false],
];
interface Line {
  readonly host: string | undefined;
  readonly pid: number | undefined;
  readonly role: MessageRole;
  readonly reason: string;
  readonly address: readonly [string, boolean];
  readonly port: number | undefined;
  readonly repeat: number;
  readonly triedAuth: boolean;
  readonly closedAgain: boolean;
}
const line: fc.Arbitrary<Line> = fc.record({
  host: fc.constantFrom(undefined, 'srv', 'a|b', ''),
  pid: fc.constantFrom(undefined, 1, 2, 12345, 4_194_303, 4_194_304),
  role: fc.constantFrom<MessageRole>(
    'attempt',
    'announce',
    'echo',
    'summary',
    'close',
    'probe',
    'success',
    'session',
    'none',
  ),
  reason: fc.constantFrom(
    'invalid-user',
    'pam-failure',
    'pam-query-failure',
    'failed-password',
    'failed-keyboard-interactive',
    'closed-preauth',
  ),
  address: fc.constantFrom(...ADDRESSES),
  port: fc.constantFrom(undefined, 22, 50_000),
  repeat: fc.integer({ min: 1, max: 3 }),
  triedAuth: fc.boolean(),
  closedAgain: fc.boolean(),
});

function matchOf(l: Line): MessageMatch {
  const { role, port, repeat, triedAuth, closedAgain } = l;
  return {
    role,
    reason: l.reason as MessageMatch['reason'],
    addr: l.address[0],
    port,
    user: undefined,
    invalidUser: false,
    method: undefined,
    triedAuth,
    repeat,
    repeated: repeat > 1,
    closedAgain,
    pid: undefined,
  };
}

function feed(real: ConnectionTracker, model: ReferenceTracker, lines: readonly Line[]): void {
  for (const l of lines) {
    const got = real.account(l.host, l.pid, matchOf(l), l.address[0], l.address[1]);
    expect(got === null ? null : [got.kind, got.count]).toEqual(
      model.account(l.host, l.pid, matchOf(l), l.address[0], l.address[1]),
    );
  }
}

describe('ConnectionTracker', () => {
  it('counts, forgets and snapshots as the Map-based tracker did, through both limits and a restart', () => {
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 120 }),
        fc.array(line, { maxLength: 40 }),
        // Limits so small that the oldest connection is often forgotten while the ring still names it.
        fc.constantFrom({ open: 3, ended: 2 }, { open: 1, ended: 2 }, { open: 0, ended: 3 }),
        (before, after, limits) => {
          const real = new ConnectionTracker([], limits);
          const model = new ReferenceTracker([], limits.open, limits.ended);
          feed(real, model, before);
          const snapshot = real.snapshot();
          expect(snapshot).toEqual(model.snapshot());
          const again = JSON.parse(JSON.stringify(snapshot)) as ConnectionSnapshot;
          const restored = new ConnectionTracker(again, limits);
          const restoredModel = new ReferenceTracker(again, limits.open, limits.ended);
          feed(restored, restoredModel, after);
          expect(restored.snapshot()).toEqual(restoredModel.snapshot());
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('keeps keys apart past 1,024 hosts (text keys from there on)', () => {
    const real = new ConnectionTracker([], { open: 5000, ended: 8 });
    const model = new ReferenceTracker([], 5000, 8);
    const lines: Line[] = [];
    for (let h = 0; h < 1100; h++)
      for (const role of ['announce', 'attempt'] as const)
        lines.push({
          host: `h${h}`,
          pid: 7,
          role,
          reason: 'invalid-user',
          address: ['10.0.0.1', true],
          port: 22,
          repeat: 1,
          triedAuth: false,
          closedAgain: false,
        });
    lines.push({
      host: 'h3',
      pid: 7,
      role: 'attempt',
      reason: 'failed-password',
      address: ['10.0.0.1', true],
      port: 22,
      repeat: 1,
      triedAuth: false,
      closedAgain: false,
    });
    lines.push({
      host: 'h1050',
      pid: 7,
      role: 'summary',
      reason: 'failed-password',
      address: ['10.0.0.1', true],
      port: 22,
      repeat: 1,
      triedAuth: false,
      closedAgain: false,
    });
    feed(real, model, lines);
    expect(real.snapshot()).toEqual(model.snapshot());
    expect(real.snapshot()).toHaveLength(1100);
  });
});
