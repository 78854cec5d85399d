import { describe, expect, it } from 'vitest';
import { AlertCore } from '../../src/alerts/alert-core.js';
import type { SocketRow, SocketSample } from '../../src/core/socket.js';
import type { Verdict } from '../../src/core/verdict.js';
import { socketRow } from '../helpers/socket-row.js';
import { accepted, C1, tableLookup } from './table-lookup.js';

/**
 * What the outbound baseline learns, seen through the alerts it makes or spares (mutation audit, session 31: a
 * mistake in either left every other test passing).
 */
const T0 = Date.parse('2026-02-15T08:00:00Z');
const S = 1000;
const MIN = 60 * S;
const MEMBER = '203.0.113.7';
let inode = 20_000;

function row(localPort: number, remoteIp: string, remotePort: number): SocketRow {
  return socketRow({ localIp: '10.0.0.5', localPort, remoteIp, remotePort, inode: inode++ });
}

const SSHD: SocketRow = { ...row(22, '0.0.0.0', 0), localIp: '0.0.0.0', state: 'LISTEN' };
const sample = (time: number, ...rows: SocketRow[]): SocketSample => ({ time, rows: [SSHD, ...rows] });
const lateral = (verdicts: readonly Verdict[]) =>
  verdicts.map((v) => Object.fromEntries(v.fields)).filter((f) => f.kind === 'lateral');

/** Samples one connection every second from `from` for `seconds`, then once more without it; returns the last time. */
function connect(core: AlertCore, from: number, seconds: number, socket: SocketRow, out: Verdict[] = []): number {
  for (let t = 0; t <= seconds; t++) out.push(...core.onSocketSample(sample(from + t * S, socket)));
  out.push(...core.onSocketSample(sample(from + (seconds + 1) * S)));
  return from + (seconds + 1) * S;
}

describe('the outbound baseline', () => {
  it('keeps the destination the host used again when it forgets one beyond baseline_max_destinations', () => {
    const core = new AlertCore(
      { baseline_max_destinations: 2, baseline_min_sockets: 0 },
      tableLookup({ members: { [MEMBER]: C1 } }),
    );
    core.onSocketSample(sample(T0));
    // A, B, A again, then C: B is the least recently used, A is not.
    let t = T0 + S;
    for (const [i, ip] of ['10.9.0.1', '10.9.0.2', '10.9.0.1', '10.9.0.3'].entries()) {
      t = connect(core, t, 1, row(30000 + i, ip, 443));
      // Each is learned LATE_LINE (5 min) after it closed.
      t += 6 * MIN;
      core.onSocketSample(sample(t));
    }
    expect(core.status()).toMatchObject({ baseline: { learnedConnections: 4, destinations: 2 } });
    t += S;
    core.onAuthEvent(accepted(t, MEMBER, 'oracle'));
    const out = core.onSocketSample(
      sample(t + 5 * S, row(40001, '10.9.0.1', 443), row(40002, '10.9.0.2', 443), row(40003, '10.9.0.3', 443)),
    );
    expect(lateral(out).map((a) => `${a.remote_ip} ${a.reason}`)).toEqual(['10.9.0.2 new-destination']);
  });

  it("takes 10 s sessions' p95 as 16 s (their log2 bucket's top): a session alerts past 160 s, not 8 times as long", () => {
    const core = new AlertCore({ baseline_min_sockets: 3 }, tableLookup({ members: { [MEMBER]: C1 } }));
    core.onSocketSample(sample(T0));
    let t = T0 + S;
    for (let i = 0; i < 3; i++) t = connect(core, t, 10, row(50000 + i, '10.0.0.20', 5432)) + S;
    core.onAuthEvent(accepted(t, MEMBER, 'oracle'));
    expect(core.status()).toMatchObject({ baseline: { learnedConnections: 3 } });
    // The intruder's session to the usual database host: known, so only its length can alert.
    const out: Verdict[] = [];
    const session = row(41005, '10.0.0.20', 5432);
    for (let s = 5; s <= 200; s += 5) out.push(...core.onSocketSample(sample(t + s * S, session)));
    expect(lateral(out)).toMatchObject([{ reason: 'long-session', baseline_p95: 16, lifetime: 165 }]);
  });
});
