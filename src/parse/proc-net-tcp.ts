import { type SocketRow, TCP_STATES, type TcpState } from '../core/socket.js';
import { formatIPv6 } from './address.js';

export interface ProcNetTcpResult {
  readonly rows: SocketRow[];
  /** Rows that did not have the kernel's shape: counted and skipped, never fatal. */
  readonly malformed: number;
}

const HEX = /^[0-9A-Fa-f]+$/;

/** `0100007F` is 127.0.0.1: the kernel prints the 32-bit word in host (little-endian) order. */
function ipv4FromHex(hex: string): string {
  const n = Number.parseInt(hex, 16);
  return `${n & 255}.${(n >>> 8) & 255}.${(n >>> 16) & 255}.${n >>> 24}`;
}

/** tcp6: four 32-bit words, each little-endian. IPv4-mapped addresses come out as IPv4, as the parser does. */
function ipv6FromHex(hex: string): string {
  const groups: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    const b = [word.slice(6, 8), word.slice(4, 6), word.slice(2, 4), word.slice(0, 2)].map((x) =>
      Number.parseInt(x, 16),
    );
    groups.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
  }
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
  }
  return formatIPv6(groups);
}

function endpoint(text: string | undefined, family: 4 | 6): [string, number] | null {
  if (text === undefined) return null;
  const colon = text.indexOf(':');
  const hex = text.slice(0, colon);
  const port = text.slice(colon + 1);
  if (colon < 0 || hex.length !== (family === 4 ? 8 : 32) || !HEX.test(hex) || port.length !== 4 || !HEX.test(port)) {
    return null;
  }
  return [family === 4 ? ipv4FromHex(hex) : ipv6FromHex(hex), Number.parseInt(port, 16)];
}

/** Decodes one row (no header); null when it is not of the kernel's shape. */
export function parseProcNetTcpRow(line: string, expected?: 4 | 6): SocketRow | null {
  const f = line.trim().split(/\s+/);
  // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
  if (f.length < 10 || !/^\d+:$/.test(f[0]!)) return null;
  const family = f[1]!.length > 13 ? 6 : 4;
  if (expected !== undefined && family !== expected) return null;
  const local = endpoint(f[1], family);
  const remote = endpoint(f[2], family);
  // Two hex digits, 01 to 0C: the kernel prints nothing else (00 is not a state).
  const stateCode = /^[0-9A-Fa-f]{2}$/.test(f[3]!) ? Number.parseInt(f[3]!, 16) : 0;
  const queues = /^([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8})$/.exec(f[4] ?? '');
  const uid = f[7]!;
  const inode = f[9]!;
  if (!local || !remote || !queues || !/^\d+$/.test(uid) || !/^\d+$/.test(inode)) return null;
  const state: TcpState | undefined = stateCode > 0 ? TCP_STATES[stateCode] : undefined;
  if (state === undefined) return null;
  return {
    family,
    localIp: local[0],
    localPort: local[1],
    remoteIp: remote[0],
    remotePort: remote[1],
    state,
    txQueue: Number.parseInt(queues[1]!, 16),
    rxQueue: Number.parseInt(queues[2]!, 16),
    uid: Number(uid),
    inode: Number(inode),
  };
}

/**
 * Decodes the text of /proc/net/tcp or /proc/net/tcp6. Header lines are skipped; malformed rows are counted.
 * With `family`, rows of the other family count as malformed (a tcp6 row in the tcp file is not the kernel's).
 */
export function parseProcNetTcp(text: string, family?: 4 | 6): ProcNetTcpResult {
  const rows: SocketRow[] = [];
  let malformed = 0;
  for (const line of text.split('\n')) {
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('sl ')) continue;
    const row = parseProcNetTcpRow(trimmed, family);
    if (row) rows.push(row);
    else malformed++;
  }
  return { rows, malformed };
}
