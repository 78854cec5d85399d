import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SocketRow } from '../../src/core/socket.js';
import { SshdSockets } from '../../src/core/sshd-sockets.js';
import { sampleTables } from '../../src/sources/socket-sampler.js';
import { Netns } from '../e2e/harness/netns.js';
import { ProcessSet, type Started } from '../e2e/harness/processes.js';
import { waitFor } from '../service/helpers.js';

/**
 * A local unprivileged user (uid 1000) on a server whose sshd listens on one address (ListenAddress 10.0.0.1, port
 * 2222) binds sshd's port on another local address, 10.0.0.2, and connects out from it to a bystander X's web
 * server. In /proc/net/tcp that row has sshd's local port and is not LISTEN: it was taken for an inbound sshd
 * connection from X, and its lifetime, chosen by the user, for X's. Real sshd, real sockets in a network
 * namespace, the real /proc/net/tcp recorded by the bundled `record`, replayed by the bundled `replay`; the sshd
 * lines (five probing members of a campaign, and X's two quick probes, an ssh-keyscan say) are written by the test
 * at the times the connections really closed.
 */
const BIN = fileURLToPath(new URL('../../bin/f2b-campaign.js', import.meta.url));
const SSHD = '10.0.0.1';
const OTHER_LOCAL = '10.0.0.2';
const X = '198.51.100.7';
const MEMBERS = ['45.10.0.1', '61.20.0.1', '77.30.0.1', '91.40.0.1', '109.50.0.1'];
const PORT = 2222;
const HOLD = 3000;

/** Connects (from `local`, and `localPort` when given), holds the connection `hold` ms, closes it; prints times. */
const HOLDER = `
const net = require('node:net');
const [host, port, local, localPort, hold] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port), localAddress: local, ...(localPort !== '0' ? { localPort: Number(localPort) } : {}) });
s.on('connect', () => {
  const opened = Date.now();
  const port = s.localPort;
  setTimeout(() => { s.destroy(); console.log(JSON.stringify({ opened, closed: Date.now(), port, uid: process.getuid() })); }, Number(hold));
});
s.on('error', (e) => { console.error(e.message); process.exit(1); });
`;

let dir: string;
let ns: Netns;
// Stopped and waited for before the directory goes: sshd removes its pid file there as it stops.
const started = new ProcessSet();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startIn(argv: string[]): Started {
  return started.start(argv[argv.length - 1]!.slice(0, 40), argv, join(dir, 'programs.out'));
}

/** Runs HOLDER in the namespace (as `uid` when given) and resolves with its times. */
function hold(
  host: string,
  port: number,
  local: string,
  localPort: number,
  uid?: number,
): Promise<{ opened: number; closed: number; port: number; uid: number }> {
  const as = uid === undefined ? [] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups'];
  const argv = ns.wrap([
    ...as,
    process.execPath,
    '-e',
    HOLDER,
    host,
    String(port),
    local,
    String(localPort),
    String(HOLD),
  ]);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    // 'close', not 'exit': a child's output may still be in the pipe when it exits, and under load the JSON came
    // after 'exit' (an empty or cut result, thrown uncaught from here, and the case waited out its 120 s).
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`holder exited ${code}: ${err}`));
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`holder printed no result: ${JSON.stringify(out)} ${err}`));
      }
    });
  });
}

/** The connections (not listeners) on the IPv6 test's ports 2223 and 2224. */
const onPorts = (sample: { readonly rows: readonly SocketRow[] }) =>
  sample.rows.filter((r) => r.state !== 'LISTEN' && (r.localPort === 2223 || r.localPort === 2224));

const stamp = (t: number) => new Date(t).toISOString().replace('Z', '+00:00');
let pid = 4000;
const probeLine = (t: number, ip: string, port: number) =>
  `${stamp(t)} srv sshd[${pid++}]: Connection closed by ${ip} port ${port} [preauth]`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'f2b-impostor-'));
  execFileSync('chmod', ['755', dir]);
  ns = Netns.create('f2b-impostor');
  for (const ip of [SSHD, OTHER_LOCAL, X, ...MEMBERS]) ns.run(['ip', 'addr', 'add', `${ip}/32`, 'dev', 'lo']);
  const key = join(dir, 'host_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key], { stdio: 'pipe' });
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    `Port ${PORT}\nListenAddress ${SSHD}\nHostKey ${key}\nPidFile ${join(dir, 'sshd.pid')}\nUsePAM no\nMaxStartups 100:30:200\n`,
  );
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  startIn(ns.wrap(['/usr/sbin/sshd', '-D', '-e', '-f', config]));
  // X's web server, and nothing else of X's: X never connects to anything here but for its two quick probes.
  startIn(ns.wrap([process.execPath, '-e', `require('node:net').createServer(() => {}).listen(443, '${X}')`]));
  const listening = () => ns.run(['cat', '/proc/net/tcp']).includes(':08AE 00000000:0000 0A');
  for (let i = 0; i < 50 && !listening(); i++) await sleep(100);
  if (!listening()) throw new Error(`sshd did not listen on ${SSHD}:${PORT}`);
}, 30_000);

afterAll(async () => {
  await started.stopAll();
  ns?.delete();
  rmSync(dir, { recursive: true, force: true });
});

