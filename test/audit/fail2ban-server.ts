import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runAudit } from '../../src/audit/run-audit.js';
import { installBundledFail2ban } from '../helpers/fail2ban-config.js';

/**
 * A real fail2ban-server in `dir` running only the bundled f2b-campaign jail (its filter and jail files, the
 * polling backend) on `dir/verdicts.log`, with a dummy action that writes +ip / -ip to `dir/dummy.bans`: never the
 * host's firewall. Its own socket, pid file, database and log (`dir/fail2ban.log`).
 */
export class Fail2banServer {
  readonly conf: string;
  readonly socket: string;
  readonly verdictLog: string;
  readonly fail2banLog: string;
  readonly bans: string;
  private server: { child: ChildProcess; exited: Promise<unknown> } | null = null;

  constructor(readonly dir: string) {
    this.conf = join(dir, 'conf');
    this.socket = join(dir, 'f2b.sock');
    this.verdictLog = join(dir, 'verdicts.log');
    this.fail2banLog = join(dir, 'fail2ban.log');
    this.bans = join(dir, 'dummy.bans');
  }

  /** Writes the configuration; `jail` adds lines to the jail's section (e.g. `bantime = 15`). */
  configure(jail: string[] = []): void {
    const conf = this.conf;
    mkdirSync(join(conf, 'jail.d'), { recursive: true });
    for (const item of [
      'fail2ban.conf',
      'jail.conf',
      'paths-common.conf',
      'paths-debian.conf',
      'action.d',
      'filter.d',
    ]) {
      cpSync(join('/etc/fail2ban', item), join(conf, item), { recursive: true });
    }
    installBundledFail2ban(conf, this.dir);
    const local = (name: string, lines: string[]) => writeFileSync(join(conf, name), `${lines.join('\n')}\n`);
    local('fail2ban.local', [
      '[Definition]',
      'loglevel = INFO',
      `logtarget = ${this.fail2banLog}`,
      `socket = ${this.socket}`,
      `pidfile = ${join(this.dir, 'f2b.pid')}`,
      `dbfile = ${join(this.dir, 'f2b.sqlite3')}`,
    ]);
    // Only the campaign jail (Debian's jail.d/defaults-debian.conf is not copied); a dummy action writes +ip / -ip.
    local('jail.local', [
      '[DEFAULT]',
      'ignoreip = 127.0.0.1/8 ::1 192.0.2.99',
      'ignoreself = false',
      `action = dummy[target="${this.bans}"]`,
    ]);
    local('jail.d/f2b-campaign.local', ['[f2b-campaign]', `logpath = ${this.verdictLog}`, ...jail]);
  }

  client(...args: string[]): string {
    return execFileSync('fail2ban-client', ['-s', this.socket, ...args], { encoding: 'utf8', stdio: 'pipe' });
  }

  /**
   * The addresses fail2ban has banned in the campaign jail now (`fail2ban-client get f2b-campaign banned`), as the
   * operator sees them: the dummy action's record says what happened, this what holds.
   */
  bannedNow(): string[] {
    return [...this.client('get', 'f2b-campaign', 'banned').matchAll(/'([^']+)'/g)].map((m) => m[1]!);
  }

  /**
   * `fail2ban-client reload`, as an operator runs it after editing jail.local: the client reads this server's
   * configuration (`-c`; without it, the host's /etc/fail2ban) and sends it to the running server.
   */
  reload(): string {
    return execFileSync('fail2ban-client', ['-c', this.conf, '-s', this.socket, 'reload'], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
  }

  async waitFor(what: string, test: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; fail2ban log:\n${this.readLog()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** fail2ban's log with its rotations, oldest first, for failure messages and the test output. */
  readLog(): string {
    const log = this.fail2banLog;
    return [`${log}.2.gz`, `${log}.1`, log]
      .filter((f) => existsSync(f))
      .map((f) => (f.endsWith('.gz') ? gunzipSync(readFileSync(f)) : readFileSync(f)).toString('utf8'))
      .join('');
  }

  /** The dummy action's record: `+ip` per ban, `-ip` per unban. */
  banned(): string {
    return existsSync(this.bans) ? readFileSync(this.bans, 'utf8') : '';
  }

  async start(): Promise<void> {
    const child = spawn(
      'fail2ban-server',
      ['-f', '-x', '-c', this.conf, '-s', this.socket, '-p', join(this.dir, 'f2b.pid')],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    // Taken at once: a server that fails to start may be gone before anyone asks.
    this.server = { child, exited: new Promise((resolve) => child.once('exit', resolve)) };
    await this.waitFor('fail2ban-server to run the f2b-campaign jail', () => {
      try {
        return this.client('status').includes('f2b-campaign');
      } catch {
        return false;
      }
    });
  }

  async stop(): Promise<void> {
    const running = this.server;
    if (!running) return;
    this.client('stop');
    await running.exited;
    this.server = null;
  }

  /**
   * Stops it, or kills it if the client cannot (for afterAll), and waits until it has exited: it writes its log,
   * database and pid file in `dir` as it stops, and the directory goes next.
   */
  async dispose(): Promise<void> {
    const running = this.server;
    if (!running) return;
    try {
      await this.stop();
    } catch {
      running.child.kill('SIGTERM');
      const late = setTimeout(() => running.child.kill('SIGKILL'), 10_000);
      await running.exited;
      clearTimeout(late);
      this.server = null;
    }
  }

  /**
   * logrotate itself, as the package's logrotate file configures it (rotate 90, compress, delaycompress), or with
   * `copytruncate` in place of its `create`, as an admin's own stanza may have it.
   */
  rotate(paths = [this.verdictLog, this.fail2banLog], how: 'create' | 'copytruncate' = 'create', delay = true): void {
    const rules = join(this.dir, 'logrotate.conf');
    const keep = how === 'create' ? 'create 0640 root root' : 'copytruncate';
    const compress = delay ? 'compress\n  delaycompress' : 'compress';
    writeFileSync(rules, `${paths.join(' ')} {\n  rotate 90\n  ${compress}\n  missingok\n  ${keep}\n}\n`);
    execFileSync('logrotate', ['-f', '-s', join(this.dir, 'logrotate.state'), rules], { stdio: 'pipe' });
  }

  /**
   * `f2b-campaign audit` over this server's verdict and fail2ban logs: the first campaign's members, each with the
   * outcome of each of its verdicts (a verdict counted twice would show twice).
   */
  async auditedMembers(): Promise<Array<[ip: string, outcomes: string[]]>> {
    const report = await runAudit({
      verdictLog: this.verdictLog,
      fail2banLog: this.fail2banLog,
      jail: 'f2b-campaign',
      matchWindow: 86_400_000,
      filters: {},
      now: Date.now(),
    });
    return [...report.campaigns[0]!.members.values()].map((m) => [m.ip, m.verdicts.map((v) => v.outcome.status)]);
  }
}
