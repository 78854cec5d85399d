import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/bundle-cli.js';
import { bundledSuite } from './bundled-suite.js';
import {
  campaignLines,
  pacedLog,
  serviceFiles,
  serviceLog,
  setUpServiceDir,
  sleep,
  verdictLineKeys,
  waitFor,
} from './helpers.js';

/**
 * The bundled program's verdict log rotated by the real logrotate while it runs and again while it is stopped: every
 * line of the verdict log and its rotations, the `repeat=rotation` copies included, is one `verdict-written` of the
 * service's log, with the line as the file has it; a copy is marked as one. Until 2026-11-24 a copy was only counted
 * in `verdict-log-reopened` (or `verdict-log-truncated`): lines in the verdict log no event of the service's named.
 */
const t = bundledSuite('verdict-log-trail');

const fileLines = (path: string) =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l.length > 0)
    : [];

describe('the service log names every line of the verdict log', () => {
  it.each(['create', 'copytruncate'] as const)(
    'with logrotate (%s) while running and while stopped, copies included',
    async (how) => {
      const dir = join(t.dir, how);
      mkdirSync(dir);
      setUpServiceDir(dir, ['sample_interval = 1s']);
      const log = join(dir, 'auth.log');
      const verdicts = join(dir, 'verdicts.log');
      const rules = join(dir, 'logrotate.conf');
      writeFileSync(rules, `${verdicts} {\n  rotate 5\n  ${how}\n  missingok\n}\n`);
      const rotate = () =>
        execFileSync('logrotate', ['-f', '-s', join(dir, 'logrotate.state'), rules], { stdio: 'pipe' });
      const outs: string[] = [];
      const start = () => {
        const out = join(dir, `run-${outs.length + 1}.out`);
        outs.push(out);
        return t.start(serviceFiles(dir, log, verdicts), out);
      };
      const said = () => outs.flatMap((out) => serviceLog(out));
      const written = () => [3, 2, 1, 0].flatMap((n) => verdictLineKeys(n === 0 ? verdicts : `${verdicts}.${n}`));
      const copiesSaid = () => said().filter((l) => l['event'] === 'verdict-written' && l['repeat'] === 'rotation');

      const lines = campaignLines(20261124);
      const n = lines.length;
      const paced = pacedLog(log, lines);

      let run = start();
      await waitFor(() => said().some((l) => l['event'] === 'service-started'), 15_000, 'the start');
      await paced.write(Math.floor(n * 0.4));
      await waitFor(() => written().length > 6, 10_000, 'verdicts of the first run');
      // Within a run: the BAN lines of the last 10 s are written again into the new (or emptied) file.
      rotate();
      const event = how === 'create' ? 'verdict-log-reopened' : 'verdict-log-truncated';
      const whileStopped = `${how === 'create' ? 'rotated' : 'truncated'}-while-stopped`;
      const repeated = () =>
        said().filter((l) => l['event'] === event && l['reason'] !== whileStopped && Number(l['repeated']) > 0);
      await waitFor(() => repeated().length > 0, 10_000, 'the copies within the run');
      const before = written().length;
      await paced.write(Math.floor(n * 0.7));
      await waitFor(() => written().length > before, 10_000, 'verdicts after the rotation');
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      // While stopped, at once: the next start writes the last BAN lines of the stopped run again.
      rotate();
      run = start();
      const stoppedCopies = () =>
        said().filter((l) => l['event'] === 'verdict-log-reopened' && l['reason'] === whileStopped);
      await waitFor(() => stoppedCopies().length > 0, 15_000, 'the copies at the start');
      await paced.write(n);
      paced.close();
      await sleep(2500);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);

      const inFiles = [3, 2, 1, 0].flatMap((r) => fileLines(r === 0 ? verdicts : `${verdicts}.${r}`));
      const logged = said()
        .filter((l) => l['event'] === 'verdict-written')
        .map((l) => String(l['line']));
      expect(logged.sort()).toEqual(inFiles.sort());
      // The copies are said as copies, as many as the rotations announced.
      const announced = [...repeated(), ...stoppedCopies()].reduce((sum, l) => sum + Number(l['repeated']), 0);
      expect(stoppedCopies()[0]!['repeated']).toBeGreaterThan(0);
      expect(copiesSaid()).toHaveLength(announced);
      expect(copiesSaid().every((l) => String(l['line']).endsWith(' repeat=rotation'))).toBe(true);

      // The audit counts each verdict once: the copies are no new verdicts.
      writeFileSync(join(dir, 'fail2ban.log'), '');
      const audit = await runCli(t.bundle, [
        'audit',
        '--verdicts',
        verdicts,
        '--fail2ban-log',
        join(dir, 'fail2ban.log'),
        '--json',
      ]);
      expect(audit.stderr).toBe('');
      const bans = new Set(written().filter((k) => k.startsWith('BAN ')));
      expect(bans.size).toBe(written().filter((k) => k.startsWith('BAN ')).length);
      const report = JSON.parse(audit.stdout) as { campaigns: { members: { verdicts: unknown[] }[] }[] };
      const audited = report.campaigns.flatMap((c) => c.members).reduce((sum, m) => sum + m.verdicts.length, 0);
      expect(audited).toBe(bans.size);
    },
    120_000,
  );
});
