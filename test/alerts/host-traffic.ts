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

const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');

/** An IPv4 address as /proc/net/tcp prints it: the 32-bit word in host (little-endian) order. */
function v4Hex(ip: string): string {
  const [a = 0, b = 0, c = 0, d = 0] = ip.split('.').map(Number);
  return hex(((d << 24) | (c << 16) | (b << 8) | a) >>> 0, 8);
}

const STATE_CODES: Partial<Record<SocketRow['state'], string>> = { ESTABLISHED: '01', TIME_WAIT: '06', LISTEN: '0A' };

/** One SocketRow as the kernel's /proc/net/tcp line (IPv4 only), for socket traces. */
export function procNetTcpLine(r: SocketRow, sl: number): string {
  return `${String(sl).padStart(4)}: ${v4Hex(r.localIp)}:${hex(r.localPort, 4)} ${v4Hex(r.remoteIp)}:${hex(r.remotePort, 4)} ${STATE_CODES[r.state] ?? '01'} 00000000:00000000 00:00000000 00000000     0        0 ${r.inode} 1 0000000000000000 20 4 30 10 -1`;
}
