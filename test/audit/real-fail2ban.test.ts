import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { renderTable } from '../../src/audit/report-table.js';
import { runAudit } from '../../src/audit/run-audit.js';
import type { Verdict } from '../../src/core/verdict.js';
import { ban, campaignVerdict, removeTempDir, tempDir, verdictLines } from './log-writers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = tempDir('fail2ban');
const conf = join(dir, 'conf');
const socket = join(dir, 'f2b.sock');
const verdictLog = join(dir, 'verdicts.log');
const fail2banLog = join(dir, 'fail2ban.log');
const bans = join(dir, 'dummy.bans');
let server: ChildProcess | null = null;

/** The bundled jail and filter (fail2ban/), or the fixture copy taken before they landed. */
function bundled(item: string): string {
  const shipped = join(ROOT, 'fail2ban', item);
  return existsSync(shipped) ? shipped : join(ROOT, 'test/audit/fixtures/fail2ban', item);
}

function configure(): void {
  mkdirSync(join(conf, 'jail.d'), { recursive: true });
  for (const item of ['fail2ban.conf', 'jail.conf', 'paths-common.conf', 'paths-debian.conf', 'action.d', 'filter.d']) {
    cpSync(join('/etc/fail2ban', item), join(conf, item), { recursive: true });
  }
  for (const item of ['filter.d/f2b-campaign.conf', 'jail.d/f2b-campaign.conf'])
    cpSync(bundled(item), join(conf, item));
  const local = (name: string, lines: string[]) => writeFileSync(join(conf, name), `${lines.join('\n')}\n`);
  local('fail2ban.local', [
    '[Definition]',
    'loglevel = INFO',
    `logtarget = ${fail2banLog}`,
    `socket = ${socket}`,
    `pidfile = ${join(dir, 'f2b.pid')}`,
    `dbfile = ${join(dir, 'f2b.sqlite3')}`,
  ]);
  // Only the campaign jail (Debian's jail.d/defaults-debian.conf is not copied); a dummy action writes +ip / -ip.
  local('jail.local', [
    '[DEFAULT]',
    'ignoreip = 127.0.0.1/8 ::1 192.0.2.99',
    'ignoreself = false',
    `action = dummy[target="${bans}"]`,
  ]);
  local('jail.d/f2b-campaign.local', ['[f2b-campaign]', `logpath = ${verdictLog}`]);
}

const client = (...args: string[]) =>
  execFileSync('fail2ban-client', ['-s', socket, ...args], { encoding: 'utf8', stdio: 'pipe' });

