import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AddressSlots } from '../../src/correlate/address-slots.js';

// Addresses that crowd a hash table's probe runs: a /24 walked in order, one host number in many networks, and the
// ends of the number range; with IPv6 and host names, which take the Map beside the table.
const address: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map((host) => `203.0.113.${host}`),
  fc.integer({ min: 0, max: 255 }).map((net) => `${net}.${net}.7.9`),
  fc.constantFrom('0.0.0.0', '255.255.255.255', '0.0.0.1', '255.255.255.254', '10.0.0.0'),
  fc.integer({ min: 0, max: 40 }).map((n) => `2001:db8::${n.toString(16)}`),
  fc.constantFrom('gw.example.net', 'host-1.example.org'),
);
type Op = { set: string; slot: number } | { remove: string };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ set: address, slot: fc.nat(100_000) }) },
  { weight: 2, arbitrary: fc.record({ remove: address }) },
);

describe('AddressSlots', () => {
  it('answers as a Map would, under any sequence of additions, changes and deletions, through its growth', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 200, maxLength: 3000 }), (ops) => {
        const slots = new AddressSlots(4);
        const model = new Map<string, number>();
        for (const o of ops) {
          if ('set' in o) {
            slots.set(o.set, o.slot);
            model.set(o.set, o.slot);
          } else {
            slots.delete(o.remove);
            model.delete(o.remove);
          }
          expect(slots.size).toBe(model.size);
        }
        for (const o of ops) {
          const ip = 'set' in o ? o.set : o.remove;
          expect(slots.get(ip)).toBe(model.get(ip));
        }
        return true;
      }),
      { numRuns: 100 },
    );
  });

  it('finds none of the addresses it was not given, nor one it forgot', () => {
    const slots = new AddressSlots(2);
    for (let host = 0; host < 256; host++) slots.set(`198.51.100.${host}`, host);
    for (let host = 0; host < 256; host += 2) slots.delete(`198.51.100.${host}`);
    for (let host = 0; host < 256; host++) {
      expect(slots.get(`198.51.100.${host}`)).toBe(host % 2 === 0 ? undefined : host);
      expect(slots.get(`198.51.101.${host}`)).toBeUndefined();
    }
    expect(slots.size).toBe(128);
  });
});
