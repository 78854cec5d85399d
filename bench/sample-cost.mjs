// Cost of one socket sample with 50,000 sockets in /proc/net/tcp, in two parts.
// (1) A synthetic table written to a temp dir, through the service's own sampling path (read tcp+tcp6, decode
// sshd's rows, listeners and outbound connections, track lifetimes, feed the correlation core and its alerts). Two
// mixes: 5% of the sockets on port 22 and the rest to a web server on 443 (a busy server, with 1% outbound
// connections of its own), and all on 22 (a flood on sshd). No peer reads a synthetic file.
// (2) Real sockets, beside iproute2's `ss` (netlink) on the same sockets in the same run: child processes hold
// real loopback TCP connections (2 sockets each in the table, 5% to a listener standing for sshd, the rest to
// others), and the real /proc/net/tcp is sampled by our path and listed by `ss -tan`, and by `ss` with sshd's port
// filtered in the kernel. Here the kernel's cost of producing the table is included.
// Usage: node bench/sample-cost.mjs [rows=50000] [iterations=30] [real sockets=50000]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const rows = Number(process.argv[2] ?? 50_000);
const iterations = Number(process.argv[3] ?? 30);
const realSockets = Number(process.argv[4] ?? 50_000);
if (!existsSync('/usr/bin/ss') && !existsSync('/bin/ss')) throw new Error('ss is missing: apt-get install iproute2');
const dir = mkdtempSync(join(tmpdir(), 'f2b-bench-sample-'));

// The modules under test, bundled from src/ the way the program is (no TypeScript loader needed).
const entry = `
export { readTables, sampleTables } from './src/sources/socket-sampler.ts';
export { SocketTracker } from './src/sources/socket-tracker.ts';
export { createCore } from './src/correlate/create-core.ts';
export { DEBIAN_DEFAULT_THRESHOLDS } from './src/core/fail2ban-thresholds.ts';
`;
const out = join(dir, 'lib.mjs');
await build({
  stdin: { contents: entry, resolveDir: REPO, loader: 'ts' },
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  logLevel: 'silent',
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
});
const lib = await import(out);

const hex4 = (n) => n.toString(16).toUpperCase().padStart(4, '0');
const le = (ip) =>
  ip
    .split('.')
    .map((o) => Number(o).toString(16).toUpperCase().padStart(2, '0'))
    .reverse()
    .join('');
function table(n, sshShare) {
  const lines = ['  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'];
  for (const port of [22, 443]) {
    lines.push(
      `${String(lines.length - 1).padStart(5)}: 00000000:${hex4(port)} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${port} 1 0000000000000000 100 0 0 10 0`,
    );
  }
  const sshEvery = Math.round(1 / sshShare);
  const states = ['01', '01', '01', '03', '06', '08'];
  for (let i = 0; i < n; i++) {
    // Outbound: an ephemeral local port to a database elsewhere (what the lateral-movement alerts follow).
    const outbound = sshShare < 1 && i % 100 === 1;
    const local = outbound ? 32768 + (i % 28000) : i % sshEvery === 0 ? 22 : 443;
    const remotePort = outbound ? 5432 : 1024 + (i % 60000);
    const remote = `${(i >> 16) + 11}.${(i >> 8) & 255}.${i & 255}.${(i % 250) + 1}`;
    lines.push(
      `${String(i).padStart(5)}: ${le('192.0.2.10')}:${hex4(local)} ${le(remote)}:${hex4(remotePort)} ${states[i % states.length]} 00000000:00000000 00:00000000 00000000     0        0 ${100000 + i} 1 0000000000000000 20 4 30 10 -1`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const SSH = new Set([22]);
function measure(label, sshShare) {
  writeFileSync(join(dir, 'tcp'), table(rows, sshShare));
  writeFileSync(
    join(dir, 'tcp6'),
    '  sl  local_address                         remote_address                        st\n',
  );
  const tracker = new lib.SocketTracker([22]);
  const core = lib.createCore({}, lib.DEBIAN_DEFAULT_THRESHOLDS);
  const times = [];
  let kept = 0;
  let toSshd = 0;
  const t0 = Date.now();
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    const sample = lib.sampleTables(lib.readTables(dir), t0 + i * 30_000, () => true, { ports: SSH, outbound: true });
    tracker.update(sample);
    core.onSocketSample(sample);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    kept = sample.rows.length;
    toSshd = sample.rows.filter((r) => tracker.relevant(r)).length;
  }
  const sorted = [...times].sort((a, b) => a - b);
  const pick = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1);
  const rss = (process.memoryUsage().rss / 1048576).toFixed(0);
  console.log(
    `${label}: ${rows} sockets, ${kept} decoded (${toSshd} to sshd); one sample: median ${pick(0.5)} ms, p95 ${pick(0.95)} ms, first ${times[0].toFixed(1)} ms; RSS ${rss} MB`,
  );
}

// (2) Real sockets. A holder process listens on 127.0.0.1 and connects to itself `count` times from 127.0.0.2-201
// (several source addresses, so the ephemeral ports do not run out), keeping both ends open; several holders keep
// each one under the file descriptor limit (often 20,000 here). Each prints its port once its connections are up.
const HOLDER = `
const net = require('node:net');
const count = Number(process.argv[1]);
const kept = [];
const server = net.createServer((s) => kept.push(s));
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, async () => {
  const { port } = server.address();
  for (let i = 0; i < count; i += 500) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 500); j++) {
      batch.push(new Promise((ok, fail) => {
        const c = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.' + (2 + (j % 200)) }, () => ok(c));
        c.on('error', fail);
        kept.push(c);
      }));
    }
    await Promise.all(batch);
  }
  while (kept.length < 2 * count) await new Promise((r) => setTimeout(r, 10));
  process.stdout.write(port + '\\n');
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

async function holder(count) {
  const child = spawn(process.execPath, ['-e', HOLDER, String(count)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.on('exit', (code) => reject(new Error(`socket holder exited (${code})`)));
  });
  return { child, port };
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
/** Wall milliseconds of a command run to completion (output to /dev/null), median of `iterations`. */
function timeCommand(argv) {
  const times = [];
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status})`);
  }
  return median(times);
}