async function waitFor(what: string, test: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; fail2ban log:\n${readLog()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** fail2ban's log with its rotations, oldest first, for failure messages and the test output. */
const readLog = () =>
  [`${fail2banLog}.2.gz`, `${fail2banLog}.1`, fail2banLog]
    .filter((f) => existsSync(f))
    .map((f) => (f.endsWith('.gz') ? gunzipSync(readFileSync(f)) : readFileSync(f)).toString('utf8'))
    .join('');
const banned = () => (existsSync(bans) ? readFileSync(bans, 'utf8') : '');

async function start(): Promise<void> {
  server = spawn('fail2ban-server', ['-f', '-x', '-c', conf, '-s', socket, '-p', join(dir, 'f2b.pid')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await waitFor('fail2ban-server to run the f2b-campaign jail', () => {
    try {
      return client('status').includes('f2b-campaign');
    } catch {
      return false;
    }
  });
}

async function stop(): Promise<void> {
  const running = server;
  if (!running) return;
  const exited = new Promise((r) => running.once('exit', r));
  client('stop');
  await exited;
  server = null;
}

/** logrotate itself, as the package's logrotate file configures it (daily, rotate 90, compress, delaycompress). */
function rotate(): void {
  const rules = join(dir, 'logrotate.conf');
  writeFileSync(
    rules,
    `${verdictLog} ${fail2banLog} {\n  rotate 90\n  compress\n  delaycompress\n  missingok\n  create 0640 root root\n}\n`,
  );
  execFileSync('logrotate', ['-f', '-s', join(dir, 'logrotate.state'), rules], { stdio: 'pipe' });
}

const write = (verdicts: Verdict[]) => appendFileSync(verdictLog, `${verdictLines(verdicts).join('\n')}\n`);

afterAll(async () => {
  if (server) {
    try {
      await stop();
    } catch {
      server.kill('SIGTERM');
    }
  }
  removeTempDir(dir);
});

describe('audit reconciled with a real fail2ban-server run', () => {
  it('finds every ban fail2ban made, the ignoreip member it skipped, and the verdict written while it was down', async () => {
    configure();
    const t0 = Date.now();
    writeFileSync(verdictLog, '');
    write([
      campaignVerdict(t0, 'c-real', 'open', 5, 'rhythm+dictionary'),
      ...['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '192.0.2.99'].map((ip, i) =>
        ban(t0 + i, ip, 'c-real', 'rhythm+dictionary', i === 0 ? 'oracle' : 'root'),
      ),
    ]);
    await start();
    await waitFor('the first four bans', () => (banned().match(/^\+198\.51\.100\.[1-4]$/gm) ?? []).length === 4);
    write([ban(Date.now(), '198.51.100.5', 'c-real', 'fingerprint')]);
    await waitFor('the fifth ban', () => banned().includes('+198.51.100.5'));
    await stop();
    rotate();
    // Written while fail2ban is stopped: banned when it comes back (late).
    const whileDown = Date.now();
    write([
      ban(whileDown, '198.51.100.6', 'c-real', 'fingerprint'),
      {
        time: whileDown + 1,
        verb: 'ALERT',
        fields: [
          ['kind', 'compromise'],
          ['ip', '198.51.100.1'],
          ['user', 'oracle'],
          ['campaign', 'c-real'],
        ],
      },
    ]);
    await new Promise((r) => setTimeout(r, 1500));
    await start();
    await waitFor('the ban of the verdict written while fail2ban was down', () => banned().includes('+198.51.100.6'));
    await stop();
    rotate();
    // Written after fail2ban stopped for good: never banned.
    write([
      ban(Date.now(), '198.51.100.7', 'c-real', 'fingerprint'),
      campaignVerdict(Date.now(), 'c-real', 'end', 7, 'rhythm+dictionary'),
    ]);

    const report = await runAudit({
      verdictLog,
      fail2banLog,
      jail: 'f2b-campaign',
      matchWindow: 86_400_000,
      filters: {},
      now: Date.now(),
    });
    console.log(`fail2ban log:\n${readLog()}\naudit:\n${renderTable(report)}`);
    expect(report.sources.verdictFiles.map((f) => f.slice(dir.length + 1))).toEqual([
      'verdicts.log.2.gz',
      'verdicts.log.1',
      'verdicts.log',
    ]);
    expect(report.sources.fail2banFiles.map((f) => f.slice(dir.length + 1))).toEqual([
      'fail2ban.log.2.gz',
      'fail2ban.log.1',
      'fail2ban.log',
    ]);
    const c = report.campaigns[0]!;
    const outcome = (ip: string) => {
      const o = c.members.get(ip)!.verdicts[0]!.outcome;
      return o.status === 'not-banned' ? o.why : o.status;
    };
    expect(Object.fromEntries([...c.members.keys()].map((ip) => [ip, outcome(ip)]))).toEqual({
      '198.51.100.1': 'banned',
      '198.51.100.2': 'banned',
      '198.51.100.3': 'banned',
      '198.51.100.4': 'banned',
      '192.0.2.99': 'ignoreip',
      '198.51.100.5': 'banned',
      '198.51.100.6': 'banned',
      '198.51.100.7': 'fail2ban-down',
    });
    const late = c.members.get('198.51.100.6')!.verdicts[0]!.outcome;
    expect(late.status === 'banned' && late.delay).toBeGreaterThanOrEqual(1500);
    expect(report.fail2banUptime).toHaveLength(2);
    expect(report.alerts).toHaveLength(1);
    expect(c.end).not.toBeNull();
  }, 120_000);
});
