import type { SocketRow } from '../../src/core/socket.js';

/** A /proc/net/tcp row: an established IPv4 connection, root's, with the fields a test names set as it names them. */
export function socketRow(
  fields: Pick<SocketRow, 'localIp' | 'localPort' | 'remoteIp' | 'remotePort' | 'inode'> & Partial<SocketRow>,
): SocketRow {
  return { family: 4, state: 'ESTABLISHED', txQueue: 0, rxQueue: 0, uid: 0, ...fields };
}
