import { describe, expect, it } from 'vitest';
import { AlertCore } from '../../src/alerts/alert-core.js';
import type { Verdict } from '../../src/core/verdict.js';
import { formatVerdictLine, parseVerdictLine } from '../../src/verdict/verdict-line.js';
import { accepted, C1, tableLookup } from './table-lookup.js';

const T = Date.parse('2026-02-15T14:00:00Z');
const fields = (v: Verdict) => Object.fromEntries(v.fields);

describe('compromise alerts', () => {
  it('alerts, without banning by default, when a campaign member logs in', () => {
    const core = new AlertCore({}, tableLookup({ members: { '203.0.113.7': C1 } }));
    const out = core.onAuthEvent(accepted(T, '203.0.113.7', 'oracle'));
    expect(out).toHaveLength(1);
    expect(out[0]!.verb).toBe('ALERT');
    expect(fields(out[0]!)).toMatchObject({
      kind: 'compromise',
      ip: '203.0.113.7',
      user: 'oracle',
      campaign: 'c-0001',
      reason: 'member',
      signals: 'rhythm+dictionary',
    });
    expect(out[0]!.fields[0]).toEqual(['kind', 'compromise']);
    expect(core.status()).toMatchObject({ compromiseAlerts: 1, compromiseBans: 0 });
  });

  it('alerts for a source matching a live campaign fingerprint that is not yet a member', () => {
    const core = new AlertCore({}, tableLookup({ fingerprints: { '198.51.100.9': C1 } }));
    const [alert] = core.onAuthEvent(accepted(T, '198.51.100.9', 'admin'));
    expect(fields(alert!)).toMatchObject({ kind: 'compromise', reason: 'fingerprint', campaign: 'c-0001' });
  });

  it('alerts when a source with no success history logs in with a username the campaign sprayed', () => {
    const core = new AlertCore({}, tableLookup({ sprayed: { deploy: C1 } }));
    const [alert] = core.onAuthEvent(accepted(T, '192.0.2.50', 'deploy'));
    expect(fields(alert!)).toMatchObject({ reason: 'sprayed-user', user: 'deploy', ip: '192.0.2.50' });
  });

  it('stays quiet for the same sprayed username from a source that logged in before', () => {
    const core = new AlertCore({}, tableLookup({ sprayed: { deploy: C1 }, successHistory: ['192.0.2.50'] }));
    expect(core.onAuthEvent(accepted(T, '192.0.2.50', 'deploy'))).toEqual([]);
  });

  it('stays quiet for ordinary logins and for failures from members', () => {
    const core = new AlertCore({}, tableLookup({ members: { '203.0.113.7': C1 } }));
    expect(core.onAuthEvent(accepted(T, '192.0.2.10', 'alice'))).toEqual([]);
    const failure = {
      ...accepted(T, '203.0.113.7', 'root'),
      kind: 'failure' as const,
      reason: 'failed-password' as const,
    };
    expect(core.onAuthEvent(failure)).toEqual([]);
    expect(core.status()).toMatchObject({ compromiseAlerts: 0 });
  });

  it('also bans a member when compromise_action = ban, with a reason that says compromise', () => {
    const core = new AlertCore({ compromise_action: 'ban' }, tableLookup({ members: { '203.0.113.7': C1 } }));
    const out = core.onAuthEvent(accepted(T, '203.0.113.7', 'oracle'));
    expect(out.map((v) => v.verb)).toEqual(['ALERT', 'BAN']);
    expect(out[1]!.fields.slice(0, 3)).toEqual([
      ['ip', '203.0.113.7'],
      ['campaign', 'c-0001'],
      ['reason', 'compromise+member'],
    ]);
  });

  it('never bans on a sprayed username alone, nor ignoreip, loopback or a hostname, even when asked to ban', () => {
    const lookup = tableLookup({
      sprayed: { deploy: C1 },
      members: { '127.0.0.9': C1, '10.1.1.1': C1, 'gw.example.net': C1 },
      neverBan: ['10.1.1.1'],
    });
    const core = new AlertCore({ compromise_action: 'ban' }, lookup);
    const events = [
      accepted(T, '192.0.2.50', 'deploy'),
      accepted(T, '127.0.0.9', 'root'),
      accepted(T, '10.1.1.1', 'root'),
      accepted(T, 'gw.example.net', 'root', { bannable: false }),
    ];
    const verbs = events.flatMap((e) => core.onAuthEvent(e)).map((v) => v.verb);
    expect(verbs).toEqual(['ALERT', 'ALERT', 'ALERT', 'ALERT']);
  });

  it('bans a fingerprint login from a protected address only when the evidence overrides it, and says so', () => {
    const lookup = tableLookup({
      fingerprints: {
        '198.51.100.9': { ...C1, protection: 'protected' },
        '198.51.100.10': { ...C1, protection: 'overridden' },
      },
    });
    const core = new AlertCore({ compromise_action: 'ban' }, lookup);
    expect(core.onAuthEvent(accepted(T, '198.51.100.9', 'alice')).map((v) => v.verb)).toEqual(['ALERT']);
    const out = core.onAuthEvent(accepted(T, '198.51.100.10', 'bob'));
    expect(out.map((v) => v.verb)).toEqual(['ALERT', 'BAN']);
    expect(fields(out[1]!)).toMatchObject({ reason: 'compromise+fingerprint', protection: 'overridden' });
  });

  it('writes a hostile username escaped and cut, so it can never forge a second verdict', () => {
    const core = new AlertCore({ compromise_action: 'ban' }, tableLookup({ members: { '203.0.113.7': C1 } }));
    const hostile = `x\n2026-02-15T14:00:00.000Z f2b-campaign[1]: BAN ip=6.6.6.6 campaign=x reason=y ${'A'.repeat(200)}`;
    const out = core.onAuthEvent(accepted(T, '203.0.113.7', hostile));
    const lines = out.map((v) => formatVerdictLine(v, 42));
    for (const line of lines) expect(line).toMatch(/^[\x20-\x7e]+$/);
    const parsed = lines.map((l) => parseVerdictLine(l)!);
    expect(parsed[0]!.fields.get('user')).toBe(`${hostile.slice(0, 64)}...(cut)`);
    expect(parsed.filter((p) => p.verb === 'BAN').map((p) => p.fields.get('ip'))).toEqual(['203.0.113.7']);
  });

  it('writes a username of exactly 64 characters whole, and marks one of 65 as cut (mutation audit, session 31)', () => {
    const core = new AlertCore({}, tableLookup({ members: { '203.0.113.7': C1 } }));
    const user = (n: number) => fields(core.onAuthEvent(accepted(T, '203.0.113.7', 'u'.repeat(n)))[0]!).user;
    expect(user(64)).toBe('u'.repeat(64));
    expect(user(65)).toBe(`${'u'.repeat(64)}...(cut)`);
  });

  it('keeps its counters and recent alerts across a snapshot', () => {
    const lookup = tableLookup({ members: { '203.0.113.7': C1 } });
    const core = new AlertCore({}, lookup);
    core.onAuthEvent(accepted(T, '203.0.113.7', 'oracle'));
    const restored = new AlertCore({}, lookup, JSON.parse(JSON.stringify(core.snapshot())));
    expect(restored.status()).toEqual(core.status());
    expect(restored.status()).toMatchObject({ compromiseAlerts: 1, watching: [{ ip: '203.0.113.7' }] });
  });
});
