import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../src/core/auth-event.js';
import type { Verdict } from '../../src/core/verdict.js';
import { createCore } from '../../src/correlate/create-core.js';
import { openAsnDatabase } from '../../src/geo/network-databases.js';
import { failure, verdictField as field, MIN, success, T0, THRESHOLDS } from '../correlate/helpers.js';
import { writeAsnDatabase } from '../helpers/mmdb.js';

const dir = mkdtempSync(join(tmpdir(), 'f2b-asn-login-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One provider, AS64500, over 185.96.0.0/11, written by MaxMind's writer. */
const database = openAsnDatabase(writeAsnDatabase(join(dir, 'asn.mmdb'), [['185.96.0.0/11', 64500]]));

/** 24 addresses of AS64500, each in a /16 of its own: the campaign's only block is the AS. */
const FLEET = Array.from({ length: 24 }, (_, i) => `185.${100 + i}.${(i * 7) % 250}.${20 + i}`);

/** A name of its own for each try (no dictionary): the fingerprint is the tempo and the AS. */
const scrambled = (n: number) => `x${(Math.imul(n + 1, 2654435761) >>> 0).toString(36)}`;

/** `ip` trying three times 300 s apart from `start`: the fleet's tempo. */
const onTempo = (ip: string, start: number, n: number): AuthEvent[] =>
  [0, 1, 2].map((k) => failure(ip, start + k * 300_000, scrambled(n * 3 + k)));

/**
 * The fleet from T0, 45 s apart (a campaign on rhythm+locality, block AS64500, by T0 + 13 min), and `early` on the
 * same tempo 40 minutes before. The windows are shortened to 10 minutes so that `early` neither counts in the AS's
 * block nor is judged again when the campaign opens: it is never banned, and first judged against the campaign
 * when it logs in, at T0 + 25 min (its tempo still counts then: rhythm_window is an hour).
 */
function loginAfterCampaign(early: string): readonly Verdict[] {
  const core = createCore(
    { campaign_window: 10 * MIN, locality_window: 10 * MIN },
    THRESHOLDS,
    undefined,
    {},
    undefined,
    { asn: database.lookup },
  );
  const events = [...onTempo(early, T0 - 40 * MIN, 100), ...FLEET.flatMap((ip, i) => onTempo(ip, T0 + i * 45_000, i))];
  const before = events.sort((a, b) => a.time - b.time).flatMap((e) => core.onAuthEvent(e));
  expect(before.filter((v) => v.verb === 'CAMPAIGN').map((v) => field(v, 'block'))).toEqual([
    'AS64500',
    'AS64500',
    'AS64500',
  ]);
  expect(before.some((v) => field(v, 'ip') === early)).toBe(false);
  return core.onAuthEvent(success(early, T0 + 25 * MIN, 'alice'));
}

// The campaign's AS counts for a login's match as its /24 and /16 do (detector-lookup loginMatch): without it, the
// login kept only the tempo of rhythm+locality, one signal, and matched nothing, while the same source failing
// would have been banned on both.
describe("a login from a campaign's autonomous system (asn_database)", () => {
  it('is a compromise alert on the fingerprint, its AS block counting as its locality', () => {
    const [alert, ...rest] = loginAfterCampaign('185.125.3.4');
    expect(rest).toEqual([]);
    expect(alert?.verb).toBe('ALERT');
    expect(Object.fromEntries(alert!.fields)).toMatchObject({
      kind: 'compromise',
      ip: '185.125.3.4',
      reason: 'fingerprint',
      signals: 'rhythm+locality',
    });
  });

  it('is not an alert from outside the AS on the same tempo: the tempo alone is one signal', () => {
    expect(loginAfterCampaign('93.10.3.4')).toEqual([]);
  });
});
