#!/usr/bin/env node
// Writes a synthetic sshd log in traditional syslog form, the one every peer (fail2ban-regex, sshg-parser) reads:
// a mix of failed passwords (valid and invalid users, each with its Invalid user line), pre-auth probes, and
// successful logins with their session lines, over ~100k distinct addresses. Deterministic (seeded).
import { createWriteStream, writeFileSync } from 'node:fs';

const [out = 'bench/out/sshd-1m.log', linesArg = '1000000', sourcesArg = '100000'] = process.argv.slice(2);
const LINES = Number(linesArg);
const SOURCES = Number(sourcesArg);

// mulberry32 in 32-bit integer arithmetic. (An LCG written with plain `*` loses its low bits past 2^53: the
// generator this replaced cycled through only 2,560 addresses instead of ~100k.)
let seed = 42;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const seen = new Set();
const pick = (list) => list[Math.floor(rand() * list.length)];
const USERS = ['root', 'admin', 'test', 'user', 'oracle', 'postgres', 'ubuntu', 'git', 'ftp', 'guest', 'pi', 'support'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const addr = (i) => `${11 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.${1 + (i % 200)}`;

const stream = createWriteStream(out);
let time = Date.UTC(2026, 1, 1);
let pid = 10000;
let written = 0;
let buf = [];
const stamp = () => {
  const d = new Date(time);
  const p = (n) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
};
const line = (msg) => {
  buf.push(`${stamp()} bench sshd[${pid}]: ${msg}`);
  written++;
};

while (written < LINES) {
  time += Math.floor(rand() * 400);
  pid++;
  const ip = addr(Math.floor(rand() * SOURCES));
  seen.add(ip);
  const port = 1024 + Math.floor(rand() * 60000);
  const r = rand();
  if (r < 0.6) {
    const user = pick(USERS);
    const invalid = user !== 'root' && rand() < 0.7;
    if (invalid) line(`Invalid user ${user} from ${ip} port ${port}`);
    const tries = 1 + Math.floor(rand() * 3);
    for (let t = 0; t < tries; t++)
      line(`Failed password for ${invalid ? 'invalid user ' : ''}${user} from ${ip} port ${port} ssh2`);
    line(`Connection closed by ${invalid ? 'invalid' : 'authenticating'} user ${user} ${ip} port ${port} [preauth]`);
  } else if (r < 0.9) {
    line(
      pick([
        `Connection closed by ${ip} port ${port} [preauth]`,
        `Did not receive identification string from ${ip} port ${port}`,
        `Connection reset by ${ip} port ${port} [preauth]`,
      ]),
    );
  } else {
    line(
      `Accepted publickey for deploy from ${ip} port ${port} ssh2: ED25519 SHA256:0dd3Pq0J1qq4bp/zCMRbGl4UbzvjJGvyv0s8aB9CO1o`,
    );
    line('pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)');
    line(`Disconnected from user deploy ${ip} port ${port}`);
    line('pam_unix(sshd:session): session closed for user deploy');
  }
  if (buf.length >= 10000) {
    if (!stream.write(`${buf.join('\n')}\n`)) await new Promise((r) => stream.once('drain', r));
    buf = [];
  }
}
stream.end(buf.length ? `${buf.join('\n')}\n` : '');
await new Promise((r) => stream.on('finish', r));
// What the log really holds, for the benchmark to print (the pool size above is only an upper bound).
writeFileSync(`${out}.json`, `${JSON.stringify({ lines: written, addresses: seen.size })}\n`);
console.error(`wrote ${written} lines from ${seen.size} distinct addresses to ${out}`);
