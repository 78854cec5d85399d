import {
  closeSync,
  constants,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/bundle-cli.js';
import { bundledSuite } from '../service/bundled-suite.js';
import { campaignLines, pacedLog, serviceFiles, serviceLog, sleep, waitFor } from '../service/helpers.js';
import { Fail2banServer } from './fail2ban-server.js';

/**
 * An admin's logrotate stanza with `copytruncate`: logrotate 3.21 opens the log (O_RDWR), creates `.1`, reads the log
 * to its end into `.1`, then ftruncate()s the log it still holds open to 0 (seen with strace). A BAN line the service
 * writes between that end and the truncation is in neither file; the service writes it again, as its
 * `repeat=rotation` copy, when it finds the log emptied (docs/service.md, "copytruncate"). The window is made
 * deterministic here by doing logrotate's steps ourselves, the same calls in the same order, and writing sshd lines
 * until the service wrote a BAN line past the copied end. The bundled service, a real fail2ban-server (bundled jail,
 * polling backend) and the bundled `audit`: until 2026-11-24 the audit took the copy for no verdict, so the member's
 * verdict was missing and fail2ban's ban of it was "no BAN verdict explains".
 */
const t = bundledSuite('copytruncate-window', { config: ['sample_interval = 1s'] });
const f2b = new Fail2banServer(t.dir);
afterAll(() => f2b.dispose());

/** The BAN lines of a verdict log's text, as written. */
const banLines = (text: string) => text.split('\n').filter((l) => / f2b-campaign\[\d+\]: BAN /.test(l));
const ipOf = (line: string) => / BAN ip=(\S+)/.exec(line)![1]!;
const COPY = ' repeat=rotation';

/** logrotate's copy step: the log open read-write, `.1` created exclusively (0600), the log read to its end into it. */
function copyAsLogrotate(path: string): { fd: number; copied: number } {
  const fd = openSync(path, constants.O_RDWR | constants.O_NOFOLLOW);
  const out = openSync(`${path}.1`, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  const buffer = Buffer.alloc(8192);
  let copied = 0;
  for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) copied += writeSync(out, buffer, 0, n);
  closeSync(out);
  return { fd, copied };
}

interface Report {
  sources: { verdictFiles: string[]; copyVerdicts: number };
  campaigns: Array<{
    members: Array<{ ip: string; verdicts: Array<{ outcome: { status: string }; fromCopy?: boolean }> }>;
  }>;
  unexplainedBans: Array<{ ip: string }>;
}

describe("a BAN line written between logrotate copytruncate's copy and its truncation", () => {
  it("is one verdict of its member, known from its repeat=rotation copy, and explains fail2ban's ban", async () => {
    f2b.configure();
    writeFileSync(f2b.verdictLog, '');
    await f2b.start();
    const verdicts = f2b.verdictLog;
    const auth = join(t.dir, 'auth.log');
    const run = t.start(serviceFiles(t.dir, auth, verdicts), join(t.dir, 'run.out'));
    const said = () => serviceLog(run.out);
    await waitFor(() => said().some((l) => l['event'] === 'service-started'), 15_000, 'the start');
    const lines = campaignLines(20261124);
    const paced = pacedLog(auth, lines);
    const bans = () => banLines(readFileSync(verdicts, 'utf8'));
    const banned = (ip: string) => f2b.banned().includes(`+${ip}\n`);
    await paced.write(Math.floor(lines.length * 0.4));
    await waitFor(() => bans().length >= 4, 10_000, 'BAN lines before the rotation');
    await f2b.waitFor('fail2ban to ban them', () => bans().every((l) => banned(ipOf(l))));
    // Older than the 10 s the service writes again: the emptied log is refilled shorter than fail2ban had read it,
    // so fail2ban notices the truncation whatever its timing (docs/service.md).
    await sleep(11_000);

    const { fd, copied } = copyAsLogrotate(verdicts);
    const window = () => banLines(readFileSync(verdicts).subarray(copied).toString('utf8'));
    while (window().length === 0) {
      if (paced.written >= lines.length) throw new Error('no BAN line came between the copy and the truncation');
      await paced.write(paced.written + 15);
      await sleep(100);
    }
    const seen = window();
    ftruncateSync(fd, 0);
    closeSync(fd);

    await waitFor(() => said().some((l) => l['event'] === 'verdict-log-truncated'), 10_000, 'the truncation noticed');
    const copies = () => banLines(readFileSync(verdicts, 'utf8')).filter((l) => l.endsWith(COPY));
    await waitFor(() => seen.every((l) => copies().includes(`${l}${COPY}`)), 10_000, 'the copies');
    await f2b.waitFor('fail2ban to ban the lost lines', () => seen.every((l) => banned(ipOf(l))));
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    await f2b.stop();

    const audit = await runCli(t.bundle, [
      'audit',
      '--verdicts',
      verdicts,
      '--fail2ban-log',
      f2b.fail2banLog,
      '--json',
    ]);
    expect(audit.code, audit.stderr).toBe(0);
    const report = JSON.parse(audit.stdout) as Report;
    // The lines in neither file: copies whose original is in none (those the service wrote after `seen` too).
    const written = banLines([readFileSync(`${verdicts}.1`, 'utf8'), readFileSync(verdicts, 'utf8')].join('\n'));
    const lost = copies()
      .map((l) => l.slice(0, -COPY.length))
      .filter((l) => !written.includes(l));
    expect(lost).toEqual(expect.arrayContaining(seen));
    expect(report.sources.verdictFiles.map((f) => f.slice(t.dir.length + 1))).toEqual([
      'verdicts.log.1',
      'verdicts.log',
    ]);
    const members = new Map(report.campaigns.flatMap((c) => c.members).map((m) => [m.ip, m.verdicts]));
    const ip = ipOf(lost[0]!);
    // Each lost line: one verdict, banned, said to be known from its copy.
    for (const line of lost)
      expect(members.get(ipOf(line)), line).toMatchObject([{ outcome: { status: 'banned' }, fromCopy: true }]);
    expect(report.unexplainedBans, f2b.readLog()).toEqual([]);
    expect(report.sources.copyVerdicts).toBe(lost.length);
    // Every BAN line of either file is one verdict, never two: originals, and copies whose original is gone.
    const distinct = new Set(written.map((l) => (l.endsWith(COPY) ? l.slice(0, -COPY.length) : l)));
    const audited = [...members.values()].flat();
    expect(audited).toHaveLength(distinct.size);
    expect(audited.filter((v) => v.fromCopy === true)).toHaveLength(lost.length);
    // The table says it: in the summary, and beside the verdict.
    const table = await runCli(t.bundle, [
      'audit',
      '--verdicts',
      verdicts,
      '--fail2ban-log',
      f2b.fail2banLog,
      '--ip',
      ip,
    ]);
    const n = lost.length;
    expect(table.stdout).toContain(
      `, ${n} BAN verdict${n === 1 ? '' : 's'} known from ${n === 1 ? 'its' : 'their'} repeat=rotation copy alone`,
    );
    expect(table.stdout).toMatch(/=> campaign \S+, verdict [-\d: ]+ \(from its copy\) \(\w+\): banned /);
  }, 120_000);
});
