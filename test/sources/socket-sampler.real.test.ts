import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SocketSample } from '../../src/core/socket.js';
import { readTables, SocketSampler, sampleTables } from '../../src/sources/socket-sampler.js';
import { SocketTracker, type TrackedSocket } from '../../src/sources/socket-tracker.js';

/**
 * Real sockets, real /proc/net/tcp: connections to a loopback server from several 127.0.0.x sources, sampled the way
 * the service samples (SocketSampler on a timer), tracked from first to last sight.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: Server;
let port: number;
const accepted = new Map<string, Socket>();

beforeAll(async () => {
  server = createServer((socket) => {
    accepted.set(`${socket.remoteAddress}:${socket.remotePort}`, socket);
    socket.on('end', () => socket.end()); // the peer closed: close our side too (CLOSE_WAIT -> LAST_ACK -> gone)
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  for (const s of accepted.values()) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

function open(source: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: source }, () => resolve(socket));
    socket.on('error', reject);
  });
}

describe('socket sampler on real loopback connections', () => {
  it('sees each connection with its source address, port, state and lifetime', async () => {
    const tracker = new SocketTracker([port]);
    const closed: TrackedSocket[] = [];
    const samples: SocketSample[] = [];
    const sampler = new SocketSampler({
      dir: '/proc/net',
      keep: (row) => tracker.relevant(row),
      interval: () => 100,
      onSample: (sample) => {
        samples.push(sample);
        closed.push(...tracker.update(sample).closed);
      },
      onError: (error) => {
        throw error;
      },
    });
    await sampler.start();
    const sources = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
    const clients = new Map<string, { socket: Socket; openedAt: number }>();
    for (const source of sources) clients.set(source, { socket: await open(source), openedAt: Date.now() });
    await sleep(400);

    const live = tracker.openSockets();
    for (const source of sources) {
      const client = clients.get(source)!.socket;
      const seen = live.filter((s) => s.remoteIp === source);
      expect(seen, `connection from ${source}`).toHaveLength(1);
      expect(seen[0]).toMatchObject({
        family: 4,
        localIp: '127.0.0.1',
        localPort: port,
        remotePort: client.localPort,
        states: ['ESTABLISHED'],
      });
    }

    // Close them at different ages: 127.0.0.2 at ~0.4 s, .3 at ~1.2 s, .4 at ~2 s (client first); .5: server first.
    const closedAt = new Map<string, number>();
    const closeClient = (source: string) => {
      clients.get(source)!.socket.end();
      closedAt.set(source, Date.now());
    };
    closeClient('127.0.0.2');
    await sleep(800);
    closeClient('127.0.0.3');
    const server5 = [...accepted.entries()].find(([k]) => k.startsWith('127.0.0.5:'))![1];
    server5.end(); // we close first: our side goes FIN_WAIT -> TIME_WAIT
    await sleep(800);
    closeClient('127.0.0.4');
    await sleep(600);
    await sampler.stop();

    // Sampled every 100 ms on a quiet machine; a loaded one stretches the gaps, and the observed lifetime can be off
    // by up to one gap at each end.
    const gaps = samples.slice(1).map((s, i) => s.time - samples[i]!.time);
    const tolerance = 2 * Math.max(...gaps) + 100;
    for (const source of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) {
      const gone = closed.filter((s) => s.remoteIp === source);
      expect(gone, `closed connection from ${source}`).toHaveLength(1);
      const lifetime = gone[0]!.lastSeen - gone[0]!.firstSeen;
      const real = closedAt.get(source)! - clients.get(source)!.openedAt;
      // The observed lifetime is within one sampling gap of the real one at each end.
      expect(Math.abs(lifetime - real), `lifetime of ${source}: seen ${lifetime} ms, real ${real} ms`).toBeLessThan(
        tolerance,
      );
      expect(gone[0]!.states[0]).toBe('ESTABLISHED');
    }
    const five = tracker.openSockets().find((s) => s.remoteIp === '127.0.0.5');
    expect(five?.states[0]).toBe('ESTABLISHED');
    expect(five?.states.at(-1)).toMatch(/^(FIN_WAIT2|TIME_WAIT)$/);
    expect(samples.length).toBeGreaterThan(15);
  });

  it('reads a table of 50,000 rows and keeps only the connections to sshd ports', () => {
    const rows: string[] = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    ];
    for (let i = 0; i < 50_000; i++) {
      const local = i % 10 === 0 ? '0016' : '1F90'; // every tenth to port 22, the rest to 8080
      const remote = (0x0a000000 + i).toString(16).toUpperCase().padStart(8, '0');
      const le = remote.match(/../g)!.reverse().join('');
      rows.push(
        `${i}: 0100007F:${local} ${le}:${(1024 + (i % 60000)).toString(16).toUpperCase().padStart(4, '0')} 01 00000000:00000000 00:00000000 00000000     0        0 ${1000 + i} 1 0000000000000000 20 4 30 10 -1`,
      );
    }
    const tracker = new SocketTracker([22]);
    const sample = sampleTables({ tcp: rows.join('\n'), tcp6: '' }, 1, (row) => tracker.relevant(row));
    expect(sample.rows).toHaveLength(5000);
    expect(sample.rows[0]).toMatchObject({ localPort: 22, remoteIp: '10.0.0.0', state: 'ESTABLISHED' });
    expect(readTables('/proc/net').tcp.startsWith('  sl')).toBe(true);
  });
});

describe('socket tracker: one 4-tuple, several connections (review)', () => {
  const at0 = () => ({ family: 4 as const, localPort: 22, txQueue: 0, rxQueue: 0, uid: 0 });
  const at = (time: number, state: 'ESTABLISHED' | 'TIME_WAIT', inode: number): SocketSample => ({
    time,
    rows: [
      // sshd's listener (root's): only connections one covers are sshd's (src/core/sshd-sockets.ts).
      { ...at0(), localIp: '0.0.0.0', remoteIp: '0.0.0.0', remotePort: 0, state: 'LISTEN', inode: 1 },
      {
        family: 4,
        localIp: '192.0.2.10',
        localPort: 22,
        remoteIp: '198.51.100.7',
        remotePort: 40000,
        state,
        txQueue: 0,
        rxQueue: 0,
        uid: 0,
        inode,
      },
    ],
  });

  it('starts a new connection when the same addresses and ports come back on another socket (inode)', () => {
    // sshd closes first (TIME_WAIT here), and a tool with a fixed source port reconnects: the kernel takes the SYN
    // on the TIME_WAIT socket, and the next sample sees a new ESTABLISHED socket on the same 4-tuple.
    const tracker = new SocketTracker([22]);
    tracker.update(at(0, 'ESTABLISHED', 101));
    tracker.update(at(5_000, 'ESTABLISHED', 101));
    const { opened, closed } = tracker.update(at(10_000, 'ESTABLISHED', 102));
    expect(closed.map((s) => [s.firstSeen, s.lastSeen])).toEqual([[0, 5_000]]);
    expect(opened.map((s) => s.firstSeen)).toEqual([10_000]);
  });

  it('on the real kernel: a client reconnecting from the same port after we closed first is a new connection', async () => {
    const tracker = new SocketTracker([port]);
    const take = (time: number) =>
      tracker.update(
        sampleTables(
          readTables('/proc/net'),
          time,
          (row) => tracker.relevant(row) && (row.state === 'LISTEN' || row.remoteIp === '127.0.0.9'),
        ),
      );
    const connectFrom = async (): Promise<Socket> => {
      const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.9', localPort: 45_678 });
      socket.on('end', () => socket.end());
      await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      await sleep(50);
      return socket;
    };
    const closeFromServer = async (client: Socket) => {
      [...accepted.entries()].find(([k]) => k === `127.0.0.9:45678`)![1].end();
      await new Promise((resolve) => client.once('close', resolve));
      await sleep(50);
    };
    const first = await connectFrom();
    take(1_000);
    await closeFromServer(first);
    take(2_000); // our side in TIME_WAIT
    const second = await connectFrom(); // the kernel takes the SYN on the TIME_WAIT socket
    const update = take(3_000);
    expect(update.closed.map((s) => [s.firstSeen, s.states])).toEqual([[1_000, ['ESTABLISHED', 'TIME_WAIT']]]);
    expect(update.opened.map((s) => [s.firstSeen, s.states])).toEqual([[3_000, ['ESTABLISHED']]]);
    await closeFromServer(second);
  });

  it('takes the inode a connection first seen half-open gets once accepted, and tells the next socket by it', () => {
    // The kernel shows a connection not yet accepted (SYN_RECV) with inode 0. Accepted, it has its own; a peer that
    // reconnects from the same port between two samples shows another, with no TIME_WAIT seen in between.
    const tracker = new SocketTracker([22]);
    const halfOpen = at(0, 'ESTABLISHED', 0);
    tracker.update({ ...halfOpen, rows: [halfOpen.rows[0]!, { ...halfOpen.rows[1]!, state: 'SYN_RECV' }] });
    tracker.update(at(5_000, 'ESTABLISHED', 101));
    const { opened, closed } = tracker.update(at(10_000, 'ESTABLISHED', 102));
    expect(closed.map((s) => [s.firstSeen, s.lastSeen, s.states])).toEqual([[0, 5_000, ['SYN_RECV', 'ESTABLISHED']]]);
    expect(opened.map((s) => [s.firstSeen, s.inode])).toEqual([[10_000, 102]]);
  });

  it('keeps a bounded record of states while a 4-tuple is reused sample after sample', () => {
    const tracker = new SocketTracker([22]);
    for (let k = 0; k < 10_000; k++) {
      tracker.update(at(k * 5_000, k % 2 === 0 ? 'ESTABLISHED' : 'TIME_WAIT', k % 2 === 0 ? 1000 + k : 0));
    }
    const [socket] = tracker.openSockets();
    expect(socket!.states.length).toBeLessThanOrEqual(16);
    expect(tracker.closedTotal).toBeGreaterThan(4_000);
  });
  it('holds no more than the last sample under a SYN flood of distinct sources', () => {
    const tracker = new SocketTracker([22]);
    const flood = (k: number): SocketSample => ({
      time: k * 5_000,
      rows: [
        at(0, 'ESTABLISHED', 0).rows[0]!, // sshd's listener
        ...Array.from({ length: 20_000 }, (_, i) => ({
          ...at(0, 'ESTABLISHED', 0).rows[1]!,
          remoteIp: `10.${k}.${i >> 8}.${i & 255}`,
          state: 'SYN_RECV' as const,
        })),
      ],
    });
    for (let k = 0; k < 20; k++) tracker.update(flood(k));
    expect(tracker.openSockets()).toHaveLength(20_000);
    expect(tracker.closedTotal).toBe(19 * 20_000);
  });
});

describe('socket sampler on a host without IPv6', () => {
  // Booted with ipv6.disable=1, the kernel shows no /proc/net/tcp6: the IPv4 table alone is the sample.
  it('samples tcp alone when tcp6 is missing, and keeps following', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'f2b-no-tcp6-'));
    try {
      writeFileSync(
        join(dir, 'tcp'),
        [
          '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
          '   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0000000000000000 100 0 0 10 0',
          '   1: 0A00020F:0016 0100000B:9C41 01 00000000:00000000 00:00000000 00000000     0        0 101 1 0000000000000000 20 4 30 10 -1',
        ].join('\n'),
      );
      const samples: SocketSample[] = [];
      const errors: Error[] = [];
      const sampler = new SocketSampler({
        dir,
        keep: () => true,
        interval: () => 60_000,
        onSample: (sample) => samples.push(sample),
        onError: (error) => errors.push(error),
      });
      await sampler.start();
      await sampler.stop();
      expect(errors).toEqual([]);
      expect(samples.map((s) => s.rows.map((r) => [r.state, r.remoteIp, r.remotePort]))).toEqual([
        [
          ['LISTEN', '0.0.0.0', 0],
          ['ESTABLISHED', '11.0.0.1', 40001],
        ],
      ]);
      // A tcp table missing is no host without IPv4: that fails the source.
      rmSync(join(dir, 'tcp'));
      expect(() => readTables(dir)).toThrow(/ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