describe("rows a local user makes on sshd's port", () => {
  it('do not give a bystander the lifetime of a campaign (X is not banned; the members still are)', async () => {
    const trace = join(dir, 'sockets.trace');
    // Until stopped: a fixed duration counted from a start that load can delay may end before round two does.
    const recorder = startIn(
      ns.wrap([process.execPath, BIN, 'record', '--sockets', trace, '--interval', '500ms', '--duration', '120s']),
    );
    // The connections begin once it has sampled (a node start on a loaded machine can take longer than a pause
    // would): round one's opening must be in the trace for its lifetimes to be known.
    await waitFor(() => existsSync(trace) && readFileSync(trace, 'utf8').includes('@ '), 30_000, 'the first sample');
    const start = Date.now();
    const lines: string[] = [probeLine(start + 500, X, 50001)];
    await sleep(1000);
    // Round one: each member holds a connection to sshd for 3 s; the local user holds one from sshd's port on
    // another local address to X's web server as long.
    const [impostor, ...round1] = await Promise.all([
      hold(X, 443, OTHER_LOCAL, PORT, 1000),
      ...MEMBERS.map((m) => hold(SSHD, PORT, m, 0)),
    ]);
    expect(impostor!.uid).toBe(1000);
    for (const [i, r] of round1.entries()) lines.push(probeLine(r.closed, MEMBERS[i]!, r.port));
    await sleep(800);
    const round2 = await Promise.all(MEMBERS.map((m) => hold(SSHD, PORT, m, 0)));
    for (const [i, r] of round2.entries()) lines.push(probeLine(r.closed, MEMBERS[i]!, r.port));
    await sleep(1500);
    lines.push(probeLine(Date.now(), X, 50002));
    await started.stop(recorder);

    const recorded = readFileSync(trace, 'utf8');
    // The user's row is there as the kernel shows it: 10.0.0.2:2222 to X:443, ESTABLISHED, uid 1000.
    expect(recorded).toMatch(/ 0200000A:08AE 076433C6:01BB 01 \S+ \S+ \S+ +1000 /);
    const log = join(dir, 'auth.log');
    writeFileSync(log, `${lines.sort().join('\n')}\n`);
    const conf = join(dir, 'f2b-campaign.conf');
    writeFileSync(conf, `[service]\nssh_ports = ${PORT}\n\n[detection]\nlifetime_min = 1s\nlifetime_bucket = 2s\n`);
    const verdicts = join(dir, 'verdicts.log');
    execFileSync(
      process.execPath,
      [
        BIN,
        'replay',
        '--auth-log',
        log,
        '--sockets',
        trace,
        '--verdicts',
        verdicts,
        '--config',
        conf,
        '--fail2ban-defaults',
      ],
      { stdio: 'pipe' },
    );
    const out = readFileSync(verdicts, 'utf8');
    const banned = [...out.matchAll(/ BAN ip=(\S+)/g)].map((m) => m[1]);
    expect(out).toMatch(/CAMPAIGN .*signals=\S*lifetime/);
    expect(banned.sort(), out).toEqual([...MEMBERS].sort());
    expect(banned).not.toContain(X);
  }, 120_000);

  it("IPv6: a dual-stack listener's IPv4 client counts; an IPv4-mapped bind beside a V6ONLY [::] listener does not", async () => {
    // Root listens on [::]:2223 with IPV6_V6ONLY (sshd's own listener, ListenAddress ::), and on [::]:2224 without
    // it (a socket-activated sshd's): the kernel then shows IPv4 clients in tcp6 as ::ffff:a.b.c.d.
    const listen = (port: number, ipv6Only: boolean) =>
      startIn(
        ns.wrap([
          process.execPath,
          '-e',
          `require('node:net').createServer(() => {}).listen({ host: '::', port: ${port}, ipv6Only: ${ipv6Only} })`,
        ]),
      );
    listen(2223, true);
    listen(2224, false);
    // Polled, not slept for: a node start on a loaded machine can take longer than any fixed pause.
    const listening = (port: string) =>
      new RegExp(`:${port} [0-9A-F]{32}:0000 0A `).test(ns.run(['cat', '/proc/net/tcp6']));
    await waitFor(() => listening('08AF') && listening('08B0'), 20_000, 'the listeners on [::]:2223 and [::]:2224');
    const held = Promise.all([
      // Nothing stops uid 1000 binding ::ffff:10.0.0.2:2223 beside the V6ONLY listener and connecting out from it.
      hold(`::ffff:${X}`, 443, `::ffff:${OTHER_LOCAL}`, 2223, 1000),
      hold(SSHD, 2224, MEMBERS[0]!, 0),
    ]);
    // Each connection is held HOLD ms once made: read the tables as soon as both are there.
    let tables = { tcp: '', tcp6: '' };
    const connected = () => {
      tables = { tcp: ns.run(['cat', '/proc/net/tcp']), tcp6: ns.run(['cat', '/proc/net/tcp6']) };
      return onPorts(sampleTables(tables, 0, () => true)).length >= 2;
    };
    await waitFor(connected, 20_000, 'both connections');
    await held;
    const sample = sampleTables(tables, 0, () => true);
    expect(
      onPorts(sample)
        .map((r) => `${r.family} ${r.localIp}:${r.localPort} ${r.remoteIp} uid ${r.uid}`)
        .sort(),
    ).toEqual([`6 ${SSHD}:2224 ${MEMBERS[0]} uid 0`, `6 ${OTHER_LOCAL}:2223 ${X} uid 1000`]);
    const sshd = new SshdSockets([2223, 2224]).connections(sample);
    expect(sshd.map((r) => r.remoteIp)).toEqual([MEMBERS[0]]);
  }, 30_000);
});
