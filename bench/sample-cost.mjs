// Cost of one socket sample with 50,000 sockets in /proc/net/tcp: a synthetic table is written to a temp dir and
// the service's own sampling path runs over it (read tcp+tcp6, decode sshd's rows, listeners and outbound
// connections, track lifetimes, feed the correlation core and its alerts). Two mixes: 5% of the sockets on port 22
// and the rest to a web server on 443 (a busy server, with 1% outbound connections of its own), and all on 22 (a
// flood on sshd).
// Usage: node bench/sample-cost.mjs [rows=50000] [iterations=30]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const rows = Number(process.argv[2] ?? 50_000);
const iterations = Number(process.argv[3] ?? 30);
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

try {
  measure('busy server (5% sshd)', 0.05);
  measure('flood on sshd (100%) ', 1);
  // What these figures leave out: the tables are read from a regular file, so the kernel's own cost of producing
  // /proc/net/tcp for 50,000 sockets (paid by the service, as system time, at every sample) is not in them.
  console.log("(tables read from a file in a temp dir: the kernel's cost of producing /proc/net/tcp is not included)");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
