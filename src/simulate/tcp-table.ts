import { isIPv4 } from 'node:net';
import { ipv6Groups } from '../parse/address.js';
import { formatTraceBlock } from '../parse/socket-trace.js';

/** Where the simulated sshd listens. */
const SERVER_V4 = '192.0.2.10';
const SERVER_V6 = '2001:db8:100::10';
const SSH_PORT = 22;

const HEADER4 = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const HEADER6 =
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';

const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');

/** The kernel prints an IPv4 address as the 32-bit word in host (little-endian) order. */
function v4Hex(ip: string): string {
  const [a = 0, b = 0, c = 0, d = 0] = ip.split('.').map(Number);
  return hex(((d << 24) | (c << 16) | (b << 8) | a) >>> 0, 8);
}

/** tcp6: four 32-bit words, each printed in host order. */
function v6Hex(ip: string): string {
  const g = ipv6Groups(ip);
  let out = '';
  for (let w = 0; w < 4; w++) {
    const hi = g[w * 2]!;
    const lo = g[w * 2 + 1]!;
    const bytes = [hi >> 8, hi & 255, lo >> 8, lo & 255];
    out += hex(((bytes[3]! << 24) | (bytes[2]! << 16) | (bytes[1]! << 8) | bytes[0]!) >>> 0, 8);
  }
  return out;
}

export interface Peer {
  readonly ip: string;
  readonly port: number;
  readonly inode: number;
}

function row(sl: number, local: string, remote: string, state: string, inode: number): string {
  return `${String(sl).padStart(4)}: ${local} ${remote} ${state} 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 20 4 30 10 -1`;
}

/** /proc/net/tcp and /proc/net/tcp6 text at one moment: the listening sockets and the given established peers. */
export function tcpTables(peers: readonly Peer[]): { tcp: string; tcp6: string } {
  const v4 = [HEADER4, row(0, `${v4Hex('0.0.0.0')}:${hex(SSH_PORT, 4)}`, '00000000:0000', '0A', 1001)];
  const v6 = [HEADER6, row(0, `${'0'.repeat(32)}:${hex(SSH_PORT, 4)}`, `${'0'.repeat(32)}:0000`, '0A', 1002)];
  for (const p of peers) {
    if (isIPv4(p.ip)) {
      v4.push(
        row(
          v4.length - 1,
          `${v4Hex(SERVER_V4)}:${hex(SSH_PORT, 4)}`,
          `${v4Hex(p.ip)}:${hex(p.port, 4)}`,
          '01',
          p.inode,
        ),
      );
    } else {
      v6.push(
        row(
          v6.length - 1,
          `${v6Hex(SERVER_V6)}:${hex(SSH_PORT, 4)}`,
          `${v6Hex(p.ip)}:${hex(p.port, 4)}`,
          '01',
          p.inode,
        ),
      );
    }
  }
  return { tcp: `${v4.join('\n')}\n`, tcp6: `${v6.join('\n')}\n` };
}

/** One block of a socket trace (docs/socket-trace.md): `@ <time>` then the raw tables. */
export function traceBlock(time: number, peers: readonly Peer[]): string {
  const { tcp, tcp6 } = tcpTables(peers);
  return formatTraceBlock(time, tcp, tcp6);
}
