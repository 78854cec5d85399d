import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseProcNetTcp } from '../../src/parse/proc-net-tcp.js';
import { formatTraceBlock, readSocketTrace, type TraceStats } from '../../src/parse/socket-trace.js';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1605 1 0000000053c0c956 100 0 0 10 0
   1: 0100007F:0016 0500007F:C350 01 0000001A:00000002 02:00000B93 00000000   105        0 99871 3 0000000095d48090 20 4 30 10 -1
   2: garbage row
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1606 1 0000000000000000 100 0 0 10 0
   1: 0000000000000000FFFF00000700007F:0016 0000000000000000FFFF00000900007F:D431 06 00000000:00000000 03:00000B93 00000000     0        0 0 3 0000000000000000
   2: B80D0120000000000000000001000000:0016 B80D0120000000000000000002000000:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 20 4 30 10 -1
`;

describe('/proc/net/tcp', () => {
  it('decodes little-endian IPv4 addresses, ports, states, queues, uid and inode', () => {
    const { rows, malformed } = parseProcNetTcp(TCP, 4);
    expect(malformed).toBe(1);
    expect(rows[0]).toMatchObject({ localIp: '127.0.0.1', localPort: 22, state: 'LISTEN', remoteIp: '0.0.0.0' });
    expect(rows[1]).toEqual({
      family: 4,
      localIp: '127.0.0.1',
      localPort: 22,
      remoteIp: '127.0.0.5',
      remotePort: 50000,
      state: 'ESTABLISHED',
      txQueue: 26,
      rxQueue: 2,
      uid: 105,
      inode: 99871,
    });
  });

  it('decodes tcp6 as four little-endian words, IPv4-mapped addresses as IPv4', () => {
    const { rows, malformed } = parseProcNetTcp(TCP6, 6);
    expect(malformed).toBe(0);
    expect(rows.map((r) => [r.localIp, r.remoteIp, r.remotePort, r.state])).toEqual([
      ['::1', '::', 0, 'LISTEN'],
      ['127.0.0.7', '127.0.0.9', 54321, 'TIME_WAIT'],
      ['2001:db8::1', '2001:db8::2', 8080, 'ESTABLISHED'],
    ]);
  });

  it('counts rows of the wrong family or shape as malformed', () => {
    expect(parseProcNetTcp(TCP6, 4).malformed).toBe(3);
    expect(
      parseProcNetTcp('   0: 0100007F:0016 00000000:0000 ZZ 00000000:00000000 00:00000000 00000000 0 0 1 1\n')
        .malformed,
    ).toBe(1);
  });

  it("reads this machine's real table and finds a socket we open", async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as { port: number }).port;
    const client = connect(port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    try {
      const { rows } = parseProcNetTcp(readFileSync('/proc/net/tcp', 'utf8'), 4);
      expect(rows.some((r) => r.localPort === port && r.state === 'LISTEN')).toBe(true);
      expect(
        rows.some((r) => r.remotePort === port && r.localPort === client.localPort && r.state === 'ESTABLISHED'),
      ).toBe(true);
    } finally {
      client.destroy();
      server.close();
    }
  });
});

describe('socket trace', () => {
  it('round-trips blocks of raw tables with their times', async () => {
    const text =
      formatTraceBlock(Date.UTC(2026, 1, 15, 14, 0, 0), TCP, TCP6) +
      formatTraceBlock(Date.UTC(2026, 1, 15, 14, 0, 30), TCP);
    const stats: TraceStats = { blocks: 0, rows: 0, malformed: 0, badTimes: 0 };
    const samples = [];
    for await (const s of readSocketTrace(text.split('\n'), stats)) samples.push(s);
    expect(samples.map((s) => [new Date(s.time).toISOString(), s.rows.length])).toEqual([
      ['2026-02-15T14:00:00.000Z', 5],
      ['2026-02-15T14:00:30.000Z', 2],
    ]);
    expect(stats).toEqual({ blocks: 2, rows: 7, malformed: 2, badTimes: 0 });
  });

  it('drops a block whose time does not parse, and counts it', async () => {
    const stats: TraceStats = { blocks: 0, rows: 0, malformed: 0, badTimes: 0 };
    const samples = [];
    for await (const s of readSocketTrace(['@ yesterday', ...TCP.split('\n')], stats)) samples.push(s);
    expect(samples).toEqual([]);
    expect(stats.badTimes).toBe(1);
  });
});
