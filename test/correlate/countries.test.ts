import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/core/verdict.js';
import { CampaignDetector } from '../../src/correlate/campaign-detector.js';
import { Countries } from '../../src/correlate/countries.js';
import type { DetectorSnapshot } from '../../src/correlate/detector-snapshot.js';
import { verdictField as field, HOUR, rhythmCampaign, spread, THRESHOLDS } from './helpers.js';

/**
 * 30 members of distinct /16s (first octets 100 to 129): the first twenty two to a country, in ten countries, the
 * last ten all in DE. max_members 10 remembers ten of them, the last banned.
 */
const MEMBERS = spread(30);
const place = (ip: string): string | undefined => {
  const octet = Number(ip.split('.')[0]);
  return octet >= 120 ? 'DE' : `C${String.fromCharCode(65 + ((octet - 100) >> 1))}`;
};
const SETTINGS = { max_members: 10 };

const countriesOf = (verdicts: readonly Verdict[]) =>
  verdicts.filter((v) => v.verb === 'CAMPAIGN').map((v) => [field(v, 'event'), field(v, 'countries')]);

function campaignOfThirty(): { detector: CampaignDetector; verdicts: Verdict[] } {
  const detector = new CampaignDetector(SETTINGS, THRESHOLDS, undefined, undefined, { country: place });
  const verdicts = rhythmCampaign(MEMBERS).flatMap((e) => [...detector.onAuthEvent(e)]);
  return { detector, verdicts };
}

/** The detector resumed from `detector`'s snapshot through JSON, as the state file keeps it, `edit`ed first. */
function resumed(detector: CampaignDetector, edit: (snapshot: DetectorSnapshot) => void = () => {}): CampaignDetector {
  const snapshot = JSON.parse(JSON.stringify(detector.snapshot())) as DetectorSnapshot;
  edit(snapshot);
  return new CampaignDetector(SETTINGS, THRESHOLDS, snapshot, undefined, { country: place });
}

const endOf = (detector: CampaignDetector) => countriesOf(detector.advance(detector.clock + 4 * HOUR));

describe('the members’ countries (CAMPAIGN lines only)', () => {
  it('counts the countries of every member that joined, beyond the max_members the campaign remembers', () => {
    const { detector, verdicts } = campaignOfThirty();
    const banned = verdicts.filter((v) => v.verb === 'BAN').map((v) => String(field(v, 'ip')));
    expect(banned.length).toBeGreaterThanOrEqual(28);
    const [campaign] = detector.book.live;
    expect(campaign!.memberCount).toBe(banned.length);
    // The campaign remembers ten members, the last banned: in two countries at most (the last ten are all in DE).
    const remembered = campaign!.members.entries().map(([ip]) => place(ip));
    expect(remembered).toHaveLength(10);
    expect(new Set(remembered).size).toBeLessThanOrEqual(2);
    expect(new Set(banned.map(place)).size).toBe(11);
    expect(endOf(detector)).toEqual([['end', 11]]);
  });

  it('keeps them through a snapshot, and counts the remembered members of an older snapshot without them', () => {
    const { detector } = campaignOfThirty();
    expect(endOf(resumed(detector))).toEqual([['end', 11]]);
    const older = resumed(detector, (snapshot) => {
      for (const c of snapshot.book.live) delete c.countries;
    });
    const remembered = new Set(older.book.live[0]!.members.entries().map(([ip]) => place(ip)));
    expect(endOf(older)).toEqual([['end', remembered.size]]);
  });

  it('says nothing of countries without a database, nor keeps any', () => {
    const detector = new CampaignDetector(SETTINGS, THRESHOLDS);
    const verdicts = rhythmCampaign(MEMBERS).flatMap((e) => [...detector.onAuthEvent(e)]);
    expect(countriesOf(verdicts).every(([, countries]) => countries === undefined)).toBe(true);
    expect(detector.book.live[0]!.countries.size).toBe(0);
  });

  it('looks each address up once, and leaves out what the database does not place', () => {
    const asked: string[] = [];
    const countries = new Countries((ip) => {
      asked.push(ip);
      return ip === '203.0.113.9' ? 'DE' : ip.startsWith('198.51.') ? 'NL' : undefined;
    });
    const seen = new Set<string>();
    for (const ip of ['198.51.0.1', '198.51.0.2', '203.0.113.9', '192.0.2.1', 'host.example.org', '198.51.0.1']) {
      countries.note(seen, ip);
    }
    expect([...seen]).toEqual(['NL', 'DE']);
    expect(asked).toEqual(['198.51.0.1', '198.51.0.2', '203.0.113.9', '192.0.2.1']);
    expect(new Countries().enabled).toBe(false);
  });
});
