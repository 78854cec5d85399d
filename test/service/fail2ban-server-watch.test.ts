import { mkdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fail2banPidfile } from '../../src/fail2ban/server-pidfile.js';
import { Fail2banServerWatch, followFail2ban } from '../../src/service/fail2ban-server-watch.js';
import { removeTempDir, tempDir } from '../audit/log-writers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeTempDir(dir);
});

/** A fail2ban configuration directory whose fail2ban.local names `pidfile` (none: fail2ban.conf alone). */
function configDir(pidfile?: string): string {
  const dir = tempDir('server-watch');
  dirs.push(dir);
  mkdirSync(join(dir, 'conf', 'fail2ban.d'), { recursive: true });
  writeFileSync(join(dir, 'conf', 'fail2ban.conf'), '[Definition]\nloglevel = INFO\npidfile = /nowhere/f2b.pid\n');
  if (pidfile !== undefined) writeFileSync(join(dir, 'conf', 'fail2ban.local'), `[Definition]\npidfile = ${pidfile}\n`);
  return dir;
}

/** What fail2ban-server does to its pid file as it starts (server.py: created, then written). */
function serverStarts(pidfile: string, pid: number): void {
  writeFileSync(`${pidfile}.tmp`, `${pid}\n`);
  renameSync(`${pidfile}.tmp`, pidfile); // a new inode, as a new server's open('w') after the old one removed it
}

describe("fail2ban-server's pid file", () => {
  it("is where fail2ban layers it: fail2ban.local over fail2ban.conf, fail2ban.d too, else fail2ban's default", () => {
    const dir = configDir('/run/elsewhere/f2b.pid');
    expect(fail2banPidfile(join(dir, 'conf'))).toBe('/run/elsewhere/f2b.pid');
    writeFileSync(join(dir, 'conf', 'fail2ban.d', 'z.local'), '[Definition]\npidfile = /run/z.pid\n');
    expect(fail2banPidfile(join(dir, 'conf'))).toBe('/run/z.pid');
    writeFileSync(join(dir, 'conf', 'fail2ban.conf'), '[Definition]\nloglevel = INFO\n');
    rmSync(join(dir, 'conf', 'fail2ban.local'));
    rmSync(join(dir, 'conf', 'fail2ban.d', 'z.local'));
    expect(fail2banPidfile(join(dir, 'conf'))).toBe('/var/run/fail2ban/fail2ban.pid');
    // No fail2ban.conf: no server runs with this directory, nothing is followed.
    expect(fail2banPidfile(join(dir, 'absent'))).toBeNull();
  });
});

/** A watch following a configuration whose pid file is `dir/f2b.pid`, no server running yet. */
function followed(): { dir: string; pidfile: string; watch: Fail2banServerWatch } {
  const dir = configDir();
  const pidfile = join(dir, 'f2b.pid');
  writeFileSync(join(dir, 'conf', 'fail2ban.local'), `[Definition]\npidfile = ${pidfile}\n`);
  const watch = new Fail2banServerWatch();
  watch.follow(join(dir, 'conf'));
  return { dir, pidfile, watch };
}

