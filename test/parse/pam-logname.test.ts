import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SshdParser } from '../../src/parse/sshd-parser.js';
import { bundledCliSuite } from '../helpers/bundle-cli.js';

/**
 * pam_krb5 (Debian's libpam-krb5, and every module built on rra-c-util's putil_log_failure) records a failed try as
 * `authentication failure; logname=<PAM user> uid=0 euid=0 tty=ssh ruser= rhost=<host>`: the name the client sent
 * stands before the host. A name with spaces wrote a whole `... rhost=<anyone> user=` of its own there, and the
 * parser, reading the first `rhost=`, gave the line to that address (found in review).
 */
/** The bundled filter, as fail2ban reads it. */
const FILTER = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fail2ban', 'filter.d', 'f2b-campaign.conf');
const VICTIM = '198.51.100.77';
const ATTACKER = '203.0.113.9';
const planted = `a uid=0 euid=0 tty=ssh ruser= rhost=${VICTIM} user=b`;
const krb5 = (logname: string, rhost: string, after = '') =>
  `pam_krb5(sshd:auth): authentication failure; logname=${logname} uid=0 euid=0 tty=ssh ruser= rhost=${rhost}${after}`;

describe('a PAM record whose login name is the client’s', () => {
  const cli = bundledCliSuite('pam-logname');
  const dir = cli.dir;

  it('never names an address the client planted in it (`parse` on a real file)', async () => {
    const log = join(dir, 'auth.log');
    writeFileSync(
      log,
      [
        `Nov 24 01:05:03 vm sshd[17982]: ${krb5(planted, ATTACKER)}`,
        `Nov 24 01:05:05 vm sshd[17982]: Failed password for invalid user ${planted} from ${ATTACKER} port 4242 ssh2`,
        `Nov 24 01:05:07 vm sshd[17990]: ${krb5('alice', ATTACKER)}`,
        // A name with spaces that plants nothing is still read, as the one reading it has.
        `Nov 24 01:05:09 vm sshd[17991]: ${krb5('carol smith', ATTACKER)}`,
        '',
      ].join('\n'),
    );
    const { code, stdout, stderr } = await cli.run(['parse', log, '--json']);
    expect(code).toBe(0);
    const events = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { line: number; ip: string });
    expect(events.map((e) => [e.line, e.ip])).toEqual([
      [2, ATTACKER],
      [3, ATTACKER],
      [4, ATTACKER],
    ]);
    expect(stderr).toMatch(/ambiguous 1\b/);
  });

  it('gets no bystander banned: a stale cron under maxretry, named by a campaign member’s pam_krb5 lines', async () => {
    // A campaign (simulate's waves) whose members try names ending in what pam_krb5 writes after the logname, and
    // one member whose pam_krb5 lines plant the bystander's address with those names: the bystander, which fails
    // a password every 13 minutes and never comes near fail2ban's maxretry, had the campaign's names and was banned.
    const sim = join(dir, 'waves');
    expect((await cli.run(['simulate', '--scenario', 'waves', '--out', sim])).code).toBe(0);
    const members = new Set(
      (JSON.parse(readFileSync(join(sim, 'truth.json'), 'utf8')) as { members: string[] }).members,
    );
    const lines = readFileSync(join(sim, 'auth.log'), 'utf8').trimEnd().split('\n');
    const planter = lines.map((l) => /from (\S+) port/.exec(l)?.[1]).find((ip) => ip !== undefined && members.has(ip))!;
    const tail = ` uid=0 euid=0 tty=ssh ruser= rhost=${planter}`;
    const names = new Set<string>();
    const renamed = lines.map((line) => {
      const ip = /(\d+\.\d+\.\d+\.\d+)/.exec(line)?.[1];
      if (ip === undefined || !members.has(ip)) return line;
      return line.replace(
        /(Invalid user|for invalid user|by invalid user|from invalid user|Failed password for) (\S+) /,
        (_, before: string, name: string) => {
          names.add(name);
          return `${before} ${name}${tail} `;
        },
      );
    });
    const at = (ms: number) => new Date(Date.UTC(2026, 1, 16, 9, 2) + ms).toISOString().replace('Z', '000+00:00');
    const added: string[] = [];
    for (let i = 0; i < 6; i++) {
      const t = i * 13 * 60_000;
      added.push(
        `${at(t)} bastion sshd[${40_000 + i}]: Failed password for oracle from ${VICTIM} port ${50_000 + i} ssh2`,
      );
    }
    [...names, ...names].forEach((name, i) => {
      const logname = `a uid=0 euid=0 tty=ssh ruser= rhost=${VICTIM} user=${name}`;
      added.push(`${at(40_000 + i * 50_000)} bastion sshd[${41_000 + i}]: ${krb5(logname, planter)}`);
    });
    const log = join(dir, 'planted.log');
    writeFileSync(
      log,
      `${[...renamed, ...added].sort((a, b) => a.slice(0, 32).localeCompare(b.slice(0, 32))).join('\n')}\n`,
    );
    const verdicts = join(dir, 'planted-verdicts.log');
    const run = await cli.run(['replay', '--auth-log', log, '--verdicts', verdicts, '--fail2ban-defaults']);
    expect(run.code, run.stderr).toBe(0);
    const banned = execFileSync('fail2ban-regex', ['-o', 'ip', verdicts, FILTER], {
      encoding: 'utf8',
    })
      .split('\n')
      .filter((ip) => ip !== '');
    expect(banned).toContain(planter);
    expect(banned.length).toBeGreaterThanOrEqual(40);
    expect(banned).not.toContain(VICTIM);
  }, 120_000);
});

describe('readings of a PAM record', () => {
  const parse = (message: string) =>
    new SshdParser({ referenceTime: Date.UTC(2026, 5, 1) }).parseLine(`Feb 15 14:23:12 web1 sshd[4242]: ${message}`);

  it('are all taken: a name planting one address on both sides of the host is skipped, not read', () => {
    // A module writing the client's name both as logname= and as user= leaves the host in the middle.
    const user = `c uid=0 euid=0 tty=ssh ruser= rhost=${VICTIM}`;
    expect(parse(krb5(planted, ATTACKER, `  user=${user}`))).toBeNull();
    expect(parse(krb5('', ATTACKER, `  user=${user}`))).toBeNull();
  });

  it('give pam_unix and pam_sss lines their host and user as before', () => {
    const e = parse(
      `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ATTACKER}  user=root`,
    );
    expect([e?.ip, e?.user, e?.count]).toEqual([ATTACKER, 'root', 0]);
    const planting = parse(
      `pam_sss(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ATTACKER} user=x rhost=${VICTIM} user=y`,
    );
    expect(planting?.ip).toBe(ATTACKER);
  });

  it("do not charge a planted address with PAM's summary", () => {
    const parser = new SshdParser({ referenceTime: Date.UTC(2026, 5, 1) });
    const line = `Feb 15 14:23:12 web1 sshd[4242]: PAM 2 more authentication failures; logname=${planted} uid=0 euid=0 tty=ssh ruser= rhost=${ATTACKER}`;
    const e = parser.parseLine(line);
    expect(e === null || e.ip === ATTACKER).toBe(true);
  });
});
