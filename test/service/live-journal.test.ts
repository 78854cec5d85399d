import type { ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEBIAN_DEFAULT_THRESHOLDS } from '../../src/core/fail2ban-thresholds.js';
import { createCore } from '../../src/correlate/create-core.js';
import type { SshdMessage } from '../../src/parse/sshd-parser.js';
import { SshdParser } from '../../src/parse/sshd-parser.js';
import { verdictKey } from '../../src/service/verdict-dedupe.js';
import { waves } from '../../src/simulate/attack-shapes.js';
import { ScenarioBuilder } from '../../src/simulate/scenario-builder.js';
import { sessionLines } from '../../src/simulate/sshd-lines.js';
import { bundleCli } from '../helpers/bundle-cli.js';
import { runService, type ServiceProcess, serviceLog, sleep, tempDir, verdictLineKeys, waitFor } from './helpers.js';

/**
 * The bundled service in journal mode, reading a campaign from the fake journalctl as it is appended, killed with
 * -9 after it wrote verdicts, restarted from its saved cursor: the verdicts equal one uninterrupted pass, each once.
 */
const FAKE = fileURLToPath(new URL('../bin/journalctl', import.meta.url));
const t = tempDir('live-journal');
afterAll(t.cleanup);
const dir = t.dir;
const journal = join(dir, 'journal.json');
const verdicts = join(dir, 'verdicts.log');
const argsLog = join(dir, 'journalctl-args.jsonl');
let bundle = '';

function campaign(): SshdMessage[] {
  const b = new ScenarioBuilder(7);
  waves(b, Date.now() + 10 * 60_000);
  return b
    .sessions()
    .flatMap((s) => sessionLines(s))
    .sort((x, y) => x.time - y.time)
    .map((l) => {
      const m = /^\S+ (\S+) sshd\[(\d+)\]: (.*)$/.exec(l.text)!;
      // journald's clock is whole microseconds; the simulated times have fractions of a millisecond.
      return { time: Math.round(l.time), host: m[1]!, program: 'sshd', pid: Number(m[2]), message: m[3]! };
    });
}

const entry = (m: SshdMessage, i: number) =>
  `${JSON.stringify({
    __CURSOR: `s=live;i=${i.toString(16)}`,
    __REALTIME_TIMESTAMP: String(m.time * 1000),
    _HOSTNAME: m.host,
    SYSLOG_IDENTIFIER: m.program,
    _TRANSPORT: 'syslog',
    SYSLOG_PID: String(m.pid),
    MESSAGE: m.message,
  })}\n`;

const keys = (): string[] => verdictLineKeys(verdicts);

let n = 0;
/** Every service started, each in a process group of its own with its journalctl, all killed after the tests. */
const started: ChildProcess[] = [];
afterAll(() => {
  // A failed assertion leaves the service (and its fake journalctl, which follows for ever) running otherwise.
  for (const child of started) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});
function start(): ServiceProcess {
  const run = runService(
    bundle,
    ['--config', join(dir, 'f2b.conf'), '--verdicts', verdicts, '--state-dir', join(dir, 'state')],
    join(dir, `service-${++n}.out`),
    { env: { ...process.env, F2B_FAKE_JOURNAL: journal, F2B_FAKE_JOURNAL_ARGS: argsLog }, detached: true },
  );
  started.push(run.child);
  return run;
}

beforeAll(async () => {
  bundle = await bundleCli(dir);
  writeFileSync(journal, '');
  writeFileSync(join(dir, 'tcp'), '  sl  local_address rem_address   st\n');
  writeFileSync(
    join(dir, 'f2b.conf'),
    [
      '[service]',
      'source = journal',
      `journalctl = ${FAKE}`,
      // Begin at the end: the kill -9 comes before any cursor was saved, so the restart must use --since.
      'start_at = end',
      `runtime_dir = ${join(dir, 'run')}`,
      `sockets_from = ${dir}`,
      `fail2ban_config = ${join(dir, 'no-fail2ban')}`,
      'state_interval = 1h',
      '',
    ].join('\n'),
  );
}, 60_000);

describe('live service in journal mode', () => {
  it('resumes after its cursor following kill -9 and writes each verdict once', async () => {
    const messages = campaign();
    let next = 0;
    const write = async (until: number) => {
      while (next < until) {
        const end = Math.min(until, next + 15);
        appendFileSync(
          journal,
          messages
            .slice(next, end)
            .map((m, k) => entry(m, next + k))
            .join(''),
        );
        next = end;
        await sleep(40);
      }
    };
    let run = start();
    await waitFor(() => serviceLog(run.out).some((e) => e['event'] === 'service-started'), 10_000, 'start');
    // journalctl --lines=0 skips what is already there: let it start before the campaign does.
    await waitFor(() => existsSync(argsLog), 10_000, 'journalctl to start');
    await sleep(500);
    await write(Math.floor(messages.length * 0.3));
    while (next < messages.length * 0.8 && keys().length === 0) await write(next + 15);
    await sleep(300);
    const beforeKill = keys().length;
    run.child.kill('SIGKILL');
    await run.exited;
    await write(Math.floor(messages.length * 0.85));
    run = start();
    await write(messages.length);

    const core = createCore({}, DEBIAN_DEFAULT_THRESHOLDS);
    const parser = new SshdParser({ referenceTime: Date.now() });
    const expected = messages.flatMap((m) => {
      const e = parser.parseMessage(m);
      return e ? core.onAuthEvent(e).map(verdictKey) : [];
    });
    expect(expected.filter((k) => k.startsWith('BAN')).length).toBeGreaterThan(10);
    await waitFor(() => keys().length >= expected.length, 20_000, `${expected.length} verdicts`);
    await sleep(1500);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect([...keys()].sort()).toEqual([...expected].sort());
    expect(beforeKill).toBeGreaterThan(0);
    const suppressed = serviceLog(run.out).filter((e) => e['event'] === 'verdict-already-written').length;
    expect(suppressed).toBe(beforeKill);
    const args = readFileSync(argsLog, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { args: string[] }).args);
    expect(args[0]).toContain('--lines=0');
    expect(args[1]!.some((a) => a.startsWith('--since=@'))).toBe(true);
  }, 120_000);
});
