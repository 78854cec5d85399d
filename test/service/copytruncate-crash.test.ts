import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { banVerdict } from '../../src/core/verdict.js';
import { formatVerdictLine } from '../../src/verdict/verdict-line.js';
import { bundleCli } from '../helpers/bundle-cli.js';
import {
  campaignLines,
  onePassKeys,
  pacedLog,
  runService,
  type ServiceProcess,
  serviceFiles,
  serviceLog,
  setUpServiceDir,
  sleep,
  tempDir,
  verdictLineKeys,
  waitFor,
} from './helpers.js';

/**
 * The bundled program, killed with -9 after an admin's logrotate stanza with `copytruncate` (the real logrotate)
 * emptied the verdict log it had written verdicts to since its last save. The restart reads the lines since that
 * save again and makes those verdicts again: they are in the copy at `.1` now, and must not be written twice.
 * Once with the service stopped (SIGSTOP) before it could notice the truncation, once after it noticed it, wrote the
 * recent BAN lines again and went on writing verdicts into the emptied file.
 */
const t = tempDir('copytruncate-crash');
afterAll(t.cleanup);
let bundle = '';

const started: ServiceProcess[] = [];
afterAll(async () => {
  for (const run of started) run.child.kill('SIGKILL');
  await Promise.all(started.map((run) => run.ended));
});

beforeAll(async () => {
  bundle = await bundleCli(t.dir);
}, 60_000);

/** A BAN line of yesterday the log held before the service started: the saved end of the log is past it. */
const YESTERDAY = formatVerdictLine(banVerdict(Date.now() - 86_400_000, '198.51.100.7', 'c-0', 'dictionary'), 4242);

describe('kill -9 after a copytruncate of the verdict log', () => {
  it.each([
    ['before the service noticed the truncation', false],
    ['after the service noticed it and wrote on into the emptied file', true],
  ])(
    'writes every verdict once, %s',
    async (_title, noticed) => {
      const dir = join(t.dir, noticed ? 'noticed' : 'unnoticed');
      mkdirSync(dir);
      // Saved only at start and at a clean stop: the kill -9 always leaves verdicts written after the saved end.
      setUpServiceDir(dir, ['sample_interval = 1s', 'state_interval = 1h']);
      const log = join(dir, 'auth.log');
      const verdicts = join(dir, 'verdicts.log');
      writeFileSync(verdicts, `${YESTERDAY}\n`);
      const rules = join(dir, 'logrotate.conf');
      writeFileSync(rules, `${verdicts} {\n  rotate 5\n  copytruncate\n  missingok\n}\n`);
      const start = (out: string) => {
        const run = runService(bundle, serviceFiles(dir, log, verdicts), join(dir, out));
        started.push(run);
        return run;
      };
      const written = () => [...verdictLineKeys(`${verdicts}.1`), ...verdictLineKeys(verdicts)];

      const lines = campaignLines(20261124);
      const n = lines.length;
      const paced = pacedLog(log, lines);
      const write = paced.write;

      let run = start('run-1.out');
      await waitFor(() => serviceLog(run.out).some((l) => l['event'] === 'service-started'), 15_000, 'the start');
      await write(Math.floor(n * 0.4));
      await waitFor(() => verdictLineKeys(verdicts).length > 6, 10_000, 'verdicts of the first run');
      await sleep(1500);
      if (!noticed) run.child.kill('SIGSTOP');
      execFileSync('logrotate', ['-f', '-s', join(dir, 'logrotate.state'), rules], { stdio: 'pipe' });
      if (noticed) {
        const truncated = () => serviceLog(run.out).some((l) => l['event'] === 'verdict-log-truncated');
        await waitFor(truncated, 10_000, 'the truncation noticed');
        const before = written().length;
        await write(Math.floor(n * 0.6));
        await waitFor(() => written().length > before, 10_000, 'verdicts into the emptied file');
        await sleep(1000);
      }
      run.child.kill('SIGKILL');
      await run.ended;

      run = start('run-2.out');
      await waitFor(() => serviceLog(run.out).some((l) => l['event'] === 'service-started'), 15_000, 'the restart');
      await write(n);
      paced.close();
      const expected = [...onePassKeys(lines), 'BAN ip=198.51.100.7 campaign=c-0'];
      await waitFor(() => written().length >= expected.length, 20_000).catch(() => undefined);
      await sleep(1500);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(written().sort()).toEqual(expected.sort());
      const suppressed = serviceLog(run.out).filter((l) => l['event'] === 'verdict-already-written');
      expect(suppressed.length).toBeGreaterThan(5);
    },
    120_000,
  );
});
