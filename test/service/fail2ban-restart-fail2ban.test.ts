import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Fail2banServer } from '../audit/fail2ban-server.js';
import { removeTempDir, tempDir } from '../audit/log-writers.js';
import { runCli } from '../helpers/bundle-cli.js';
import { bundledSuite } from './bundled-suite.js';
import { type ServiceProcess, serviceLog, stopCleanly, waitFor } from './helpers.js';

/**
 * An operator edits jail.local and restarts fail2ban (`systemctl restart fail2ban`, which systemd does not propagate
 * as it does a reload), or reloads it with `fail2ban-client reload`, which systemd never hears of: the bundled
 * program's `run` follows a real fail2ban-server (test/audit/fail2ban-server.ts) through its pid file and the mark
 * the bundled kill action touches at each reload, and reads fail2ban's configuration again, as the server did. A
 * stop alone changes nothing; the start after it does.
 */
const suite = bundledSuite('f2b-restart');
const servers: Fail2banServer[] = [];
afterEach(async () => {
  for (const f2b of servers.splice(0)) {
    await f2b.dispose();
    removeTempDir(f2b.dir);
  }
});

/** [DEFAULT] ignoreip in the fail2ban-server's jail.local (test/audit/fail2ban-server.ts), ignoreself off. */
const FAIL2BAN_IGNOREIP = ['127.0.0.1/8', '::1', '192.0.2.99'];
const COLLEAGUE = '198.51.100.23';

describe('a restart or reload of fail2ban-server (the bundled service and a real fail2ban-server)', () => {
  it('reloads the service with the jail files as the server read them; a stop alone does not', async () => {
    const f2b = new Fail2banServer(tempDir('f2b-restart'));
    servers.push(f2b);
    f2b.configure();
    writeFileSync(f2b.verdictLog, '');
    await f2b.start();

    const dir = join(suite.dir, 'service');
    mkdirSync(join(dir, 'net'), { recursive: true });
    writeFileSync(join(dir, 'net', 'tcp'), '  sl  local_address rem_address   st\n');
    writeFileSync(join(dir, 'auth.log'), '');
    const conf = join(dir, 'f2b-campaign.conf');
    writeFileSync(conf, `[service]\nstart_at = start\nruntime_dir = ${join(dir, 'run')}\n`);
    const service: ServiceProcess = suite.start(
      [
        ...['--config', conf, '--auth-log', join(dir, 'auth.log'), '--verdicts', f2b.verdictLog],
        ...['--state-dir', join(dir, 'state'), '--sockets-from', join(dir, 'net'), '--fail2ban-dir', f2b.conf],
      ],
      join(dir, 'service.out'),
    );
    const events = (name: string) => serviceLog(service.out).filter((l) => l['event'] === name);
    const failure = (what: string) => (e: unknown) => {
      throw new Error(`${e} (${what}); service log:\n${readFileSync(service.out, 'utf8').slice(-3000)}`);
    };
    type Shown = { ignoreip: { fail2ban: string[] }; fail2banServer: unknown };
    const shown = async () => {
      const status = await runCli(suite.bundle, ['status', '--runtime-dir', join(dir, 'run'), '--json']);
      expect(status.code).toBe(0);
      return JSON.parse(status.stdout) as Shown;
    };
    const ignoreipShown = async () => (await shown()).ignoreip.fail2ban;
    const pidfile = join(f2b.dir, 'f2b.pid');
    const serverPid = () => readFileSync(pidfile, 'utf8').trim();
    await waitFor(() => events('service-started').length > 0, 20_000, 'the start').catch(failure('start'));
    expect(await ignoreipShown()).toEqual(FAIL2BAN_IGNOREIP);
    expect((await shown()).fail2banServer).toEqual({ pidfile, running: true, pid: serverPid() });

    // The operator's edit, then the restart's stop: the service, which follows what the running server read, waits.
    const jailLocal = join(f2b.conf, 'jail.local');
    const original = readFileSync(jailLocal, 'utf8');
    writeFileSync(jailLocal, original.replace(/^ignoreip = (.*)$/m, `ignoreip = $1 ${COLLEAGUE}`));
    await f2b.stop();
    await waitFor(() => events('fail2ban-server-stopped').length > 0, 10_000, 'the stop seen').catch(failure('stop'));
    expect(events('config-reloaded')).toEqual([]);
    expect(await ignoreipShown()).toEqual(FAIL2BAN_IGNOREIP);
    // Said in status within its 5 s rewrite: a stopped fail2ban bans nothing the verdicts say.
    const statusFile = () => JSON.parse(readFileSync(join(dir, 'run', 'status.json'), 'utf8')) as Shown;
    const stopped = JSON.stringify({ pidfile, running: false, pid: null });
    await waitFor(() => JSON.stringify(statusFile().fail2banServer) === stopped, 10_000, 'status: not running');
    expect((await shown()).fail2banServer).toEqual({ pidfile, running: false, pid: null });

    // The restart's start: the new server read jail.local, and so does the service.
    await f2b.start();
    await waitFor(() => events('config-reloaded').length > 0, 20_000, 'the reload').catch(failure('reload'));
    expect(events('fail2ban-server-started')).toEqual([
      expect.objectContaining({ serverPid: serverPid(), pidfile, restarted: false }),
    ]);
    expect(await ignoreipShown()).toEqual([...FAIL2BAN_IGNOREIP, COLLEAGUE]);
    expect((await shown()).fail2banServer).toEqual({ pidfile, running: true, pid: serverPid() });

    // Taken back and restarted again: the address is gone from the service's list too, after one more reload.
    writeFileSync(jailLocal, original);
    await f2b.stop();
    await f2b.start();
    await waitFor(() => events('config-reloaded').length > 1, 20_000, 'the second reload').catch(failure('again'));
    expect(events('fail2ban-server-started')).toHaveLength(2);
    expect(await ignoreipShown()).toEqual(FAIL2BAN_IGNOREIP);

    // Edited again, and `fail2ban-client reload` run by hand, which systemd never hears of: the bundled kill action
    // marks the reload beside the pid file, and the service reloads once it sees the mark.
    expect(events('fail2ban-server-reloaded')).toEqual([]);
    writeFileSync(jailLocal, original.replace(/^ignoreip = (.*)$/m, `ignoreip = $1 ${COLLEAGUE}`));
    f2b.reload();
    await waitFor(() => events('config-reloaded').length > 2, 20_000, 'the third reload').catch(failure('by hand'));
    expect(events('fail2ban-server-reloaded')).toEqual([
      expect.objectContaining({ mark: join(f2b.dir, 'f2b-campaign.reloaded'), readSince: false }),
    ]);
    expect(await ignoreipShown()).toEqual([...FAIL2BAN_IGNOREIP, COLLEAGUE]);
    expect(events('fail2ban-server-started')).toHaveLength(2); // a reload is no restart
    expect(events('config-reload-failed')).toEqual([]);
    await stopCleanly(service);
  }, 90_000);
});
