import { describe, expect, it } from 'vitest';
import { AlertCore } from '../../src/alerts/alert-core.js';
import type { SocketRow, SocketSample } from '../../src/core/socket.js';
import type { Verdict } from '../../src/core/verdict.js';
import { accepted, C1, tableLookup } from './table-lookup.js';

const T0 = Date.parse('2026-02-15T08:00:00Z');
const S = 1000;
const MEMBER = '203.0.113.7';
let inode = 5000;

/** A row as /proc/net/tcp shows it; `uid` is the socket's owner (0: root's, or no process's). */
function row(local: string, remote: string, uid: number, state: SocketRow['state'] = 'ESTABLISHED'): SocketRow {
  const [localIp, localPort] = local.split(/:(?=\d+$)/);
  const [remoteIp, remotePort] = remote.split(/:(?=\d+$)/);
  const family = localIp!.includes(':') ? 6 : 4;
  const v6 = family === 6 || remote.startsWith('::');
  return {
    family: v6 ? 6 : family,
    localIp: localIp!,
    localPort: Number(localPort),
    remoteIp: remoteIp!,
    remotePort: Number(remotePort),
    state,
    txQueue: 0,
    rxQueue: 0,
    uid,
    inode: inode++,
  };
}
const listener = (local: string, uid: number) => row(local, local.includes('::') ? ':::0' : '0.0.0.0:0', uid, 'LISTEN');

/** The lateral alerts (as `remote reason`) raised by `rows`, first seen 10 s after a campaign member's login. */
function alerted(rows: SocketRow[], alerts: Record<string, unknown> = {}): string[] {
  const core = new AlertCore({ baseline_min_sockets: 0, ...alerts }, tableLookup({ members: { [MEMBER]: C1 } }));
  core.onSocketSample({ time: T0, rows: rows.filter((r) => r.state === 'LISTEN') });
  core.onAuthEvent(accepted(T0 + S, MEMBER, 'oracle'));
  const sample: SocketSample = { time: T0 + 10 * S, rows };
  return core
    .onSocketSample(sample)
    .map((v: Verdict) => Object.fromEntries(v.fields))
    .filter((f) => f.kind === 'lateral')
    .map((f) => `${f.remote_ip}:${f.remote_port} ${f.reason}`);
}

describe('which connections /proc/net/tcp proves inbound (review: a listener of the intruder proves nothing)', () => {
  it("takes SMB from a port the user listens on as outbound; a client of root's listener stays inbound", () => {
    const user = [listener('10.0.0.5:40000', 1000), row('10.0.0.5:40000', '10.0.0.40:445', 1000)];
    expect(alerted(user)).toEqual(['10.0.0.40:445 smb+new-destination']);
    // sshd's client whose source port happens to be 445: root's listener accepted it, and the row is root's.
    expect(alerted([listener('0.0.0.0:22', 0), row('10.0.0.5:22', '198.51.100.9:445', 0)])).toEqual([]);
    // Root's listener, the user's row: an IPv4-mapped bind beside root's IPV6_V6ONLY [::] listener.
    expect(alerted([listener(':::22', 0), row('::ffff:10.0.0.2:22', '::ffff:10.0.0.41:445', 1000)])).toHaveLength(1);
  });

  it("takes a connection from sshd's port on an address sshd does not listen on as outbound", () => {
    const sshd = listener('10.0.0.1:2222', 0);
    const alerts = { inbound_ports: ['2222'] };
    expect(alerted([sshd, row('10.0.0.2:2222', '198.51.100.9:443', 1000)], alerts)).toEqual([
      '198.51.100.9:443 new-destination',
    ]);
    // sshd's own clients, and its sessions while sshd is stopped (no listener), are root's rows: inbound.
    expect(alerted([sshd, row('10.0.0.1:2222', '198.51.100.9:50000', 0)], alerts)).toEqual([]);
    expect(alerted([row('10.0.0.1:2222', '198.51.100.9:50000', 0)], alerts)).toEqual([]);
  });

  it("keeps an unprivileged service's clients inbound, when its listener accepts them", () => {
    const web = listener('0.0.0.0:8080', 33);
    expect(alerted([web, row('10.0.0.5:8080', '198.51.100.9:50000', 33)])).toEqual([]);
    // Closed by the server: TIME_WAIT, owned by no process (uid 0).
    expect(alerted([web, row('10.0.0.5:8080', '198.51.100.9:50001', 0, 'TIME_WAIT')])).toEqual([]);
    // Another user's row on the port (possible only on an address the listener does not cover) is not its client.
    expect(alerted([listener('10.0.0.1:8080', 33), row('10.0.0.2:8080', '198.51.100.9:443', 1000)])).toHaveLength(1);
  });
});

