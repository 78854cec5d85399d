import { type ChildProcess, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waves } from '../../src/simulate/attack-shapes.js';
import { ScenarioBuilder } from '../../src/simulate/scenario-builder.js';
import { rfc3339Micro, sessionLines } from '../../src/simulate/sshd-lines.js';
import type { ParsedVerdictLine } from '../../src/verdict/verdict-line.js';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { runService, serviceFiles, verdictLines, waitFor } from './helpers.js';

/**
 * Lateral movement, live: the bundled program follows an auth.log and samples this machine's real /proc/net/tcp. A
 * campaign runs, one of its banned members logs in (a compromise ALERT opens a watch on this host), and this host
 * then opens a real TCP connection to WinRM's port on a listener of the test's own. The next sample must carry that
 * outbound connection to the alerts, which say so in a lateral ALERT. Decoding only sshd's rows (as the sampler did)
 * makes this test fail: outbound connections have an ephemeral local port.
 */
const t = bundledCliSuite('lateral');
const dir = t.dir;
const log = join(dir, 'auth.log');
const verdicts = join(dir, 'verdicts.log');
let service: ChildProcess | undefined;
let server: Server | undefined;
let client: Socket | undefined;

afterAll(async () => {
  client?.destroy();
  server?.close();
  // Waited for: the directory goes only once nothing writes in it.
  if (service !== undefined && service.exitCode === null && service.signalCode === null) {
    const gone = new Promise((resolve) => service?.once('exit', resolve));
    service.kill('SIGKILL');
    await gone;
  }
});

beforeAll(async () => {
  mkdirSync(join(dir, 'fail2ban'));
  writeFileSync(
    join(dir, 'f2b-campaign.conf'),
    ['[service]', 'start_at = start', `runtime_dir = ${join(dir, 'run')}`, 'sample_interval = 200ms', ''].join('\n'),
  );
}, 60_000);

const written = (): ParsedVerdictLine[] => verdictLines(verdicts);

/** A WinRM-like listener on loopback (5985, else 5986: both are lateral ports by default). */
async function listen(): Promise<number> {
  for (const port of [5985, 5986]) {
    const s = createServer((socket) => socket.on('error', () => {}));
    const ok = await new Promise<boolean>((resolve) => {
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) {
      server = s;
      return port;
    }
  }
  throw new Error('ports 5985 and 5986 are both taken on this machine');
}

describe('live service: lateral movement after a compromised login', () => {
  it("alerts on this host's outbound connection to WinRM, seen in the real /proc/net/tcp", async () => {
    // Log time 10 minutes ahead of the wall clock, as in live-service.test.ts: the lines' own times then drive the
    // detector's clock, which the service's wall-clock ticks never overtake. The login is stamped with the wall
    // clock, as are the socket samples that must fall inside its watch.
    const b = new ScenarioBuilder(20261122);
    waves(b, Date.now() + 10 * 60_000);
    const lines = b
      .sessions()
      .flatMap((s) => sessionLines(s))
      .sort((x, y) => x.time - y.time);
    writeFileSync(log, '');
    service = runService(t.bundle, serviceFiles(dir, log, verdicts, '/proc/net'), join(dir, 'service.out')).child;
    appendFileSync(log, `${lines.map((l) => l.text).join('\n')}\n`);
    await waitFor(() => written().some((v) => v.verb === 'BAN'), 20_000, 'the campaign banned').catch((e) => {
      throw new Error(`${e}: ${readFileSync(join(dir, 'service.out'), 'utf8').slice(-3000)}`);
    });
    const member = written()
      .find((v) => v.verb === 'BAN')!
      .fields.get('ip')!;

    const now = Date.now();
    appendFileSync(
      log,
      `${rfc3339Micro(now, 1)} bastion sshd[4242]: Accepted password for root from ${member} port 40022 ssh2\n`,
    );
    await waitFor(
      () => written().some((v) => v.verb === 'ALERT' && v.fields.get('kind') === 'compromise'),
      10_000,
      'the compromise ALERT',
    );

    const port = await listen();
    client = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => client!.once('connect', resolve).once('error', reject));
    await waitFor(
      () => written().some((v) => v.verb === 'ALERT' && v.fields.get('kind') === 'lateral'),
      10_000,
      'the lateral ALERT',
    );
    const lateral = written().find((v) => v.verb === 'ALERT' && v.fields.get('kind') === 'lateral')!;
    expect(lateral.fields.get('reason')).toBe('winrm');
    expect(lateral.fields.get('remote_ip')).toBe('127.0.0.1');
    expect(lateral.fields.get('remote_port')).toBe(String(port));
    expect(lateral.fields.get('local_port')).toBe(String(client.localPort));
    expect(lateral.fields.get('login_ip')).toBe(member);
    // The listener's own side of the connection is inbound (its port listens): no alert names it as outbound.
    const outbound = written().filter((v) => v.verb === 'ALERT' && v.fields.get('kind') === 'lateral');
    expect(outbound.every((v) => v.fields.get('local_port') !== String(port))).toBe(true);

    // `status` shows the alerts and the watched login (its file is rewritten every few seconds).
    const status = () =>
      spawnSync(process.execPath, [t.bundle, 'status', '--runtime-dir', join(dir, 'run')], { encoding: 'utf8' }).stdout;
    await waitFor(() => /alerts: 1 compromise, 1 lateral movement/.test(status()), 15_000, 'alerts in status');
    expect(status()).toContain(`watching ${member} (`);
    expect(status()).toMatch(/kind=lateral .*reason=winrm/);
  }, 90_000);
});
