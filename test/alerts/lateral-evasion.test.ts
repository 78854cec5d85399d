import { describe, expect, it } from 'vitest';
import { AlertCore } from '../../src/alerts/alert-core.js';
import type { SocketRow, SocketSample } from '../../src/core/socket.js';
import type { Verdict } from '../../src/core/verdict.js';
import { accepted, C1, tableLookup } from './table-lookup.js';

const T0 = Date.parse('2026-02-15T08:00:00Z');
const S = 1000;
const MIN = 60 * S;
const MEMBER = '203.0.113.7';
const OTHER = '203.0.113.8';

function row(
  localIp: string,
  localPort: number,
  remoteIp: string,
  remotePort: number,
  state: SocketRow['state'] = 'ESTABLISHED',
  inode = 1000 + localPort,
): SocketRow {
  return { family: 4, localIp, localPort, remoteIp, remotePort, state, txQueue: 0, rxQueue: 0, uid: 0, inode };
}

const SSHD = row('0.0.0.0', 22, '0.0.0.0', 0, 'LISTEN', 9000);
const sample = (time: number, ...rows: SocketRow[]): SocketSample => ({ time, rows: [SSHD, ...rows] });
const fields = (v: Verdict) => Object.fromEntries(v.fields);
const lateral = (verdicts: readonly Verdict[]) =>
  verdicts.filter((v) => v.fields[0]?.[1] === 'lateral').map((v) => fields(v));
const lookup = () => tableLookup({ members: { [MEMBER]: C1, [OTHER]: C1 } });