describe('a listener of a user first seen during a watch proves nothing (review: it hid new-destination)', () => {
  /**
   * Lateral alerts of samples 5 s apart from T0 (the login at T0 + 1 s), the core saved and loaded after `saveAt`
   * (`aged`: with the listeners' ages, as this version saves).
   */
  function run(samples: SocketRow[][], saveAt = -1, aged = true): string[] {
    const lookup = tableLookup({ members: { [MEMBER]: C1 } });
    let core = new AlertCore({ baseline_min_sockets: 0 }, lookup);
    const out: string[] = [];
    samples.forEach((rows, i) => {
      if (i === 1) core.onAuthEvent(accepted(T0 + S, MEMBER, 'oracle'));
      for (const v of core.onSocketSample({ time: T0 + i * 5 * S, rows })) {
        const f = Object.fromEntries(v.fields);
        if (f.kind === 'lateral') out.push(`${f.local_port} ${f.remote_ip}:${f.remote_port} ${f.reason}`);
      }
      if (i !== saveAt) return;
      const saved = JSON.parse(JSON.stringify(core.snapshot())) as { tracker: Record<string, unknown> };
      if (!aged) delete saved.tracker['listenedSince'];
      core = new AlertCore({ baseline_min_sockets: 0 }, lookup, saved);
    });
    return out;
  }

  it("takes the user's connection from a port they began to listen on after the login as outbound", () => {
    const own = listener('10.0.0.5:40001', 1000);
    const out = row('10.0.0.5:40001', '198.51.100.9:8443', 1000);
    expect(run([[], [own], [own, out]])).toEqual(['40001 198.51.100.9:8443 new-destination']);
    // Saved and loaded between: the listener's age is in the snapshot.
    expect(run([[], [own], [own, out]], 1)).toEqual(['40001 198.51.100.9:8443 new-destination']);
  });

  it('keeps the clients of a service listening before the login inbound, across a restart of either', () => {
    const db = listener('0.0.0.0:8080', 113);
    const client = row('10.0.0.5:8080', '198.51.100.9:50000', 113);
    expect(run([[db], [db], [db, client]])).toEqual([]);
    // The service restarting: one sample without its listener keeps its age.
    expect(run([[db], [db], [client], [db, client]])).toEqual([]);
    // Saved and loaded between, by this version and by one that did not keep listeners' ages.
    expect(run([[db], [db], [db, client]], 1)).toEqual([]);
    expect(run([[db], [db], [db, client]], 1, false)).toEqual([]);
  });
});

describe('the first sample after loading a snapshot of a version that kept no listeners (session 27 and before)', () => {
  it("takes a connection on a port listening before the restart as inbound, once; the intruder's still alerts", () => {
    const lookup = tableLookup({ members: { [MEMBER]: C1 } });
    const db = listener('0.0.0.0:8080', 113);
    const before = new AlertCore({ baseline_min_sockets: 0 }, lookup);
    before.onSocketSample({ time: T0, rows: [db] });
    before.onAuthEvent(accepted(T0 + S, MEMBER, 'oracle'));
    before.onSocketSample({ time: T0 + 5 * S, rows: [db] });
    // As that version saved its tracker: the ports listening in its last sample.
    const saved = JSON.parse(JSON.stringify(before.snapshot())) as { tracker: Record<string, unknown> };
    saved.tracker = { sampled: true, listening: [8080], sockets: [] };
    const core = new AlertCore({ baseline_min_sockets: 0 }, lookup, saved);
    // The service restarting too: its new client with no listener in the first sample, the listener back after.
    const client = row('10.0.0.5:8080', '198.51.100.9:50000', 113);
    const intruder = row('10.0.0.5:40001', '198.51.100.77:8443', 1000);
    const lateral = (rows: SocketRow[], time: number) =>
      core
        .onSocketSample({ time, rows })
        .map((v) => Object.fromEntries(v.fields))
        .filter((f) => f.kind === 'lateral')
        .map((f) => `${f.remote_ip} ${f.reason}`);
    expect(lateral([client, intruder], T0 + 10 * S)).toEqual(['198.51.100.77 new-destination']);
    expect(lateral([db, client, intruder], T0 + 15 * S)).toEqual([]);
  });
});
