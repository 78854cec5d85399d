import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuthEvent, AuthEventKind, AuthEventReason } from '../../src/core/auth-event.js';
import { BatchWriter, decodeBatch, encodeBatch } from '../../src/replay/event-batch.js';

// Every kind and reason (the compiler checks the records are complete): each is coded by a switch of its own.
const kindSet: Record<AuthEventKind, true> = {
  failure: true,
  probe: true,
  success: true,
  disconnect: true,
  session: true,
};
const reasonSet: Record<AuthEventReason, true> = {
  'failed-password': true,
  'failed-publickey': true,
  'failed-keyboard-interactive': true,
  'failed-none': true,
  'failed-other': true,
  'invalid-user': true,
  'not-allowed': true,
  'pam-failure': true,
  'pam-query-failure': true,
  'auth-fail-disconnect': true,
  'max-attempts': true,
  'root-refused': true,
  'closed-preauth': true,
  'reset-preauth': true,
  'disconnected-preauth': true,
  'login-timeout': true,
  'no-identification': true,
  'kex-identification': true,
  'banner-exchange': true,
  'unable-to-negotiate': true,
  accepted: true,
  'session-opened': true,
  'session-closed': true,
};
const kinds = Object.keys(kindSet) as AuthEventKind[];
const reasons = Object.keys(reasonSet) as AuthEventReason[];
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

// The parser's event shape, every optional field present (possibly undefined), in the parser's order.
const event: fc.Arbitrary<AuthEvent> = fc
  .record({
    time: fc.integer({ min: 0, max: 4e12 }),
    kind: fc.constantFrom(...kinds),
    reason: fc.constantFrom(...reasons),
    ip: fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain()),
    bannable: fc.boolean(),
    count: fc.nat(1000),
    port: maybe(fc.integer({ min: 0, max: 65535 })),
    user: maybe(fc.string({ unit: 'binary', maxLength: 40 })),
    invalidUser: maybe(fc.boolean()),
    method: maybe(fc.constantFrom('password', 'publickey', 'keyboard-interactive/pam')),
    pid: maybe(fc.nat(4_194_304)),
    host: maybe(fc.domain()),
    // The parser writes true or nothing.
    repeated: fc.constantFrom(true, undefined),
  })
  .map((e) => ({ ...e }));

describe('event batches between the parser thread and the detector', () => {
  it('decode(encode(events)) gives back every event, field for field, in order', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (events) => {
        const back = decodeBatch(structuredClone(encodeBatch(events)));
        expect(back).toStrictEqual(events);
        for (let i = 0; i < events.length; i++) expect(Object.keys(back[i]!)).toEqual(Object.keys(events[i]!));
      }),
      { numRuns: 300 },
    );
  });

  it("a batch written one event at a time in room to spare (a chunk's lines) decodes to its events alone", () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), fc.nat(20), (events, spare) => {
        const writer = new BatchWriter(events.length + spare);
        for (const e of events) writer.add(e);
        expect(writer.length).toBe(events.length);
        expect(decodeBatch(structuredClone(writer.finish()))).toStrictEqual(events);
      }),
      { numRuns: 200 },
    );
    const full = new BatchWriter(0);
    expect(() =>
      full.add({ time: 1, kind: 'probe', reason: 'closed-preauth', ip: '192.0.2.1', bannable: true, count: 1 }),
    ).toThrow(RangeError);
  });

  it('sends a string once for a run of events that repeat it in its column, again when it comes back', () => {
    const e: AuthEvent = {
      time: 1,
      kind: 'failure',
      reason: 'failed-password',
      ip: '203.0.113.9',
      bannable: true,
      count: 1,
      port: 22,
      user: 'admin',
      invalidUser: true,
      method: 'password',
      pid: 7,
      host: undefined,
    };
    const batch = encodeBatch([
      e,
      { ...e, time: 2 },
      { ...e, ip: '203.0.113.10', user: '203.0.113.9' },
      { ...e, time: 4 },
    ]);
    // Looking a string up among all the batch's cost the parser's thread more than sending it again saves.
    expect(batch.strings).toEqual([
      '203.0.113.9',
      'admin',
      'password',
      '203.0.113.10',
      '203.0.113.9',
      '203.0.113.9',
      'admin',
    ]);
    expect(decodeBatch(batch).map((x) => [x.ip, x.user])).toEqual([
      ['203.0.113.9', 'admin'],
      ['203.0.113.9', 'admin'],
      ['203.0.113.10', '203.0.113.9'],
      ['203.0.113.9', 'admin'],
    ]);
  });
});