async function real() {
  const connections = Math.round(realSockets / 2);
  const sshd = Math.round(connections * 0.05);
  const perHolder = 9_000;
  const holders = [await holder(sshd)];
  for (let left = connections - sshd; left > 0; left -= perHolder)
    holders.push(await holder(Math.min(perHolder, left)));
  try {
    const sshdPort = holders[0].port;
    const listed = spawnSync('ss', ['-tan'], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout.split('\n').length - 2;
    const filter = ['ss', '-tn', 'state', 'established', `( sport = :${sshdPort} )`];
    const filtered = spawnSync(filter[0], filter.slice(1), { encoding: 'utf8', maxBuffer: 1 << 28 });
    const ssSshd = filtered.stdout.split('\n').length - 2;
    // ignoreip emptied: the connections come from 127.0.0.x, which Debian's defaults ignore.
    const thresholds = { ...lib.DEBIAN_DEFAULT_THRESHOLDS, ignoreip: [] };
    const ours = (outbound) => {
      const tracker = new lib.SocketTracker([sshdPort]);
      const core = lib.createCore({}, thresholds);
      const ports = new Set([sshdPort]);
      const read = [];
      const whole = [];
      let kept = 0;
      const t0 = Date.now();
      for (let i = 0; i < iterations; i++) {
        const start = process.hrtime.bigint();
        const tables = lib.readTables('/proc/net');
        read.push(Number(process.hrtime.bigint() - start) / 1e6);
        const sample = lib.sampleTables(tables, t0 + i * 30_000, () => true, { ports, outbound });
        tracker.update(sample);
        core.onSocketSample(sample);
        whole.push(Number(process.hrtime.bigint() - start) / 1e6);
        kept = sample.rows.length;
      }
      return { read: median(read), whole: median(whole), kept };
    };
    const withOutbound = ours(true);
    const sshdOnly = ours(false);
    const rows = [
      ['f2b-campaign: read /proc/net/tcp{,6} only (in process)', withOutbound.read, `${listed} sockets read`],
      [
        'f2b-campaign: one sample as the service takes it (read, select, decode, track, core; outbound on)',
        withOutbound.whole,
        `${withOutbound.kept} decoded: sshd's, and every client end, which is this host's outbound connection`,
      ],
      ["f2b-campaign: one sample, sshd's port only (outbound off)", sshdOnly.whole, `${sshdOnly.kept} decoded`],
      ['cat /proc/net/tcp /proc/net/tcp6 > /dev/null', timeCommand(['cat', '/proc/net/tcp', '/proc/net/tcp6']), ''],
      ['ss -tan > /dev/null (netlink, every socket)', timeCommand(['ss', '-tan']), `${listed} sockets listed`],
      [`ss -tn state established '( sport = :${sshdPort} )'`, timeCommand(filter), `${ssSshd} sockets listed`],
      ['(process start alone: /bin/true)', timeCommand(['/bin/true']), ''],
    ];
    console.log(
      `\nreal sockets: ${connections} loopback connections held by ${holders.length} processes (${listed} sockets in ` +
        `the table), ${sshd} of them to the port standing for sshd; median of ${iterations}, ms:\n`,
    );
    console.log('| what | ms | vs our whole sample | |');
    console.log('|---|---:|---:|---|');
    const base = withOutbound.whole;
    for (const [name, ms, note] of rows)
      console.log(`| ${name} | ${ms.toFixed(1)} | ${(ms / base).toFixed(2)}x | ${note} |`);
  } finally {
    for (const h of holders) h.child.stdin.end();
    await Promise.all(
      holders.map((h) => new Promise((r) => (h.child.exitCode !== null ? r() : h.child.on('exit', r)))),
    );
  }
}

try {
  measure('busy server (5% sshd)', 0.05);
  measure('flood on sshd (100%) ', 1);
  // What these figures leave out: the tables are read from a regular file, so the kernel's own cost of producing
  // /proc/net/tcp for 50,000 sockets (paid by the service, as system time, at every sample) is not in them.
  console.log("(tables read from a file in a temp dir: the kernel's cost of producing /proc/net/tcp is not included)");
  await real();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
