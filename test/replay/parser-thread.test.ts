import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { replayCommand } from '../../src/cli/commands/replay.js';
import { findScenario } from '../../src/simulate/scenarios.js';
import { writeScenario } from '../../src/simulate/write-scenario.js';
import { bundledCliSuite } from '../helpers/bundle-cli.js';

const cli = bundledCliSuite('parser-thread');
const dir = cli.dir;

const withoutPid = (text: string) => text.replace(/ f2b-campaign\[\d+\]: /g, ' f2b-campaign[-]: ');

/** `replay` in this process: loaded from TypeScript source there is no program file, so it parses in this thread. */
async function replayHere(args: string[]): Promise<Record<string, unknown>> {
  let summary = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    summary += String(chunk);
    return true;
  });
  try {
    expect(await replayCommand.run(args)).toBe(0);
  } finally {
    spy.mockRestore();
  }
  return JSON.parse(summary) as Record<string, unknown>;
}

describe('replay with its parser in a worker thread', () => {
  it('gives the same verdicts and parse statistics as parsing in the detector thread', async () => {
    const files = await writeScenario(findScenario('recon')!, join(dir, 'recon'));
    const common = ['--auth-log', files.authLog, '--sockets', files.sockets, '--fail2ban-defaults'];
    const threaded = await cli.run(['replay', ...common, '--verdicts', join(dir, 'threaded.log')]);
    expect(threaded.code).toBe(0);
    const threadedSummary = JSON.parse(threaded.stderr) as Record<string, unknown>;
    expect(threadedSummary['parserThread']).toBe(true);

    const hereSummary = await replayHere([...common, '--verdicts', join(dir, 'here.log')]);
    expect(hereSummary['parserThread']).toBe(false);

    const verdicts = withoutPid(readFileSync(join(dir, 'threaded.log'), 'utf8'));
    expect(verdicts).toContain(' BAN ip=');
    expect(verdicts).toBe(withoutPid(readFileSync(join(dir, 'here.log'), 'utf8')));
    for (const key of ['parse', 'events', 'samples', 'verdicts', 'bans'])
      expect(threadedSummary[key], key).toEqual(hereSummary[key]);
  }, 120_000);

  it('reads `sshd -E` output (--headerless) the same way in both threads', async () => {
    const log = join(dir, 'sshd-e.log');
    // ~5 MB: about 80 batches, so the parser thread runs ahead and waits for the detector (IN_FLIGHT).
    const lines = Array.from(
      { length: 60_000 },
      (_, i) => `Failed password for invalid user u${i % 7} from 198.51.100.${i % 200} port ${1000 + i} ssh2`,
    );
    writeFileSync(log, `${lines.join('\n')}\n`);
    const args = ['--auth-log', log, '--fail2ban-defaults', '--headerless'];
    const threaded = await cli.run(['replay', ...args, '--verdicts', join(dir, 'e-threaded.log')]);
    expect(threaded.code).toBe(0);
    const here = await replayHere([...args, '--verdicts', join(dir, 'e-here.log')]);
    const summary = JSON.parse(threaded.stderr) as Record<string, unknown>;
    expect(summary['parse']).toEqual(here['parse']);
    expect((summary['parse'] as { events: number }).events).toBe(60_000);
    expect(withoutPid(readFileSync(join(dir, 'e-threaded.log'), 'utf8'))).toBe(
      withoutPid(readFileSync(join(dir, 'e-here.log'), 'utf8')),
    );
  }, 120_000);

  it('says what is wrong with an unreadable log in one line, from either thread', async () => {
    const missing = await cli.run(['replay', '--auth-log', join(dir, 'nope.log'), '--fail2ban-defaults']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(
      `f2b-campaign replay: --auth-log ${join(dir, 'nope.log')}: cannot read it (ENOENT)`,
    );
    const folder = await cli.run(['replay', '--auth-log', dir, '--fail2ban-defaults']);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toContain('not a regular file');
  }, 120_000);

  it('ends the parser thread it started when the command then fails (a bad --config), rather than waiting on it', async () => {
    // The parser's thread starts before the configuration is read; with ~80 batches to post it is still waiting for
    // the detector's credits when the command gives up, and a thread left running would keep the process alive.
    const log = join(dir, 'many.log');
    const lines = Array.from(
      { length: 60_000 },
      (_, i) => `Jan  1 00:00:00 h sshd[${i}]: Invalid user u from 198.51.100.7`,
    );
    writeFileSync(log, `${lines.join('\n')}\n`);
    const config = join(dir, 'bad.conf');
    writeFileSync(config, '[detection]\nmin_members = many\n');
    const started = Date.now();
    const failed = await cli.run(['replay', '--auth-log', log, '--config', config, '--fail2ban-defaults']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('min_members');
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);
});
