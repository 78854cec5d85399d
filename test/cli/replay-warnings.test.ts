// `replay` reads fail2ban's thresholds as the service does; what it cannot honour as fail2ban does must reach the
// user on stderr (the service logs it), never silently, and never among the verdicts on stdout.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findScenario } from '../../src/simulate/scenarios.js';
import { writeScenario } from '../../src/simulate/write-scenario.js';
import { bundledCliSuite } from '../helpers/bundle-cli.js';

/** Verdict lines without the pid of the process that wrote them. */
const verdicts = (stdout: string): string => stdout.replace(/f2b-campaign\[\d+\]/g, 'f2b-campaign');

describe('replay, given a fail2ban configuration it cannot read as fail2ban does', () => {
  const { dir, run } = bundledCliSuite('replay-warn');
  let log: string;
  let stock: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    log = (await writeScenario(findScenario('one-try')!, join(dir, 'one-try'))).authLog;
    const fail2ban = join(dir, 'stock');
    cpSync('/etc/fail2ban', fail2ban, { recursive: true });
    stock = await run(['replay', '--auth-log', log, '--fail2ban-dir', fail2ban]);
  }, 120_000);

  it('says nothing more than its summary with a configuration it reads as fail2ban does', () => {
    expect(stock.code).toBe(0);
    expect(stock.stdout).toMatch(/ BAN /);
    expect(stock.stderr).not.toContain('warning');
    expect(stock.stderr.trim().split('\n')).toHaveLength(1); // the summary
  });

  it.each([
    {
      title: 'a jail file that cannot be read',
      make: (fail2ban: string) => {
        cpSync('/etc/fail2ban', fail2ban, { recursive: true });
        mkdirSync(join(fail2ban, 'jail.d', 'broken.local')); // unreadable as a file, even for root
      },
      warning: /^f2b-campaign replay: warning: \/.*\/jail\.d\/broken\.local cannot be read \(EISDIR\): /m,
    },
    {
      title: 'no sshd jail',
      make: (fail2ban: string) => {
        mkdirSync(fail2ban);
        writeFileSync(join(fail2ban, 'jail.conf'), '[DEFAULT]\nmaxretry = 5\nfindtime = 10m\nbantime = 10m\n');
      },
      warning: /^f2b-campaign replay: warning: there is no \[sshd\] jail in .*: its \[DEFAULT\] values are used/m,
    },
  ])('warns on stderr about $title, and writes the same verdicts', async ({ make, warning }) => {
    const fail2ban = join(dir, `f2b-${Math.random().toString(36).slice(2)}`);
    make(fail2ban);
    const got = await run(['replay', '--auth-log', log, '--fail2ban-dir', fail2ban]);
    expect(got.code).toBe(0);
    expect(got.stderr).toMatch(warning);
    expect(got.stdout).not.toContain('warning');
    expect(verdicts(got.stdout)).toBe(verdicts(stock.stdout)); // the same thresholds as the stock configuration
    // The summary is still the last line of stderr, with the thresholds read.
    const summary = JSON.parse(got.stderr.trim().split('\n').at(-1)!);
    expect(summary.thresholds).toMatchObject({ maxretry: 5, findtime: 600_000 });
  });
});
