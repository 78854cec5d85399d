import { describe, expect, it } from 'vitest';
import { Countries } from '../../src/correlate/countries.js';

describe('the members’ countries (CAMPAIGN lines only)', () => {
  const places: Record<string, string> = { '198.51.0.1': 'NL', '198.51.0.2': 'NL', '203.0.113.9': 'DE' };

  it('counts distinct countries, leaving out addresses the database does not place, each looked up once', () => {
    const asked: string[] = [];
    const countries = new Countries((ip) => {
      asked.push(ip);
      return places[ip];
    });
    expect(countries.enabled).toBe(true);
    const members = ['198.51.0.1', '198.51.0.2', '203.0.113.9', '192.0.2.1', 'host.example.org'];
    expect(countries.among(members)).toBe(2);
    expect(countries.among(members)).toBe(2);
    expect(asked).toEqual(['198.51.0.1', '198.51.0.2', '203.0.113.9', '192.0.2.1']);
  });

  it('counts none without a database', () => {
    const none = new Countries();
    expect(none.enabled).toBe(false);
    expect(none.among(['198.51.0.1'])).toBe(0);
  });
});
