import type { SocketRow, SocketSample } from '../../src/core/socket.js';

/** One TCP connection of the simulated host, alive from `start` to `end` (ms). */
export interface Connection {
  readonly local: string;
  readonly localPort: number;
  readonly remote: string;
  readonly remotePort: number;
  readonly start: number;
  readonly end: number;
}

let nextInode = 100_000;

/**
 * Samples a set of connections every `step` ms from `from` to `to`, as /proc/net/tcp would show them: each open
 * connection ESTABLISHED with its own inode, then TIME_WAIT (inode 0) for 60 s after it ends, plus the host's
 * listening sockets (sshd on 22).
 */
export function sampleHost(connections: readonly Connection[], from: number, to: number, step: number): SocketSample[] {
  const inodes = new Map<Connection, number>();
  for (const c of connections) inodes.set(c, nextInode++);
  const listen: SocketRow = row('0.0.0.0', 22, '0.0.0.0', 0, 'LISTEN', 9000);
  const samples: SocketSample[] = [];
  for (let t = from; t <= to; t += step) {
    const rows: SocketRow[] = [listen];
    for (const c of connections) {
      if (t >= c.start && t <= c.end)
        rows.push(row(c.local, c.localPort, c.remote, c.remotePort, 'ESTABLISHED', inodes.get(c)!));
      else if (t > c.end && t <= c.end + 60_000)
        rows.push(row(c.local, c.localPort, c.remote, c.remotePort, 'TIME_WAIT', 0));
    }
    samples.push({ time: t, rows });
  }
  return samples;
}

function row(
  localIp: string,
  localPort: number,
  remoteIp: string,
  remotePort: number,
  state: SocketRow['state'],
  inode: number,
): SocketRow {
  return { family: 4, localIp, localPort, remoteIp, remotePort, state, txQueue: 0, rxQueue: 0, uid: 0, inode };
}

/** The host's ordinary outbound traffic between `from` and `to`: short PostgreSQL queries, HTTPS, a nightly backup. */
export function normalTraffic(from: number, to: number, firstPort: number): Connection[] {
  const out: Connection[] = [];
  let port = firstPort;
  for (let t = from; t < to; t += 60_000) {
    out.push({ local: '10.0.0.5', localPort: port++, remote: '10.0.0.20', remotePort: 5432, start: t, end: t + 2_000 });
  }
  for (let t = from + 7_000; t < to; t += 300_000) {
    out.push({
      local: '10.0.0.5',
      localPort: port++,
      remote: '151.101.2.132',
      remotePort: 443,
      start: t,
      end: t + 10_000,
    });
  }
  for (let t = from + 1_800_000; t < to; t += 3_600_000) {
    out.push({ local: '10.0.0.5', localPort: port++, remote: '10.0.0.30', remotePort: 22, start: t, end: t + 40_000 });
  }
  return out;
}
