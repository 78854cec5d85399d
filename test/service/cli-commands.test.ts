import { type ChildProcess, spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSocketTrace } from '../../src/parse/socket-trace.js';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { installBundledFail2ban } from '../helpers/fail2ban-config.js';
import { fakeProgram } from '../helpers/fake-program.js';
import { writeAsnDatabase, writeMmdb } from '../helpers/mmdb.js';
import { runService, serviceLog, sleep, waitFor } from './helpers.js';

/** check, status, record and SIGHUP, through the bundled program against real files and the real fail2ban-client. */
const t = bundledCliSuite('cli');
const dir = t.dir;

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [t.bundle, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const f2b = join(dir, 'fail2ban');
const verdicts = join(dir, 'verdicts.log');
const net = join(dir, 'net');

beforeAll(async () => {
  // A real fail2ban configuration: Debian's, plus the bundled jail, filter and action, pointed at our verdict log.
  cpSync('/etc/fail2ban', f2b, { recursive: true });
  installBundledFail2ban(f2b);
  // The sshd jail reads our auth.log: Debian's reads /var/log/auth.log, and where the host has none (journald only)
  // fail2ban-client -t refuses the configuration, which check reports.
  writeFileSync(
    join(f2b, 'jail.d/zz-test.local'),
    `[f2b-campaign]\nlogpath = ${verdicts}\n\n[sshd]\nmaxretry = 4\nlogpath = ${join(dir, 'auth.log')}\nbackend = polling\n`,
  );
  writeFileSync(join(dir, 'auth.log'), '');
  writeFileSync(verdicts, '');
  mkdirSync(net);
  const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  writeFileSync(
    join(net, 'tcp'),
    `${header}   0: 0100007F:0016 0200007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 20 4 30 10 -1\n` +
      `   1: 0100007F:1F90 0300007F:D432 01 00000000:00000000 00:00000000 00000000     0        0 4243 1 0 20 4 30 10 -1\n` +
      // sshd's listener (root's): only the connections a listener of root's covers are sshd's (sshd-sockets.ts).
      `   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4240 1 0 100 0 0 10 0\n`,
  );
  writeFileSync(join(dir, 'auth.log'), '');
}, 60_000);

const common = () => ['--auth-log', join(dir, 'auth.log'), '--state-dir', join(dir, 'state'), '--sockets-from', net];

// Each test runs the program and the real fail2ban-client up to four times, one after another: ~4 s on a quiet
// machine, over 30 s (the default timeout) beside other suites on a 2-core one.
describe('f2b-campaign check', { timeout: 120_000 }, () => {
  it('passes with a valid setup, reading thresholds and the jail through the real fail2ban-client', () => {
    const r = cli(['check', ...common(), '--verdicts', verdicts, '--fail2ban-dir', f2b]);
    expect(r.stdout).toMatch(/ok +thresholds: jail sshd: maxretry 4,.*\(from fail2ban-client\)/);
    expect(r.stdout).toMatch(
      /ok +fail2ban jail: \[f2b-campaign\] is enabled and watches .*verdicts\.log, which the service can write \(fail2ban-client -d\)/,
    );
    expect(r.stdout).not.toMatch(/^error/m);
    expect(r.stdout).not.toMatch(/f2b-campaign-kill/);
    expect(r.code, r.stdout).toBe(0);
  });

  it("warns, without failing, when sshd listens on a port the jail's f2b-campaign-kill does not cover", () => {
    const conf = join(dir, 'ports.conf');
    writeFileSync(conf, '[service]\nssh_ports = 22, 2222\n');
    const r = cli(['check', '--config', conf, ...common(), '--verdicts', verdicts, '--fail2ban-dir', f2b]);
    expect(r.stdout).toMatch(
      /^warning +fail2ban jail: sshd listens on 2222 \(\[service\] ssh_ports\), but the f2b-campaign jail's f2b-campaign-kill ends connections on 22/m,
    );
    expect(r.code, r.stdout).toBe(0);
  });

  it('fails with a clear message when the jail watches another file', () => {
    const other = join(dir, 'other.log');
    const r = cli(['check', ...common(), '--verdicts', other, '--fail2ban-dir', f2b]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `error   fail2ban jail: the f2b-campaign jail reads ${verdicts}, but the service writes ${other}: ` +
        `set logpath = ${other} in ${f2b}/jail.d/f2b-campaign.local`,
    );
    expect(r.stdout).toContain(
      `error   fail2ban jail: the verdict log ${other} does not exist: fail2ban refuses to start without a jail's log`,
    );
  });

  it("fails when the jail's backend cannot read a file, or its filter is gone (the jail inspection's own checks)", () => {
    const broken = join(dir, 'fail2ban-broken');
    cpSync(f2b, broken, { recursive: true });
    writeFileSync(join(broken, 'jail.d/zz-test.local'), `[f2b-campaign]\nlogpath = ${verdicts}\nbackend = systemd\n`);
    const r = cli(['check', ...common(), '--verdicts', verdicts, '--fail2ban-dir', broken]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'error   fail2ban jail: the f2b-campaign jail uses backend = systemd, but verdicts are a file: set backend = polling',
    );
    writeFileSync(join(broken, 'jail.d/zz-test.local'), `[f2b-campaign]\nlogpath = ${verdicts}\n`);
    rmSync(join(broken, 'filter.d/f2b-campaign.conf'));
    const gone = cli(['check', ...common(), '--verdicts', verdicts, '--fail2ban-dir', broken]);
    expect(gone.code).toBe(1);
    expect(gone.stdout).toContain(`the f2b-campaign jail's filter ${broken}/filter.d/f2b-campaign.conf is missing`);
  });

  it("shows the databases' types and build dates, and fails naming the file when one cannot be used", () => {
    const db = writeAsnDatabase(join(dir, 'asn.mmdb'), [['198.51.0.0/16', 64500]]);
    const conf = join(dir, 'asn.conf');
    const countries = writeMmdb(join(dir, 'country.mmdb'), 'GeoLite2-Country', [
      ['198.51.0.0/16', { country: { iso_code: 'NL' } }],
    ]);
    writeFileSync(conf, `[detection]\nasn_database = ${db}\ncountry_database = ${countries}\n`);
    const args = ['check', '--config', conf, ...common(), '--verdicts', verdicts, '--fail2ban-dir', f2b];
    const today = new Date().toISOString().slice(0, 10);
    const r = cli(args);
    expect(r.stdout).toContain(`ok      asn database: ${db}: GeoLite2-ASN, built ${today}\n`);
    expect(r.stdout).toContain(`ok      country database: ${countries}: GeoLite2-Country, built ${today}\n`);
    expect(r.code, r.stdout).toBe(0);
    writeFileSync(db, 'not a database\n');
    const bad = cli(args);
    expect(bad.stdout).toMatch(
      /^error {3}asn database: \[detection\] asn_database = .*asn\.mmdb: not a MaxMind DB file/m,
    );
    expect(bad.code).toBe(1);
    // Without the key, check says nothing of a database.
    expect(cli(['check', ...common(), '--verdicts', verdicts, '--fail2ban-dir', f2b]).stdout).not.toContain('database');
  });

  it('fails naming the key, the value and what was expected for a bad config', () => {
    const conf = join(dir, 'bad.conf');
    writeFileSync(conf, '[service]\nsample_interval = often\nsocks = 1\n');
    const r = cli(['check', '--config', conf]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[service] sample_interval = "often": expected a duration');
    expect(r.stderr).toContain('unknown key [service] socks');
  });
});

describe('f2b-campaign run / status / SIGHUP', () => {
  let child: ChildProcess | null = null;
  let ended: Promise<unknown> = Promise.resolve();
  // Waited for: a service a failed assertion left running writes its state in the directory that goes next.
  afterAll(async () => {
    child?.kill('SIGKILL');
    await ended;
  });

  it('status shows the running service and its sources; SIGHUP rereads thresholds; exit 3 once stopped', async () => {
    const runtime = join(dir, 'run');
    const conf = join(dir, 'service.conf');
    writeFileSync(conf, `[service]\nruntime_dir = ${runtime}\nssh_ports = 22\nsample_interval = 200ms\n`);
    const out = join(dir, 'service.out');
    const run = runService(
      t.bundle,
      ['--config', conf, ...common(), '--verdicts', verdicts, '--fail2ban-dir', f2b],
      out,
    );
    child = run.child;
    ended = run.ended;
    const logLines = () => serviceLog(out);
    await waitFor(() => logLines().some((l) => l['event'] === 'service-started'), 15_000, 'service start');
    await sleep(500);
    const s = cli(['status', '--runtime-dir', runtime]);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/f2b-campaign: running, pid \d+/);
    expect(s.stdout).toContain(`file:${join(dir, 'auth.log')}: following`);
    expect(s.stdout).toMatch(/sockets: +1 open to sshd/);
    expect(s.stdout).toContain('127.0.0.2(1)');
    expect(s.stdout).toMatch(/^alerts: 0 compromise, 0 lateral movement, 0 compromise bans; 0 logins watched$/m);
    const json = JSON.parse(cli(['status', '--runtime-dir', runtime, '--json']).stdout) as {
      thresholds: { maxretry: number };
    };
    expect(json.thresholds.maxretry).toBe(4);

    // A second run on the same state_dir refuses to start, naming the first, instead of writing every verdict twice.
    const second = cli(['run', '--config', conf, ...common(), '--verdicts', verdicts, '--fail2ban-dir', f2b]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`f2b-campaign is already running on ${join(dir, 'state')} (pid ${child.pid}`);

    writeFileSync(join(f2b, 'jail.d/zz-test.local'), `[f2b-campaign]\nlogpath = ${verdicts}\n\n[sshd]\nmaxretry = 7\n`);
    child.kill('SIGHUP');
    await waitFor(() => logLines().some((l) => l['event'] === 'config-reloaded'), 30_000, 'reload');
    const reloaded = logLines().find((l) => l['event'] === 'config-reloaded') as { thresholds: { maxretry: number } };
    expect(reloaded.thresholds.maxretry).toBe(7);

    const exited = new Promise((resolve) => child?.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(readdirSync(join(dir, 'state'))).not.toContain('run.lock'); // a link: existsSync would follow it
    const after = cli(['status', '--runtime-dir', runtime]);
    expect(after.code).toBe(3);
    expect(after.stderr).toContain('not running');
  }, 90_000);
});

describe('f2b-campaign run: signals while starting', () => {
  /**
   * The service started with a fail2ban-client that takes `seconds`, as a loaded server's can: the start waits on
   * it. `starting()` resolves once the service is in that wait (its fail2ban-client has begun), the moment for a
   * signal sent "while starting". Not a fixed delay: under load node's own start, before the program catches any
   * signal, took more than the second the tests used to wait, and their SIGHUP ended the process. Returns the child
   * and its log's events so far.
   */
  function slowStart(name: string, seconds = 3) {
    const begun = join(dir, `${name}.fail2ban-client-begun`);
    const slow = fakeProgram(
      join(dir, `slow-bin-${name}`),
      'fail2ban-client',
      `#!/bin/sh\n: >> '${begun}'\nsleep ${seconds}\nexec /usr/bin/fail2ban-client "$@"\n`,
    );
    const conf = join(dir, `${name}.conf`);
    writeFileSync(conf, `[service]\nruntime_dir = ${join(dir, `${name}-run`)}\nssh_ports = 22\n`);
    const { child, exited, ended } = runService(
      t.bundle,
      [
        '--config',
        conf,
        ...common(),
        '--state-dir',
        join(dir, `${name}-state`),
        '--verdicts',
        verdicts,
        '--fail2ban-dir',
        f2b,
      ],
      join(dir, `${name}.out`),
      { env: { ...process.env, PATH: `${slow}:${process.env['PATH']}` } },
    );
    const events = () => serviceLog(join(dir, `${name}.out`)).map((l) => l['event']);
    const starting = () =>
      waitFor(
        () => {
          if (child.exitCode !== null || child.signalCode !== null) {
            throw new Error(
              `the service ended before its fail2ban-client began (${child.exitCode ?? child.signalCode})`,
            );
          }
          return existsSync(begun);
        },
        30_000,
        "the start's fail2ban-client",
      );
    return { child, events, exited, ended, starting, state: join(dir, `${name}-state`, 'state.json') };
  }

  // A stop the start outlasts by 5 s ended the process with exit status 143: systemd counts that as a failure
  // (Result exit-code, the unit left failed after `systemctl stop`), where an end by SIGTERM is a clean one.
  it('SIGTERM during a start that outlasts the deadline ends the process by the signal, as systemd expects', async () => {
    const { child, events, ended, starting } = slowStart('deadline', 12);
    try {
      await starting();
      expect(events()).not.toContain('service-started');
      const sent = Date.now();
      child.kill('SIGTERM');
      expect(await ended).toEqual({ code: null, signal: 'SIGTERM' });
      expect(Date.now() - sent).toBeLessThan(9000);
      expect(events()).toContain('service-forced-exit');
      expect(events()).not.toContain('service-started');
    } finally {
      child.kill('SIGKILL');
      await ended;
    }
  }, 60_000);

  it('SIGHUP does not kill the service (Node would exit on it): the reload happens once it has started', async () => {
    const { child, events, exited, ended, starting } = slowStart('hup');
    try {
      await starting();
      expect(events()).not.toContain('service-started');
      child.kill('SIGHUP');
      const reloaded = () => {
        if (child.signalCode !== null || child.exitCode !== null) {
          throw new Error(`the service ended on the SIGHUP (${child.signalCode ?? child.exitCode})`);
        }
        return events().includes('config-reloaded');
      };
      await waitFor(reloaded, 30_000, 'the held reload');
      expect(events().indexOf('service-started')).toBeLessThan(events().indexOf('config-reloaded'));
      expect(child.exitCode).toBeNull();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await ended;
    }
  }, 60_000);

  // Found 2026-11-23: the hold began only once the service's code was loaded and its configuration read, ~0.2 s
  // into a start on this machine, and systemd does not restart a service that a SIGHUP ended (a clean signal to it).
  it('SIGHUP while the configuration is being read does not end it: the hold begins before the code loads', async () => {
    const fifo = join(dir, 'fifo.conf');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const conf = `[service]\nruntime_dir = ${join(dir, 'fifo-run')}\nssh_ports = 22\n`;
    const out = join(dir, 'fifo.out');
    const args = ['--config', fifo, ...common(), '--state-dir', join(dir, 'fifo-state'), '--verdicts', verdicts];
    const { child, exited, ended } = runService(t.bundle, [...args, '--fail2ban-dir', f2b], out);
    const events = () => serviceLog(out).map((l) => l['event']);
    // Opening a FIFO to write waits for its reader, so each write below lands while the service reads its
    // configuration; should the service end instead, the wait is ended by opening the FIFO to read.
    const writeConfig = async () => {
      const died = ended.then((e) => {
        closeSync(openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK));
        return e;
      });
      const writer = await Promise.race([open(fifo, 'w'), died]);
      if (!('writeFile' in writer)) throw new Error(`the service ended: ${JSON.stringify(writer)}`);
      return writer;
    };
    try {
      const first = await writeConfig();
      child.kill('SIGHUP');
      await sleep(300);
      expect(child.signalCode).toBeNull();
      await first.writeFile(conf);
      await first.close();
      // The held SIGHUP's reload, once started, reads the configuration again. Not before the start: until the
      // first read has closed the FIFO, a writer opening it would join that read, and the reload's would wait.
      await waitFor(() => events().includes('service-started'), 30_000, 'the start');
      const again = await writeConfig();
      await again.writeFile(conf);
      await again.close();
      await waitFor(() => events().includes('config-reloaded'), 30_000, 'the held reload');
      expect(events().indexOf('service-started')).toBeLessThan(events().indexOf('config-reloaded'));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await ended;
    }
  }, 60_000);

  // Found by the booted package test: `systemctl restart` then `systemctl stop` a second later killed the service
  // by SIGTERM (systemd's ExecMainStatus 15), before it had saved anything.
  it('SIGTERM stops it cleanly once started (exit 0, state saved), instead of killing it mid-start', async () => {
    // A 2 s fail2ban-client: the start must end within the stop's 5 s deadline of the signal, sent as the client
    // begins, with the real fail2ban-client's own time after the wait (seconds under load).
    const { child, events, exited, ended, state, starting } = slowStart('term', 2);
    try {
      await starting();
      expect(events()).not.toContain('service-started');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(events()).toEqual(expect.arrayContaining(['service-started', 'service-stopping', 'service-stopped']));
      expect(existsSync(state)).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await ended;
    }
  }, 60_000);
});

describe('f2b-campaign record', () => {
  it('appends trace blocks at the interval for the duration, optionally only sshd rows', async () => {
    const trace = join(dir, 'sockets.trace');
    const r = cli([
      'record',
      '--sockets',
      trace,
      '--sockets-from',
      net,
      '--interval',
      '100ms',
      '--duration',
      '450ms',
      '--ports',
      '22',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const reported = Number(/(\d+) samples appended/.exec(r.stderr)?.[1]);
    const samples = [];
    for await (const s of readSocketTrace(readFileSync(trace, 'utf8').split('\n'))) samples.push(s);
    expect(samples).toHaveLength(reported);
    // 0, 100, ..., 400 ms on a quiet machine; a loaded one may fit fewer into 450 ms, never more.
    expect(reported).toBeGreaterThanOrEqual(3);
    expect(reported).toBeLessThanOrEqual(5);
    for (let i = 1; i < samples.length; i++) expect(samples[i]!.time - samples[i - 1]!.time).toBeGreaterThanOrEqual(95);
    expect(samples[0]!.rows.map((r) => r.state)).toEqual(['ESTABLISHED', 'LISTEN']);
    expect(samples[0]!.rows[0]).toMatchObject({ localPort: 22, remoteIp: '127.0.0.2', state: 'ESTABLISHED' });
    expect(cli(['record']).code).toBe(64);
  });
});