describe('following fail2ban-server through its pid file', () => {
  it('tells a start, a stop and a restart, each once, and nothing while the server runs on', () => {
    const { pidfile, watch } = followed();
    expect(watch.check()).toEqual([]); // no server yet
    serverStarts(pidfile, 4242);
    expect(watch.check()).toEqual([{ kind: 'started', pid: '4242', pidfile }]);
    expect(watch.check()).toEqual([]);
    rmSync(pidfile);
    expect(watch.check()).toEqual([{ kind: 'stopped', pidfile }]);
    expect(watch.check()).toEqual([]);
    serverStarts(pidfile, 4300);
    expect(watch.check()).toEqual([{ kind: 'started', pid: '4300', pidfile }]);
    // Stopped and started again between two looks: a restart. Under the same pid too (pids wrap), by its new file.
    serverStarts(pidfile, 4300);
    expect(watch.check()).toEqual([{ kind: 'restarted', pid: '4300', pidfile }]);
    expect(watch.check()).toEqual([]);
  });

  it('takes the server found at start, or after a reload names another directory, as found, not as a start', () => {
    const dir = configDir();
    const [first, second] = [join(dir, 'a.pid'), join(dir, 'b.pid')];
    serverStarts(first, 10);
    serverStarts(second, 20);
    writeFileSync(join(dir, 'conf', 'fail2ban.local'), `[Definition]\npidfile = ${first}\n`);
    const watch = new Fail2banServerWatch();
    watch.follow(join(dir, 'conf'));
    expect(watch.check()).toEqual([]);
    writeFileSync(join(dir, 'conf', 'fail2ban.local'), `[Definition]\npidfile = ${second}\n`);
    watch.follow(join(dir, 'conf'));
    expect(watch.check()).toEqual([]);
    serverStarts(second, 21);
    expect(watch.check()).toEqual([{ kind: 'restarted', pid: '21', pidfile: second }]);
  });

  it('waits for the pid of a file created and not yet written, and follows nothing without fail2ban.conf', () => {
    const { dir, pidfile, watch } = followed();
    writeFileSync(pidfile, '');
    expect(watch.check()).toEqual([]);
    writeFileSync(pidfile, '77\n');
    expect(watch.check()).toEqual([{ kind: 'started', pid: '77', pidfile }]);

    const none = new Fail2banServerWatch();
    none.follow(join(dir, 'absent'));
    rmSync(pidfile);
    serverStarts(pidfile, 78);
    expect(none.check()).toEqual([]);
  });

  it("tells each reload the kill action marks beside the pid file, not the mark's going with fail2ban's run directory", () => {
    const { dir, pidfile, watch } = followed();
    const mark = join(dir, 'f2b-campaign.reloaded'); // the name action.d/f2b-campaign-kill.conf gives it
    serverStarts(pidfile, 500);
    expect(watch.check()).toEqual([{ kind: 'started', pid: '500', pidfile }]);
    writeFileSync(mark, ''); // the first reload since the start: `touch` creates it
    const at = statSync(mark).mtimeMs;
    expect(watch.check()).toEqual([{ kind: 'reloaded', mark, at }]);
    expect(watch.check()).toEqual([]);
    utimesSync(mark, new Date(at + 5_000), new Date(at + 5_000)); // touched again
    expect(watch.check()).toEqual([{ kind: 'reloaded', mark, at: statSync(mark).mtimeMs }]);
    // A stop under systemd: the pid file and the mark go with /run/fail2ban; the start after it is one change.
    rmSync(mark);
    rmSync(pidfile);
    expect(watch.check()).toEqual([{ kind: 'stopped', pidfile }]);
    serverStarts(pidfile, 501);
    expect(watch.check()).toEqual([{ kind: 'started', pid: '501', pidfile }]);
  });
});

describe('what the service does of a change', () => {
  it('reloads at a start or restart, and at a reload marked after its configuration began to be read', () => {
    const started = followFail2ban({ kind: 'restarted', pid: '9', pidfile: '/run/f.pid' }, 0);
    expect(started).toEqual({
      record: { event: 'fail2ban-server-started', serverPid: '9', pidfile: '/run/f.pid', restarted: true },
      reload: true,
    });
    expect(followFail2ban({ kind: 'stopped', pidfile: '/run/f.pid' }, 0)).toEqual({
      record: { event: 'fail2ban-server-stopped', pidfile: '/run/f.pid' },
      reload: false,
    });
    // The SIGHUP that systemctl reload fail2ban propagates began its read after fail2ban marked its reload: once is enough.
    const mark = { kind: 'reloaded', mark: '/run/m', at: 1_000 } as const;
    expect(followFail2ban(mark, 1_000)).toEqual({
      record: { event: 'fail2ban-server-reloaded', mark: '/run/m', readSince: true },
      reload: false,
    });
    expect(followFail2ban(mark, 999)).toEqual({
      record: { event: 'fail2ban-server-reloaded', mark: '/run/m', readSince: false },
      reload: true,
    });
  });
});
