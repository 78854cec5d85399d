import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../src/core/auth-event.js';
import { AsnBlocks } from '../../src/correlate/asn-blocks.js';
import { CampaignDetector } from '../../src/correlate/campaign-detector.js';
import { blockText } from '../../src/correlate/ip-prefix.js';
import { LocalitySignal } from '../../src/correlate/signals/locality.js';
import type { SignalEnv } from '../../src/correlate/signals/signal.js';
import { openAsnDatabase } from '../../src/geo/network-databases.js';
import { writeAsnDatabase } from '../helpers/mmdb.js';
import { failure, MIN, S, source, success, T0, THRESHOLDS } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'f2b-asn-locality-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One provider, AS64500, holding ten /16s; AS64501 next to it. Written by MaxMind's writer. */
const database = openAsnDatabase(
  writeAsnDatabase(join(dir, 'asn.mmdb'), [
    ...Array.from({ length: 10 }, (_, i): [string, number] => [`185.${100 + i}.0.0/16`, 64500]),
    ['185.110.0.0/16', 64501],
  ]),
);

/** Eight addresses, each in a /16 of its own, all of AS64500. */
const FLEET = Array.from({ length: 8 }, (_, i) => `185.${100 + i}.${7 + i}.${20 + i}`);

/** The fleet taking turns 50 s apart: each address tries twice in 13 minutes, the AS as a whole 16 times. */
function turns(ips: readonly string[], start = T0): AuthEvent[] {
  return Array.from({ length: 16 }, (_, i) => failure(ips[i % ips.length]!, start + i * 50 * S, `user${i}`));
}

describe('locality with an ASN database', () => {
  it('ties addresses of several /16s of one autonomous system taking turns, and not without the database', () => {
    const env = (asnBlocks?: AsnBlocks): SignalEnv => ({
      thresholds: THRESHOLDS,
      source: () => undefined,
      prefixHasSuccess: () => false,
      ...(asnBlocks ? { asnBlocks } : {}),
    });
    const withDb = new LocalitySignal({}, env(new AsnBlocks(database.lookup)));
    const without = new LocalitySignal({}, env());
    const sources = FLEET.map((ip) => source(ip));
    const released: string[] = [];
    for (const [i, e] of turns(FLEET).entries()) {
      const s = sources[i % sources.length]!;
      s.last = e.time;
      s.attempts++;
      released.push(...withDb.observe(s, e.time, 1));
      expect(without.observe(s, e.time, 1)).toEqual([]);
    }
    const now = T0 + 15 * 50 * S;
    expect(sources.every((s) => s.attempts < THRESHOLDS.maxretry)).toBe(true);
    expect(sources.map((s) => withDb.test(s, now))).toEqual(FLEET.map(() => 'AS64500'));
    expect(sources.map((s) => without.test(s, now))).toEqual(FLEET.map(() => null));
    // The AS became a block worth judging at one attempt: its sources are handed back for judging then.
    expect(new Set(released)).toEqual(new Set(FLEET));
  });

  it('does not tie addresses of two autonomous systems, nor addresses the database does not hold', () => {
    const split = [...FLEET.slice(0, 4), '185.110.1.1', '185.110.2.2', '185.110.3.3', '185.110.4.4'];
    const detector = new CampaignDetector({}, THRESHOLDS, undefined, undefined, { asn: database.lookup });
    for (const e of turns(split)) detector.onAuthEvent(e);
    const outside = Array.from({ length: 8 }, (_, i) => `93.${10 + i}.1.${i + 1}`);
    for (const e of turns(outside)) detector.onAuthEvent(e);
    const now = T0 + 15 * 50 * S;
    for (const ip of [...split, ...outside]) {
      expect(detector.signals.locality.test(detector.sources.get(ip)!, now)).toBeNull();
    }
  });

  it('spares an autonomous system someone logged in from successfully within success_memory', () => {
    const judged = (login: boolean) => {
      const detector = new CampaignDetector({}, THRESHOLDS, undefined, undefined, { asn: database.lookup });
      // A user of the provider, in a /16 none of the failing addresses is in.
      if (login) detector.onAuthEvent(success('185.109.40.2', T0 - 30 * MIN));
      for (const e of turns(FLEET)) detector.onAuthEvent(e);
      const s = detector.sources.get(FLEET[0]!)!;
      return detector.signals.locality.test(s, T0 + 15 * 50 * S);
    };
    expect(judged(false)).toBe('AS64500');
    expect(judged(true)).toBeNull();
    expect(
      new CampaignDetector({}, THRESHOLDS, undefined, undefined, { asn: database.lookup }).successes.blockHasSuccess(
        'AS64500',
        T0,
      ),
    ).toBe(false);
  });

  it("keeps an AS block through a snapshot: the success history's and the signal's", () => {
    const detector = new CampaignDetector({}, THRESHOLDS, undefined, undefined, { asn: database.lookup });
    detector.onAuthEvent(success('185.109.40.2', T0 - 30 * MIN));
    const snapshot = JSON.parse(JSON.stringify(detector.snapshot()));
    expect(snapshot.successes.blocks.map(([text]: [string]) => text)).toContain('AS64500');
    const resumed = new CampaignDetector({}, THRESHOLDS, snapshot, undefined, { asn: database.lookup });
    expect(resumed.successes.blockHasSuccess('AS64500', T0)).toBe(true);
    expect(blockText('AS64500')).toBe('AS64500');
  });

  it('looks an address up once, however many attempts it makes', () => {
    let asked = 0;
    const blocks = new AsnBlocks((ip) => {
      asked++;
      return database.lookup(ip);
    });
    for (let i = 0; i < 5; i++) for (const ip of FLEET) blocks.of(ip);
    expect(asked).toBe(FLEET.length);
    expect(blocks.of('185.100.7.20')).toBe('AS64500');
    expect(blocks.of('10.0.0.1')).toBe('');
  });
});
