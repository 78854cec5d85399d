import { describe, expect, it } from 'vitest';
import { AlertCore } from '../../src/alerts/alert-core.js';
import type { SocketRow, SocketSample } from '../../src/core/socket.js';
import type { Verdict } from '../../src/core/verdict.js';
import { socketRow } from '../helpers/socket-row.js';
import { accepted, C1, tableLookup } from './table-lookup.js';

/**
 * The edges of a watch and of its alerts, each found by the mutation audit of session 31 (a mistake there left every
 * other test passing): when a watch begins and ends, one alert per destination and reason.
 */
const T0 = Date.parse('2026-02-15T08:00:00Z');
const S = 1000;
const MIN = 60 * S;
const MEMBER = '203.0.113.7';

function row(localPort: number, remoteIp: string, remotePort: number, inode = 1000 + localPort): SocketRow {
  return socketRow({ localIp: '10.0.0.5', localPort, remoteIp, remotePort, inode });
}

const SSHD: SocketRow = { ...row(22, '0.0.0.0', 0, 9000), localIp: '0.0.0.0', state: 'LISTEN' };
const sample = (time: number, ...rows: SocketRow[]): SocketSample => ({ time, rows: [SSHD, ...rows] });
const lateral = (verdicts: readonly Verdict[]) =>
  verdicts
    .map((v) => Object.fromEntries(v.fields))
    .filter((f) => f.kind === 'lateral')
    .map((f) => `${f.remote_ip}:${f.remote_port} ${f.reason}`);

describe('when a watch begins and ends', () => {
  it('does not alert on a connection a sample showed at the login time itself: it was there before the intruder', () => {
    const core = new AlertCore({}, tableLookup({ members: { [MEMBER]: C1 } }));
    core.onSocketSample(sample(T0));
    const login = T0 + 10 * S;
    const out = [...core.onAuthEvent(accepted(login, MEMBER, 'oracle'))];
    const smb = row(41001, '10.0.0.40', 445);
    for (const t of [login, login + 5 * S]) out.push(...core.onSocketSample(sample(t, smb)));
    expect(lateral(out)).toEqual([]);
    // The control: the same connection first seen a sample later is the intruder's.
    const later = new AlertCore({}, tableLookup({ members: { [MEMBER]: C1 } }));
    later.onSocketSample(sample(T0));
    later.onAuthEvent(accepted(login, MEMBER, 'oracle'));
    later.onSocketSample(sample(login));
    expect(lateral(later.onSocketSample(sample(login + 5 * S, smb)))).toEqual(['10.0.0.40:445 smb']);
  });

  it('alerts on a connection first seen lateral_window after the login, and not on one a sample later', () => {
    const core = new AlertCore({ lateral_window: 30 * MIN }, tableLookup({ members: { [MEMBER]: C1 } }));
    core.onSocketSample(sample(T0));
    const login = T0 + 10 * S;
    core.onAuthEvent(accepted(login, MEMBER, 'oracle'));
    const atEnd = core.onSocketSample(sample(login + 30 * MIN, row(41001, '10.0.0.40', 445)));
    const after = core.onSocketSample(
      sample(login + 30 * MIN + 5 * S, row(41001, '10.0.0.40', 445), row(41002, '10.0.0.41', 445)),
    );
    expect(lateral([...atEnd, ...after])).toEqual(['10.0.0.40:445 smb']);
  });
});

describe('connections the login line finds already sampled', () => {
  it('judges a connection that closed two minutes before the login line was read (live: the log lags)', () => {
    const core = new AlertCore({}, tableLookup({ members: { [MEMBER]: C1 } }));
    core.onSocketSample(sample(T0));
    core.onSocketSample(sample(T0 + 15 * S, row(41001, '10.0.0.40', 445)));
    core.onSocketSample(sample(T0 + 20 * S));
    core.onSocketSample(sample(T0 + 2 * MIN));
    const atLogin = core.onAuthEvent(accepted(T0 + 10 * S, MEMBER, 'oracle'));
    expect(lateral(atLogin)).toEqual(['10.0.0.40:445 smb']);
    core.onSocketSample(sample(T0 + 20 * MIN));
    expect(core.status()).toMatchObject({ baseline: { learnedConnections: 0 } });
  });

  it("does not take the connections of the service's first sample, taken after a login it read, as the intruder's", () => {
    // A replay whose auth log begins before the socket trace: what the first sample shows was open before we looked.
    const core = new AlertCore({}, tableLookup({ members: { [MEMBER]: C1 } }));
    core.onAuthEvent(accepted(T0, MEMBER, 'oracle'));
    const open = row(41001, '10.0.0.40', 445);
    const out = [...core.onSocketSample(sample(T0 + 30 * S, open))];
    out.push(...core.onSocketSample(sample(T0 + 35 * S, open, row(41002, '10.0.0.41', 445))));
    expect(lateral(out)).toEqual(['10.0.0.41:445 smb']);
  });

  it('counts since_login from the latest login of the same source and user, which extended the watch', () => {
    const core = new AlertCore({}, tableLookup({ members: { [MEMBER]: C1 } }));
    core.onSocketSample(sample(T0));
    core.onAuthEvent(accepted(T0 + 1 * MIN, MEMBER, 'oracle'));
    core.onSocketSample(sample(T0 + 2 * MIN));
    core.onAuthEvent(accepted(T0 + 60 * MIN, MEMBER, 'oracle'));
    const out = core.onSocketSample(sample(T0 + 62 * MIN, row(41001, '10.0.0.40', 445)));
    expect(out.map((v) => Object.fromEntries(v.fields))).toMatchObject([
      { reason: 'smb', user: 'oracle', since_login: 120 },
    ]);
  });
});

describe('one alert per destination and reason', () => {
  it('still alerts a long session to a destination already alerted as new, on a port with three sessions learned', () => {
    // Three 2 s queries to the usual database, learned before the login: the port's p95 is 2 s, the threshold 60 s.
    const core = new AlertCore({ baseline_min_sockets: 3 }, tableLookup({ members: { [MEMBER]: C1 } }));
    core.onSocketSample(sample(T0));
    for (let i = 0; i < 3; i++) {
      const query = row(50000 + i, '10.0.0.20', 5432);
      core.onSocketSample(sample(T0 + (10 * i + 1) * S, query));
      core.onSocketSample(sample(T0 + (10 * i + 3) * S, query));
      core.onSocketSample(sample(T0 + (10 * i + 5) * S));
    }
    const login = T0 + 1 * MIN;
    core.onAuthEvent(accepted(login, MEMBER, 'oracle'));
    expect(core.status()).toMatchObject({ baseline: { learnedConnections: 3 } });
    // The intruder opens a session to another database host and keeps it.
    const session = row(41005, '10.0.0.60', 5432);
    const out: Verdict[] = [];
    for (let t = login + 5 * S; t <= login + 80 * S; t += 5 * S) out.push(...core.onSocketSample(sample(t, session)));
    expect(lateral(out)).toEqual(['10.0.0.60:5432 new-destination', '10.0.0.60:5432 long-session']);
  });
});
