import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Progress } from '../../src/audit/progress.js';
import { runAudit } from '../../src/audit/run-audit.js';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { writeDemoLogs } from './demo-logs.js';

const cli = bundledCliSuite('audit-cli');
const dir = cli.dir;
let logs = { verdictLog: '', fail2banLog: '', authLog: '' };

beforeAll(async () => {
  logs = writeDemoLogs(dir);
}, 60_000);

const base = () => ['audit', '--verdicts', logs.verdictLog, '--fail2ban-log', logs.fail2banLog];

describe('f2b-campaign audit (the bundled CLI)', () => {
  it('prints the campaigns table, with the member fail2ban ignored and why', async () => {
    const run = await cli.run([...base(), '--auth-log', logs.authLog]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^f2b-campaign audit: 2 campaign\(s\), 53 member\(s\)/);
    expect(run.stdout).toMatch(
      /c-7f3a\s+2026-02-15 13:12:00\s+2026-02-15 14:35:00\s+47\s+46\s+1\s+3\s+rhythm\+synchrony\+prefix/,
    );
    expect(run.stdout).toMatch(
      /c-7f3a\s+192\.0\.2\.99\s+2026-02-15 13:44:31\s+NOT banned: ignoreip: fail2ban ignored it \(ip\)/,
    );
    expect(run.stderr).toBe('');
  });

  it('writes JSON that parses, and an HTML file', async () => {
    const html = join(dir, 'out.html');
    const run = await cli.run([...base(), '--json', '--html', html, '--auth-log', logs.authLog]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.campaigns.map((c: { id: string; memberCount: number }) => [c.id, c.memberCount])).toEqual([
      ['c-7f3a', 47],
      ['c-8b21', 6],
    ]);
    expect(report.campaigns[0].topUsers[0]).toEqual({ user: 'root', count: 53 });
    expect(readFileSync(html, 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('writes JSON in printable ASCII, a name with a right-to-left override or an 8-bit control as \\uXXXX', async () => {
    const verdicts = join(dir, 'alert-verdicts.log');
    writeFileSync(
      verdicts,
      '2026-02-16T09:31:40.512Z f2b-campaign[4242]: ALERT kind=compromise ip=58.15.104.70 user="\\xe2\\x80\\xaetoor\\xc2\\x9b2J" campaign=c-1 reason=member signals=dictionary method=password\n',
    );
    const run = await cli.run(['audit', '--verdicts', verdicts, '--fail2ban-log', logs.fail2banLog, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^[\x20-\x7e\n]*$/);
    expect(JSON.parse(run.stdout).alerts[0].user).toBe('\u202etoor\u009b2J');
  });

  it('refuses a bad --since with a usage error (exit 64)', async () => {
    const run = await cli.run([...base(), '--since', 'last tuesday']);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain('--since: expected RFC 3339, YYYY-MM-DD or a duration, got "last tuesday"');
  });

  it('refuses an --ip that is no address with a usage error, not "0 verdicts" (found in review)', async () => {
    const run = await cli.run([...base(), '--ip', 'not-an-ip']);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain('--ip: expected an IPv4 or IPv6 address, got "not-an-ip"');
  });

  it('shows progress on a terminal (a real pty through script(1)), and none when piped', () => {
    const command = ['node', cli.bundle, ...base()].map((a) => `'${a}'`).join(' ');
    const tty = execFileSync('script', ['-qec', `${command} >/dev/null`, '/dev/null'], { encoding: 'utf8' });
    expect(tty).toMatch(/reading fail2ban log: \d+% \(file 1\/1 fail2ban\.log\)/);
    expect(tty).toMatch(/reading verdicts: \d+% \(file 1\/2 verdicts\.log\.1\)/);
    expect(tty).toContain('\r\x1b[K');
  });

  it('reports progress through a TTY stream only', async () => {
    const writes: string[] = [];
    await runAudit({
      ...logs,
      jail: 'f2b-campaign',
      matchWindow: 86_400_000,
      filters: {},
      now: 0,
      progress: new Progress({ isTTY: false, write: (t: string) => writes.push(t) }),
    });
    expect(writes).toEqual([]);
  });
});
