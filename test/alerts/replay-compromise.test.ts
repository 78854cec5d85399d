import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findScenario } from '../../src/simulate/scenarios.js';
import { writeScenario } from '../../src/simulate/write-scenario.js';
import { parseVerdictLine } from '../../src/verdict/verdict-line.js';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { type Connection, normalTraffic, procNetTcpLine, sampleHost } from './host-traffic.js';

const S = 1000;
const cli = bundledCliSuite('audit-replay-compromise');
const dir = cli.dir;
let member = '';
let login = 0;
let verdicts: Array<NonNullable<ReturnType<typeof parseVerdictLine>>> = [];

/** The intruder's outbound connections, `seconds` after the login. */
const intrusion = (at: number): Connection[] =>
  [
    [41001, '10.0.0.40', 445, 119, 130],
    [41002, '10.0.0.41', 3389, 179, 200],
    [41003, '10.0.0.42', 5985, 239, 245],
    [41005, '10.0.0.20', 5432, 399, 1246],
  ].map(([localPort, remote, remotePort, from, to]) => ({
    local: '10.0.0.5',
    localPort: localPort as number,
    remote: remote as string,
    remotePort: remotePort as number,
    start: at + (from as number) * S,
    end: at + (to as number) * S,
  }));

beforeAll(async () => {
  // The simulator's "waves" campaign (issue 3): auth.log, a socket trace of the inbound SSH connections, the truth.
  const files = await writeScenario(findScenario('waves')!, join(dir, 'waves'));
  const truth = JSON.parse(readFileSync(files.truth, 'utf8')) as { start: number; end: number; members: string[] };
  const lines = readFileSync(files.authLog, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  const timeOf = (line: string) => Date.parse(line.slice(0, line.indexOf(' ')));
  member = truth.members[5]!;
  const last = Math.max(...lines.filter((l) => l.includes(` ${member} `)).map(timeOf));
  // One of the members logs in ten minutes after its last failure, while the campaign is still live.
  login = Math.floor(last / 1000) * 1000 + 600 * S;
  const host = lines[0]!.split(' ')[1];
  const accepted = `${new Date(login).toISOString().replace('Z', '000+00:00')} ${host} sshd[4242]: Accepted password for oracle from ${member} port 50123 ssh2`;
  const at = lines.findIndex((l) => timeOf(l) > login);
  lines.splice(at < 0 ? lines.length : at, 0, accepted);
  writeFileSync(files.authLog, `${lines.join('\n')}\n`);
  // The host's own outbound traffic (queries, HTTPS, backups) all along, and the intruder's after the login.
  const step = 5 * S;
  const host2 = sampleHost(
    [...normalTraffic(truth.start, truth.end, 50_000), ...intrusion(login)],
    truth.start,
    truth.end,
    step,
  );
  const extra = new Map(host2.map((s) => [s.time, s.rows.filter((r) => r.state !== 'LISTEN')]));
  const blocks = readFileSync(files.sockets, 'utf8').split(/^(?=@ )/m);
  const merged = blocks.map((block) => {
    const time = Date.parse(block.slice(2, block.indexOf('\n')));
    const rows = extra.get(time) ?? [];
    return block + rows.map((r, i) => `${procNetTcpLine(r, 100 + i)}\n`).join('');
  });
  writeFileSync(files.sockets, merged.join(''));
  const out = join(dir, 'verdicts.log');
  const run = await cli.run([
    'replay',
    '--auth-log',
    files.authLog,
    '--sockets',
    files.sockets,
    '--verdicts',
    out,
    '--fail2ban-defaults',
  ]);
  expect(run.code, run.stderr).toBe(0);
  verdicts = readFileSync(out, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => parseVerdictLine(l)!);
}, 120_000);

const alerts = (kind: string) => verdicts.filter((v) => v.verb === 'ALERT' && v.fields.get('kind') === kind);

describe('compromise and lateral movement in replay (simulated waves campaign + socket trace)', () => {
  it('raises a compromise alert naming the campaign when a member logs in after the campaign', () => {
    const opened = verdicts.find((v) => v.verb === 'CAMPAIGN' && v.fields.get('event') === 'open');
    expect(opened).toBeDefined();
    const compromise = alerts('compromise');
    expect(compromise).toHaveLength(1);
    expect(Object.fromEntries(compromise[0]!.fields)).toMatchObject({
      ip: member,
      user: 'oracle',
      campaign: opened!.fields.get('id'),
      reason: 'member',
    });
    expect(compromise[0]!.time).toBe(login);
    // Default compromise_action = alert: no BAN says compromise.
    expect(verdicts.filter((v) => v.verb === 'BAN' && v.fields.get('reason')?.startsWith('compromise'))).toEqual([]);
  });

  it('raises lateral alerts for SMB, RDP, WinRM and the long PostgreSQL session, and none for normal traffic', () => {
    const lateral = alerts('lateral').map(
      (v) => `${v.fields.get('remote_ip')}:${v.fields.get('remote_port')} ${v.fields.get('reason')}`,
    );
    expect(lateral).toEqual([
      '10.0.0.40:445 smb+new-destination',
      '10.0.0.41:3389 rdp+new-destination',
      '10.0.0.42:5985 winrm+new-destination',
      '10.0.0.20:5432 long-session',
    ]);
    for (const v of alerts('lateral')) {
      expect(v.time).toBeGreaterThan(login);
      expect(v.fields.get('login_ip')).toBe(member);
    }
  });

  it('is audited from the verdict log: the campaign, the alerts, and the member explained', async () => {
    const html = join(dir, 'report.html');
    const run = await cli.run([
      'audit',
      '--verdicts',
      join(dir, 'verdicts.log'),
      '--fail2ban-log',
      join(dir, 'no-fail2ban.log'),
      '--json',
      '--html',
      html,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.alerts.map((a: { kind: string }) => a.kind)).toEqual([
      'compromise',
      'lateral',
      'lateral',
      'lateral',
      'lateral',
    ]);
    expect(report.campaigns.length).toBeGreaterThan(0);
    expect(existsSync(html)).toBe(true);
    const explain = await cli.run([
      'audit',
      '--verdicts',
      join(dir, 'verdicts.log'),
      '--fail2ban-log',
      join(dir, 'none'),
      '--ip',
      member,
    ]);
    expect(explain.stdout).toContain(`Address ${member}:`);
    expect(explain.stdout).toMatch(/verdict ALERT kind=compromise/);
    expect(explain.stdout).toMatch(/no-fail2ban-log/);
  });
});
