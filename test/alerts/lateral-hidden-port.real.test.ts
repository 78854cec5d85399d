import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findScenario } from '../../src/simulate/scenarios.js';
import { writeScenario } from '../../src/simulate/write-scenario.js';
import { Netns } from '../e2e/harness/netns.js';
import { ProcessSet } from '../e2e/harness/processes.js';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { serviceFiles, setUpServiceDir, waitFor } from '../service/helpers.js';

/**
 * A member of a live campaign logs in (a compromise alert: the simulator's "waves" campaign, its auth.log moved so
 * that the login is now), then, as an unprivileged local user (uid 1000), reaches SMB on two hosts by connections
 * that look inbound: one from 10.0.0.2:40000, a port the user also listens on with SO_REUSEPORT; one from
 * 10.0.0.2:2222, sshd's port (sshd listens on 10.0.0.1 only: ListenAddress). Both were taken for inbound
 * connections and raised nothing (found in review). Real sockets in a network namespace, read from its own
 * /proc/net by the bundled program's live service; a plain connection to RDP is the control: the watch is running.
 *
 * The same for a port no rule watches, where only `new-destination` can tell (found in review, session 29): from
 * 10.0.0.2:40001, a port the intruder listens on after the login, and from 10.0.0.2:8080, a port a service of
 * another user (uid 1001) listens on, on 10.0.0.1. Live, the first was taken as inbound and the second was not even
 * read (a row on a port anyone listens on), while `replay` of a trace `record`ed at the same time alerted on the
 * second. The service's own client (from 10.0.0.60) is the control of the other side: it stays inbound.
 */
const SSHD = '10.0.0.1';
const OTHER_LOCAL = '10.0.0.2';
const TARGETS = ['10.0.0.40:445', '10.0.0.41:445', '10.0.0.42:3389'];
/** Servers on no watched port, of a user (uid 1003) with no root socket on their addresses: other hosts to us. */
const PLAIN = ['10.0.0.43:8443', '10.0.0.44:8443'];
/** A service of uid 1001 on 10.0.0.1:8080 (a port no rule watches), listening since before the login, and a client. */
const SERVICE = { host: SSHD, port: 8080, client: '10.0.0.60' };
const HOLD_S = 4;

/** As the intruder: optionally listens on local:port (SO_REUSEPORT), connects from local:port, holds, closes. */
const INTRUDER = `
import socket, sys, time
listen, local, port, host, rport = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
def bound():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind((local, port))
    return s
if listen == '1':
    listener = bound()  # kept referenced: a socket object no name holds is closed at once
    listener.listen()
c = bound()
c.connect((host, rport))
time.sleep(${HOLD_S})
c.close()
`;

const cli = bundledCliSuite('lateral-hidden');
const trace = join(cli.dir, 'sockets.trace');
let ns: Netns;
// Stopped and waited for before the directory goes: the service saves its state there as it stops.
const started = new ProcessSet();

function startIn(argv: string[]): void {
  started.start(argv[argv.length - 1]!.slice(0, 40), argv, join(cli.dir, 'programs.out'));
}

/** Runs INTRUDER as `uid` in the namespace; resolves when it has closed its connection. */
function intrude(listen: boolean, localPort: number, target: string, uid = 1000, local = OTHER_LOCAL): Promise<void> {
  const [host, port] = target.split(':');
  const argv = ns.wrap(['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '/usr/bin/python3', '-c']);
  const child = spawn(
    argv[0]!,
    [...argv.slice(1), INTRUDER, listen ? '1' : '0', local, String(localPort), host!, port!],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`intruder: ${err}`)))),
  );
}

const stamp = (t: number) => new Date(t).toISOString().replace('Z', '000+00:00');
const timeOf = (line: string) => Date.parse(line.slice(0, line.indexOf(' ')));
const verdicts = () => readFileSync(join(cli.dir, 'verdicts.log'), 'utf8');

