import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledCliSuite } from '../helpers/bundle-cli.js';

/**
 * `parse` shows an administrator what sshd's log says, on a terminal. A username is the client's: sshd escapes what
 * it writes itself, but a PAM module (pam_sss) logs the name it was given as it is, and a right-to-left override in it
 * showed `toor` as `root` (JSON quoting leaves it in), as the audit shows usernames already (docs/audit.md).
 */
describe('parse, on a terminal', () => {
  const { dir, run } = bundledCliSuite('parse-output');

  it('writes a username as a verdict value: control bytes and non-ASCII as \\xHH, a plain name bare', async () => {
    const log = join(dir, 'auth.log');
    writeFileSync(
      log,
      [
        'Nov 24 01:05:03 vm sshd[17982]: pam_sss(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9 user=\u202etoor\u001b[2J',
        'Nov 24 01:05:05 vm sshd[17980]: Failed password for r2tester from 203.0.113.9 port 4242 ssh2',
        '',
      ].join('\n'),
    );
    const { code, stdout } = await run(['parse', log]);
    expect(code).toBe(0);
    const users = stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t').at(-1));
    expect(users).toEqual(['user="\\xe2\\x80\\xaetoor\\x1b[2J"', 'user=r2tester']);
    expect(stdout).toMatch(/^[\x20-\x7e\t\n]*$/);
  });

  it('--json keeps the name, as JSON, in printable ASCII: non-ASCII and DEL as \\uXXXX', async () => {
    const log = join(dir, 'auth-json.log');
    // U+009B is CSI to a terminal that reads 8-bit controls (xterm does); JSON.stringify leaves it as it is.
    const name = '\u202etoor\u009b2J\u007f\u001b[2J';
    writeFileSync(
      log,
      `Nov 24 01:05:03 vm sshd[17982]: pam_sss(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9 user=${name}\n`,
    );
    const { code, stdout } = await run(['parse', log, '--json']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^[\x20-\x7e\n]*$/);
    expect((JSON.parse(stdout) as { user: string }).user).toBe(name);
  });
});

/** A line of each kind `parse` shows, and two it reads without an event (another program's, sshd's own news). */
const SAMPLE = [
  'Nov 24 01:05:03 vm sshd[100]: Failed password for invalid user admin from 203.0.113.9 port 4242 ssh2',
  'Nov 24 01:05:04 vm sshd[101]: Failed password for root from attacker.example.com port 4243 ssh2',
  'Nov 24 01:05:05 vm kernel: eth0: link up',
  'Nov 24 01:05:06 vm sshd[102]: Connection closed by 198.51.100.7 port 5000 [preauth]',
  'Nov 24 01:05:07 vm sshd[103]: message repeated 3 times: [ Failed password for root from 203.0.113.9 port 4244 ssh2]',
  'Nov 24 01:05:08 vm sshd[104]: Server listening on 0.0.0.0 port 22.',
  '',
].join('\n');
/** The sample's mtime: the year of its stamps. */
const MTIME = Date.UTC(2026, 10, 25);

describe('parse, line by line', () => {
  const { dir, run } = bundledCliSuite('parse-lines');

  function sample(name: string, text: string): string {
    const log = join(dir, name);
    writeFileSync(log, text);
    utimesSync(log, new Date(MTIME), new Date(MTIME));
    return log;
  }

  it("shows each event's line number, time, kind and count, address, reason and user, and sums up the file", async () => {
    const { code, stdout, stderr } = await run(['parse', sample('sample.log', SAMPLE)]);
    expect(code).toBe(0);
    expect(stdout.split('\n')).toEqual([
      '1\t2026-11-24T01:05:03.000Z\tfailure\t203.0.113.9\tfailed-password\tuser=admin',
      '2\t2026-11-24T01:05:04.000Z\tfailure\tattacker.example.com (hostname: never banned)\tfailed-password\tuser=root',
      '4\t2026-11-24T01:05:06.000Z\tprobe\t198.51.100.7\tclosed-preauth',
      '5\t2026-11-24T01:05:07.000Z\tfailurex3\t203.0.113.9\tfailed-password\tuser=root',
      '',
    ]);
    expect(stderr).toBe(
      'lines read 6, events 4 (attempts 5; failure 3, probe 1), recognised without event 1, ' +
        'skipped not-sshd 1, no-event 1\n',
    );
  });

  it('--json: the same events, each with its line number and its time in ISO 8601', async () => {
    const { code, stdout } = await run(['parse', '--json', sample('sample-json.log', SAMPLE)]);
    expect(code).toBe(0);
    const events = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((e) => [e['line'], e['time'], e['ip'], e['bannable'], e['count']])).toEqual([
      [1, '2026-11-24T01:05:03.000Z', '203.0.113.9', true, 1],
      [2, '2026-11-24T01:05:04.000Z', 'attacker.example.com', false, 1],
      [4, '2026-11-24T01:05:06.000Z', '198.51.100.7', true, 1],
      [5, '2026-11-24T01:05:07.000Z', '203.0.113.9', true, 3],
    ]);
    expect(events[0]).toEqual({
      line: 1,
      time: '2026-11-24T01:05:03.000Z',
      kind: 'failure',
      reason: 'failed-password',
      ip: '203.0.113.9',
      bannable: true,
      count: 1,
      port: 4242,
      user: 'admin',
      invalidUser: true,
      method: 'password',
      pid: 100,
      host: 'vm',
    });
  });

  it('--help names every field --json writes', async () => {
    const { stdout } = await run(['parse', '--json', sample('sample-fields.log', SAMPLE)]);
    const keys = new Set(
      stdout
        .trim()
        .split('\n')
        .flatMap((line) => Object.keys(JSON.parse(line) as object)),
    );
    expect(keys, "SAMPLE's lines give every optional field").toContain('repeated');
    const help = (await run(['parse', '--help'])).stdout.replace(/\s+/g, ' ');
    const fields = /one JSON object per event: ([^)]*)\)/.exec(help)?.[1] ?? '';
    expect([...keys].filter((key) => !new RegExp(`\\b${key}\\b`).test(fields))).toEqual([]);
  });

  it("--headerless: `sshd -E` lines get the file's modification time, and a clean file says it skipped none", async () => {
    const log = sample('sshd-e.log', 'Invalid user admin from 203.0.113.9 port 4242\n');
    const { code, stdout, stderr } = await run(['parse', '--headerless', log]);
    expect(code).toBe(0);
    expect(stdout).toBe('1\t2026-11-25T00:00:00.000Z\tfailure\t203.0.113.9\tinvalid-user\tuser=admin\n');
    expect(stderr).toBe('lines read 1, events 1 (attempts 1; failure 1), recognised without event 0, skipped none\n');
  });
});
