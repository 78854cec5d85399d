import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { campaignLog } from '../helpers/campaign-log.js';
import { verdictLines } from '../service/helpers.js';

/** `replay` as a user runs it: what reaches the verdict file and the summary on stderr. */
const t = bundledCliSuite('replay-command');

const T0 = Date.UTC(2026, 10, 2, 9);

/** The small campaign's lines as `sshd -E` writes them: no stamp, no host, no program. */
const headerless = (text: string) => text.replace(/^\S+ host sshd\[\d+\]: /gm, '');

function setMtime(path: string, time: number): void {
  utimesSync(path, new Date(time), new Date(time));
}

const summaryOf = (stderr: string) => JSON.parse(stderr.trim().split('\n').at(-1)!) as Record<string, unknown>;

describe('replay --headerless over a rotated set', () => {
  it("stamps each file's lines with that file's modification time, not the first file's", async () => {
    const older = join(t.dir, 'sshd-e.log.1');
    const current = join(t.dir, 'sshd-e.log');
    writeFileSync(older, 'Connection closed by 192.0.2.7 port 4000 [preauth]\n');
    writeFileSync(current, headerless(campaignLog(T0)));
    setMtime(older, T0 - 86_400_000);
    setMtime(current, T0);
    const verdicts = join(t.dir, 'sshd-e-v.log');
    const options = ['--headerless', '--fail2ban-defaults', '--verdicts', verdicts];
    const run = await t.run(['replay', ...options, '--auth-log', older, '--auth-log', current]);
    expect(run.code, run.stderr).toBe(0);
    const lines = verdictLines(verdicts);
    expect(lines.filter((v) => v.verb === 'BAN').length).toBeGreaterThan(0);
    // The campaign is all in the current file: its verdicts come at that file's mtime, a day after the older one's.
    expect(new Set(lines.map((v) => v.time))).toEqual(new Set([T0]));
  }, 60_000);
});

describe("replay's summary and verdict file", () => {
  it('counts the verdicts and the bans among them, and appends to --verdicts', async () => {
    const log = join(t.dir, 'auth.log');
    writeFileSync(log, campaignLog(T0));
    const verdicts = join(t.dir, 'appended.log');
    writeFileSync(verdicts, 'an earlier line\n');
    const first = await t.run(['replay', '--fail2ban-defaults', '--auth-log', log, '--verdicts', verdicts]);
    expect(first.code, first.stderr).toBe(0);
    const lines = verdictLines(verdicts);
    const bans = lines.filter((v) => v.verb === 'BAN').length;
    // The campaign's opening is a verdict, not a ban.
    expect(lines.some((v) => v.verb === 'CAMPAIGN')).toBe(true);
    expect(summaryOf(first.stderr)).toMatchObject({ files: 1, events: 48, verdicts: lines.length, bans });
    expect(bans).toBeGreaterThan(0);

    const second = await t.run(['replay', '--fail2ban-defaults', '--auth-log', log, '--verdicts', verdicts]);
    expect(second.code, second.stderr).toBe(0);
    const text = readFileSync(verdicts, 'utf8').split('\n');
    expect(text[0]).toBe('an earlier line');
    expect(verdictLines(verdicts)).toHaveLength(2 * lines.length);
  }, 60_000);

  it('replays a --sockets file that is no socket trace without samples, says so, and exits 1', async () => {
    const log = join(t.dir, 'auth-2.log');
    writeFileSync(log, campaignLog(T0));
    const verdicts = join(t.dir, 'no-trace-v.log');
    // The auth log given for the trace: a plausible slip of the shell.
    const options = ['--fail2ban-defaults', '--verdicts', verdicts];
    const run = await t.run(['replay', ...options, '--auth-log', log, '--sockets', log]);
    expect(run.code).toBe(1);
    const [summary, message, ...rest] = run.stderr.trim().split('\n');
    expect(rest).toEqual([]);
    expect(JSON.parse(summary!)).toMatchObject({ samples: 0, sockets: { blocks: 0 } });
    expect(message).toBe(
      `f2b-campaign replay: --sockets ${log}: not a socket trace (no "@ <time>" block; 48 malformed lines): ` +
        'replayed without samples',
    );
    expect(verdictLines(verdicts).some((v) => v.verb === 'BAN')).toBe(true);
  }, 60_000);
});

describe('replay given standard input twice', () => {
  // Standard input is read from its descriptor, whose readers share one offset even when it is a file: given to both
  // --auth-log and --sockets, each reader would take its own parts of the log, and the attempts in the others be lost.
  it('refuses it for --auth-log and --sockets when it is redirected from a file, as when it is a pipe', () => {
    const log = join(t.dir, 'stdin.log');
    writeFileSync(log, campaignLog(T0));
    const fd = openSync(log, 'r');
    try {
      const run = spawnSync(
        process.execPath,
        [t.bundle, 'replay', '--fail2ban-defaults', '--auth-log', '-', '--sockets', '-'],
        { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000 },
      );
      expect(run.stderr).toContain('--sockets - is --auth-log -, given twice');
      expect(run.status).toBe(64);
    } finally {
      closeSync(fd);
    }
  }, 60_000);
});