beforeAll(async () => {
  const files = await writeScenario(findScenario('waves')!, join(cli.dir, 'waves'));
  const truth = JSON.parse(readFileSync(files.truth, 'utf8')) as { members: string[] };
  const lines = readFileSync(files.authLog, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  const member = truth.members[5]!;
  const last = Math.max(...lines.filter((l) => l.includes(` ${member} `)).map(timeOf));
  // Ten minutes after the member's last failure, while the campaign is live; moved so that the login is now.
  const shift = Date.now() - (last + 600_000);
  const moved = lines
    .filter((l) => timeOf(l) <= last + 600_000)
    .map((l) => stamp(timeOf(l) + shift) + l.slice(l.indexOf(' ')));
  const host = lines[0]!.split(' ')[1];
  moved.push(
    `${stamp(last + 600_000 + shift)} ${host} sshd[4242]: Accepted password for oracle from ${member} port 50123 ssh2`,
  );
  writeFileSync(join(cli.dir, 'auth.log'), `${moved.join('\n')}\n`);

  ns = Netns.create('f2b-lateral');
  const addresses = [SSHD, OTHER_LOCAL, SERVICE.client, ...[...TARGETS, ...PLAIN].map((t) => t.split(':')[0]!)];
  for (const ip of addresses) ns.run(['ip', 'addr', 'add', `${ip}/32`, 'dev', 'lo']);
  // sshd's listener (root's, on one address), the servers the intruder reaches, and the service of uid 1001.
  const listen = (host: string, port: string, uid = 0) =>
    startIn(
      ns.wrap([
        ...(uid === 0 ? [] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups']),
        process.execPath,
        '-e',
        `require('node:net').createServer(() => {}).listen(${port}, '${host}')`,
      ]),
    );
  listen(SSHD, '2222');
  for (const t of TARGETS) listen(...(t.split(':') as [string, string]));
  for (const t of PLAIN) listen(...(t.split(':') as [string, string]), 1003);
  listen(SERVICE.host, String(SERVICE.port), 1001);
  const listening = 2 + TARGETS.length + PLAIN.length;
  await waitFor(
    () => (ns.run(['cat', '/proc/net/tcp']).match(/^ *\d+: \S+ 00000000:0000 0A /gm) ?? []).length === listening,
    10_000,
    'the listeners',
  );
  setUpServiceDir(cli.dir, [
    'ssh_ports = 2222',
    'sample_interval = 500ms',
    'sample_interval_campaign = 500ms',
    '[alerts]',
    // Every address no root socket has is new: the baseline needs no traffic learned first.
    'baseline_min_sockets = 0',
  ]);
  const args = serviceFiles(cli.dir, join(cli.dir, 'auth.log'), join(cli.dir, 'verdicts.log'), '/proc/net');
  // `ip netns exec` runs the service in the namespace: /proc/net is the namespace's. `record` reads the same
  // tables at the same rate, for `replay` to judge afterwards.
  startIn(ns.wrap([process.execPath, cli.bundle, 'record', '--sockets', trace, '--interval', '500ms']));
  startIn(ns.wrap([process.execPath, cli.bundle, 'run', ...args]));
  await waitFor(
    () => {
      try {
        return / ALERT kind=compromise /.test(verdicts());
      } catch {
        return false;
      }
    },
    60_000,
    'the compromise alert',
  );
}, 120_000);

afterAll(async () => {
  await started.stopAll();
  ns?.delete();
});

/** The lateral ALERTs in `text`, as `reason local:port remote:port` (an ephemeral local port as `ephemeral`). */
function lateralAlerts(text: string): string[] {
  const chosen = new Set(['40000', '40001', '2222', String(SERVICE.port)]);
  return [
    ...text.matchAll(
      / ALERT kind=lateral reason=(\S+) local_ip=(\S+) local_port=(\d+) remote_ip=(\S+) remote_port=(\d+)/g,
    ),
  ]
    .map((m) => `${m[1]} ${m[2]}:${chosen.has(m[3]!) ? m[3] : 'ephemeral'} ${m[4]}:${m[5]}`)
    .sort();
}

describe('lateral-movement alerts on real sockets of an unprivileged intruder', () => {
  it('alert on connections from a port the intruder listens on, from sshd port, and from a service port', async () => {
    const held = Promise.all([
      intrude(true, 40000, TARGETS[0]!),
      intrude(false, 2222, TARGETS[1]!),
      intrude(false, 0, TARGETS[2]!),
      intrude(true, 40001, PLAIN[1]!),
      intrude(false, SERVICE.port, PLAIN[0]!),
      intrude(false, 0, `${SERVICE.host}:${SERVICE.port}`, 1002, SERVICE.client),
    ]);
    await new Promise((r) => setTimeout(r, 1500));
    // As the kernel shows them: uid 1000 listens on 10.0.0.2:40000 and is connected from it to 10.0.0.40:445, and
    // from 10.0.0.2:2222 to 10.0.0.41:445; from 10.0.0.2:8080 (uid 1001 listens on 10.0.0.1:8080) to 10.0.0.43.
    const table = ns.run(['cat', '/proc/net/tcp']);
    expect(table).toMatch(/ 0200000A:9C40 00000000:0000 0A \S+ \S+ \S+ +1000 /);
    expect(table).toMatch(/ 0200000A:9C40 2800000A:01BD 01 \S+ \S+ \S+ +1000 /);
    expect(table).toMatch(/ 0200000A:08AE 2900000A:01BD 01 \S+ \S+ \S+ +1000 /);
    expect(table).toMatch(/ 0100000A:1F90 00000000:0000 0A \S+ \S+ \S+ +1001 /);
    expect(table).toMatch(/ 0200000A:1F90 2B00000A:20FB 01 \S+ \S+ \S+ +1000 /);
    expect(table).toMatch(/ 0100000A:1F90 3C00000A:\S+ 01 \S+ \S+ \S+ +1001 /);
    await held;
    await new Promise((r) => setTimeout(r, 1500));
    const live = lateralAlerts(verdicts());
    expect(live, verdicts()).toEqual([
      `new-destination ${OTHER_LOCAL}:40001 ${PLAIN[1]}`,
      `new-destination ${OTHER_LOCAL}:${SERVICE.port} ${PLAIN[0]}`,
      `rdp ${OTHER_LOCAL}:ephemeral 10.0.0.42:3389`,
      `smb ${OTHER_LOCAL}:2222 10.0.0.41:445`,
      `smb ${OTHER_LOCAL}:40000 10.0.0.40:445`,
    ]);
    // The same tables recorded and replayed: the same decisions.
    const replayed = join(cli.dir, 'replayed.log');
    const run = await cli.run([
      ...['replay', '--auth-log', join(cli.dir, 'auth.log'), '--sockets', trace, '--verdicts', replayed],
      ...['--config', join(cli.dir, 'f2b-campaign.conf'), '--fail2ban-dir', join(cli.dir, 'fail2ban')],
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(lateralAlerts(readFileSync(replayed, 'utf8')), readFileSync(replayed, 'utf8')).toEqual(live);
  }, 60_000);
});
