import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Listeners } from '../../src/core/listeners.js';
import { parseProcNetTcp } from '../../src/parse/proc-net-tcp.js';
import { type RawTables, selectRows } from '../../src/sources/socket-sampler.js';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0');

/** A row as the kernel prints it; `v6` rows carry 32 hex digits per address. */
function row(
  i: number,
  v6: boolean,
  local: number,
  remote: number,
  state: number,
  inode: number,
  uid = 0,
  ip = 0x0a00020f,
): string {
  const address = (n: number) => (v6 ? hex(n, 8).repeat(4) : hex(n, 8));
  return (
    `${String(i).padStart(4)}: ${address(ip)}:${hex(local, 4)} ${address(0x0b000000 + i)}:${hex(remote, 4)} ` +
    `${hex(state, 2)} 00000000:00000000 00:00000000 00000000 ${String(uid).padStart(5)}        0 ${inode} 1 ` +
    '0000000000000000 20 4 30 10 -1'
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
  uid: fc.constantFrom(0, 0, 1000, 123456),
  // This host's address, the wildcard, another address of ours.
  ip: fc.constantFrom(0x0a00020f, 0, 0x0a000210),
  junk: fc.option(fc.string({ maxLength: 60 }), { freq: 8, nil: undefined }),
});

type RowSpec = typeof rowArb extends fc.Arbitrary<infer T> ? T : never;

function tables(rows: readonly RowSpec[]): RawTables {
  const lines = { tcp: [HEADER], tcp6: [HEADER] };
  rows.forEach((r, i) => {
    const text = r.junk ?? row(i, r.v6, r.local, r.remote, r.state, r.inode, r.uid, r.ip);
    lines[r.v6 ? 'tcp6' : 'tcp'].push(text);
  });
  return { tcp: lines.tcp.join('\n'), tcp6: lines.tcp6.join('\n') };
}

describe('row selection of a socket sample (read from the hex text before decoding)', () => {
  it("decodes exactly the rows a full parse would keep: sshd ports, listeners, all but root's connections a listener of root's accepts", () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 40 }), fc.boolean(), (rows, outbound) => {
        const t = tables(rows);
        const all = [...parseProcNetTcp(t.tcp, 4).rows, ...parseProcNetTcp(t.tcp6, 6).rows];
        // Exactly the rows the alerts skip first, whatever else they know (outbound-tracker.ts).
        const listeners = new Listeners({ time: 0, rows: all });
        const expected = all.filter(
          (r) => r.localPort === 22 || (outbound && (r.state === 'LISTEN' || !listeners.accepts(r, true))),
        );
        expect(selectRows(t, { ports: new Set([22]), outbound })).toEqual(expected);
      }),
      { numRuns: 1000 },
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
      tcp6: [HEADER, row(5, true, 8080, 0, 0x0a, 15, 1000), row(6, true, 8080, 50002, 0x06, 16)].join('\n'),
    };
    const picked = (outbound: boolean) => selectRows(t, { ports: new Set([22]), outbound }).map((r) => r.inode);
    // The web client's row is root's, as the clone of root's listener; 8080 listens as uid 1000 (row 6 is root's: a
    // client gone, TIME_WAIT).
    expect(picked(true)).toEqual([10, 11, 12, 14, 15, 16]);
    expect(picked(false)).toEqual([10, 12]);
    // From the web server's port on another address of ours, and as uid 1000 on its own: not root's to hide.
    const hidden: RawTables = {
      tcp: [t.tcp, row(7, false, 443, 8443, 0x01, 17, 0, 0x0a000210), row(8, false, 443, 8443, 0x01, 18, 1000)].join(
        '\n',
      ),
      tcp6: t.tcp6,
    };
    expect(selectRows(hidden, { ports: new Set([22]), outbound: true }).map((r) => r.inode)).toEqual([
      10, 11, 12, 14, 17, 18, 15, 16,
    ]);
  });
});