describe('lateral-movement alerts: evasion and poisoning', () => {
  it('does not take a port that listened once, in an earlier sample, as inbound for ever', () => {
    const core = new AlertCore({}, lookup());
    core.onSocketSample(sample(T0));
    core.onAuthEvent(accepted(T0 + 10 * S, MEMBER, 'oracle'));
    // The intruder listens on 40000 for a moment (any user may), then connects out from that very port.
    core.onSocketSample(sample(T0 + 20 * S, row('0.0.0.0', 40000, '0.0.0.0', 0, 'LISTEN', 7000)));
    const smb = row('10.0.0.5', 40000, '10.0.0.40', 445);
    // One sample of grace (a service restarting keeps its clients a moment without a listener), then it is outbound.
    const out = [sample(T0 + 30 * S, smb), sample(T0 + 35 * S, smb)].flatMap((s) => core.onSocketSample(s));
    expect(lateral(out).map((a) => `${a.remote_ip}:${a.remote_port} ${a.reason}`)).toEqual(['10.0.0.40:445 smb']);
  });

  it('still takes the clients of a service whose listener restarts as inbound for one sample', () => {
    // Every new destination alerts (no baseline needed): a client taken for an outbound connection would. With the
    // default baseline_min_sockets, nothing could alert here, whichever way the client was taken.
    const core = new AlertCore({ baseline_min_sockets: 0 }, lookup());
    const listener = row('0.0.0.0', 8080, '0.0.0.0', 0, 'LISTEN', 7000);
    const client = row('10.0.0.5', 8080, '198.51.100.77', 51000, 'ESTABLISHED', 7001);
    core.onSocketSample(sample(T0, listener));
    core.onAuthEvent(accepted(T0 + 10 * S, MEMBER, 'oracle'));
    // Live, the sampler passes no rows of a port listening in the same sample: the client shows only in the gap.
    core.onSocketSample(sample(T0 + 20 * S, listener));
    expect(core.onSocketSample(sample(T0 + 30 * S, client))).toEqual([]);
    expect(core.onSocketSample(sample(T0 + 40 * S, listener))).toEqual([]);
  });

  it('judges connections already sampled when the login line arrives late (live: the log lags the sampler)', () => {
    const core = new AlertCore({}, lookup());
    core.onSocketSample(sample(T0));
    // The login happened at +10 s, but the sampler read /proc/net/tcp at +12 s before the follower read the line.
    const early = core.onSocketSample(sample(T0 + 12 * S, row('10.0.0.5', 41001, '10.0.0.40', 445)));
    expect(early).toEqual([]);
    const atLogin = core.onAuthEvent(accepted(T0 + 10 * S, MEMBER, 'oracle'));
    const later = core.onSocketSample(sample(T0 + 17 * S, row('10.0.0.5', 41001, '10.0.0.40', 445)));
    expect(lateral([...atLogin, ...later])).toMatchObject([
      { reason: 'smb', remote_ip: '10.0.0.40', remote_port: 445, since_login: 2, login_ip: MEMBER },
    ]);
  });

  it('judges a connection that opened and closed before the login line was read, and does not learn it', () => {
    // Found in review: it was learned at once, so neither it nor a later one to the same host:port alerted.
    const core = new AlertCore({ baseline_min_sockets: 0 }, lookup());
    core.onSocketSample(sample(T0));
    core.onSocketSample(sample(T0 + 15 * S, row('10.0.0.5', 41001, '10.0.0.40', 445)));
    core.onSocketSample(sample(T0 + 20 * S));
    const atLogin = core.onAuthEvent(accepted(T0 + 10 * S, MEMBER, 'oracle'));
    expect(lateral(atLogin)).toMatchObject([{ reason: 'smb+new-destination', remote_ip: '10.0.0.40', since_login: 5 }]);
    core.onSocketSample(sample(T0 + 20 * MIN));
    expect(core.status()).toMatchObject({ baseline: { learnedConnections: 0 } });
  });

  it('still learns a connection closed before a login it preceded, and one no login line claims', () => {
    const core = new AlertCore({ baseline_min_sockets: 0 }, lookup());
    core.onSocketSample(sample(T0));
    core.onSocketSample(sample(T0 + 5 * S, row('10.0.0.5', 41001, '10.0.0.40', 443)));
    core.onSocketSample(sample(T0 + 15 * S));
    expect(core.status()).toMatchObject({ baseline: { learnedConnections: 0 } });
    expect(lateral(core.onAuthEvent(accepted(T0 + 10 * S, MEMBER, 'oracle')))).toEqual([]);
    expect(core.status()).toMatchObject({ baseline: { learnedConnections: 1 } });
    const other = new AlertCore({}, lookup());
    other.onSocketSample(sample(T0));
    other.onSocketSample(sample(T0 + 5 * S, row('10.0.0.5', 41001, '10.0.0.40', 443)));
    other.onSocketSample(sample(T0 + 15 * S));
    other.onSocketSample(sample(T0 + 6 * MIN));
    expect(other.status()).toMatchObject({ baseline: { learnedConnections: 1 } });
  });

  it('never learns a connection opened during a watch, even one that outlives the watch', () => {
    const core = new AlertCore({ lateral_window: 30 * MIN }, lookup());
    core.onSocketSample(sample(T0));
    core.onAuthEvent(accepted(T0 + 1 * MIN, MEMBER, 'oracle'));
    const ssh = row('10.0.0.5', 41004, '10.0.0.43', 22);
    const verdicts: Verdict[] = [];
    // Held open for 2 h: past the watch (30 min) and the time it is kept after its end (30 min).
    for (let t = T0 + 2 * MIN; t <= T0 + 120 * MIN; t += MIN) verdicts.push(...core.onSocketSample(sample(t, ssh)));
    core.onSocketSample(sample(T0 + 121 * MIN));
    expect(lateral(verdicts).map((a) => a.reason)).toEqual(['ssh']);
    expect(core.status()).toMatchObject({ baseline: { learnedConnections: 0, destinations: 0 } });
    // So the next intruder's SSH to the same host is still movement.
    core.onAuthEvent(accepted(T0 + 130 * MIN, OTHER, 'oracle'));
    const again = core.onSocketSample(sample(T0 + 131 * MIN, row('10.0.0.5', 41010, '10.0.0.43', 22)));
    expect(lateral(again).map((a) => `${a.login_ip} ${a.reason}`)).toEqual([`${OTHER} ssh`]);
  });

  it('never learns connections of a watch pushed out by a flood of compromise logins', () => {
    const core = new AlertCore({}, tableLookup({ sprayed: { admin: C1 } }));
    core.onSocketSample(sample(T0));
    core.onAuthEvent(accepted(T0 + 1 * S, '198.51.100.1', 'admin'));
    const smb = row('10.0.0.5', 41001, '10.0.0.40', 445);
    core.onSocketSample(sample(T0 + 5 * S, smb));
    // 64 more suspicious logins from other addresses, each opening its own watch: the first is dropped.
    for (let i = 2; i <= 65; i++) core.onAuthEvent(accepted(T0 + 6 * S, `198.51.100.${i}`, 'admin'));
    core.onSocketSample(sample(T0 + 10 * S));
    expect(core.status()).toMatchObject({ baseline: { learnedConnections: 0 } });
  });

  it('names the user and the time of the latest login when the same source logs in again', () => {
    const core = new AlertCore({}, lookup());
    core.onSocketSample(sample(T0));
    core.onAuthEvent(accepted(T0 + 1 * MIN, MEMBER, 'oracle'));
    core.onSocketSample(sample(T0 + 2 * MIN));
    core.onAuthEvent(accepted(T0 + 60 * MIN, MEMBER, 'root'));
    const out = core.onSocketSample(sample(T0 + 62 * MIN, row('10.0.0.5', 41001, '10.0.0.40', 445)));
    expect(lateral(out)).toMatchObject([{ reason: 'smb', user: 'root', since_login: 120 }]);
  });

  it('bounds the alerts (and their memory) of one watch when the intruder scans the network', () => {
    const core = new AlertCore({}, lookup());
    core.onSocketSample(sample(T0));
    core.onAuthEvent(accepted(T0 + 1 * S, MEMBER, 'oracle'));
    const verdicts: Verdict[] = [];
    // A connect scan of 10.1.0.0/16 on 445: 2,000 SYN_SENT sockets in each sample, 10 samples.
    for (let k = 0; k < 10; k++) {
      const rows = Array.from({ length: 2000 }, (_, i) => {
        const n = k * 2000 + i;
        return row('10.0.0.5', 30000 + i, `10.1.${n >> 8}.${n & 255}`, 445, 'SYN_SENT', 50_000 + n);
      });
      verdicts.push(...core.onSocketSample(sample(T0 + (5 + 5 * k) * S, ...rows)));
    }
    const alerts = lateral(verdicts);
    expect(alerts).toHaveLength(256);
    expect(alerts.at(-1)).toMatchObject({ limit: 256 });
    expect(alerts.slice(0, -1).every((a) => a.limit === undefined)).toBe(true);
    expect(core.status()).toMatchObject({ lateralAlerts: 256, lateralSuppressed: 20_000 - 256 });
    const snap = core.snapshot() as { watches: Array<{ alerted: string[] }> };
    expect(snap.watches[0]!.alerted.length).toBeLessThanOrEqual(256);
  });

  it("takes as this host's only addresses root's sockets have, not a user's IP_FREEBIND listener", () => {
    const core = new AlertCore({}, lookup());
    // sshd's session (root's) shows the address the host is reached on: SSH to it is SSH to itself.
    const session = row('10.0.0.5', 22, '198.51.100.50', 51000, 'ESTABLISHED', 8000);
    core.onSocketSample(sample(T0, session));
    core.onAuthEvent(accepted(T0 + 10 * S, MEMBER, 'oracle'));
    // Any user may listen on an address the host does not have (IP_FREEBIND needs no privilege): found in review.
    const freebind = { ...row('10.0.0.99', 40123, '0.0.0.0', 0, 'LISTEN', 9999), uid: 65534 };
    const ssh = { ...row('10.0.0.5', 41001, '10.0.0.99', 22, 'ESTABLISHED', 7001), uid: 1000 };
    const self = { ...row('10.0.0.5', 41002, '10.0.0.5', 22, 'ESTABLISHED', 7002), uid: 1000 };
    const out = core.onSocketSample(sample(T0 + 20 * S, session, freebind, ssh, self));
    expect(lateral(out).map((a) => `${a.remote_ip}:${a.remote_port} ${a.reason}`)).toEqual(['10.0.0.99:22 ssh']);
  });

  it('lists in status only the watches still running', () => {
    const core = new AlertCore({ lateral_window: 30 * MIN }, lookup());
    core.onSocketSample(sample(T0));
    core.onAuthEvent(accepted(T0 + 1 * MIN, MEMBER, 'oracle'));
    core.onSocketSample(sample(T0 + 20 * MIN));
    expect(core.status()).toMatchObject({ watching: [{ ip: MEMBER }] });
    core.onSocketSample(sample(T0 + 40 * MIN));
    expect(core.status()).toMatchObject({ watching: [] });
  });
});
