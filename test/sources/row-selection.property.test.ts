import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseProcNetTcp } from '../../src/parse/proc-net-tcp.js';
import { type RawTables, selectRows } from '../../src/sources/socket-sampler.js';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0');

/** A row as the kernel prints it; `v6` rows carry 32 hex digits per address. */
function row(i: number, v6: boolean, local: number, remote: number, state: number, inode: number): string {
  const address = (n: number) => (v6 ? hex(n, 8).repeat(4) : hex(n, 8));
  return (
    `${String(i).padStart(4)}: ${address(0x0a00020f)}:${hex(local, 4)} ${address(0x0b000000 + i)}:${hex(remote, 4)} ` +
    `${hex(state, 2)} 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 20 4 30 10 -1`
  );
}

// Few local ports, so that listeners, their connections and outbound ones on the same port all occur.
const PORTS = [22, 443, 8080, 40000, 51000];
const rowArb = fc.record({
  v6: fc.boolean(),
  local: fc.constantFrom(...PORTS),
  remote: fc.constantFrom(0, 22, 445, 5432, 60000),
  state: fc.integer({ min: 1, max: 11 }),
  inode: fc.nat(1_000_000),
  junk: fc.option(fc.string({ maxLength: 60 }), { freq: 8, nil: undefined }),
});

type RowSpec = typeof rowArb extends fc.Arbitrary<infer T> ? T : never;

function tables(rows: readonly RowSpec[]): RawTables {
  const lines = { tcp: [HEADER], tcp6: [HEADER] };
  rows.forEach((r, i) => {
    const text = r.junk ?? row(i, r.v6, r.local, r.remote, r.state, r.inode);
    lines[r.v6 ? 'tcp6' : 'tcp'].push(text);
  });
  return { tcp: lines.tcp.join('\n'), tcp6: lines.tcp6.join('\n') };
}

describe('row selection of a socket sample (read from the hex text before decoding)', () => {
  it('decodes exactly the rows a full parse would keep: sshd ports, listeners, connections on no listening port or to a watched remote port', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 40 }), fc.boolean(), fc.boolean(), (rows, outbound, watch) => {
        const t = tables(rows);
        const all = [...parseProcNetTcp(t.tcp, 4).rows, ...parseProcNetTcp(t.tcp6, 6).rows];
        const listening = new Set(all.filter((r) => r.state === 'LISTEN').map((r) => r.localPort));
        const remotePorts = new Set(watch ? [445, 5432] : []);
        const expected = all.filter(
          (r) =>
            r.localPort === 22 ||
            (outbound && (r.state === 'LISTEN' || !listening.has(r.localPort) || remotePorts.has(r.remotePort))),
        );
        expect(selectRows(t, { ports: new Set([22]), outbound, remotePorts })).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("skips a busy web server's connections but keeps what this host connects to", () => {
    const t: RawTables = {
      tcp: [
        HEADER,
        row(0, false, 22, 0, 0x0a, 10), // sshd listening
        row(1, false, 443, 0, 0x0a, 11), // the web server listening
        row(2, false, 22, 50000, 0x01, 12), // an ssh client of ours
        row(3, false, 443, 50001, 0x01, 13), // a web client
        row(4, false, 40000, 445, 0x01, 14), // this host to SMB elsewhere
      ].join('\n'),
      tcp6: [HEADER, row(5, true, 8080, 0, 0x0a, 15), row(6, true, 8080, 50002, 0x01, 16)].join('\n'),
    };
    const picked = (outbound: boolean) => selectRows(t, { ports: new Set([22]), outbound }).map((r) => r.inode);
    expect(picked(true)).toEqual([10, 11, 12, 14, 15]);
    expect(picked(false)).toEqual([10, 12]);
    // SMB from the web server's port (any user may listen on a port with SO_REUSEPORT and connect out from it).
    const hidden: RawTables = { tcp: [t.tcp, row(7, false, 443, 445, 0x01, 17)].join('\n'), tcp6: t.tcp6 };
    const watched = selectRows(hidden, { ports: new Set([22]), outbound: true, remotePorts: new Set([445]) });
    expect(watched.map((r) => r.inode)).toEqual([10, 11, 12, 14, 17, 15]);
  });
});
