/** TCP states as the kernel numbers them in /proc/net/tcp (include/net/tcp_states.h). */
export const TCP_STATES = [
  'UNKNOWN',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
] as const;

export type TcpState = (typeof TCP_STATES)[number];

/** One row of /proc/net/tcp or /proc/net/tcp6, decoded. */
export interface SocketRow {
  readonly family: 4 | 6;
  readonly localIp: string;
  readonly localPort: number;
  readonly remoteIp: string;
  readonly remotePort: number;
  readonly state: TcpState;
  readonly txQueue: number;
  readonly rxQueue: number;
  readonly uid: number;
  readonly inode: number;
}

/** Everything read from /proc/net/tcp{,6} at one moment. */
export interface SocketSample {
  /** Milliseconds since the epoch (UTC) when the sample was read. */
  readonly time: number;
  readonly rows: readonly SocketRow[];
}
