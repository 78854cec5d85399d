import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEBIAN_DEFAULT_THRESHOLDS } from '../../src/core/fail2ban-thresholds.js';
import { createCore } from '../../src/correlate/create-core.js';
import { SshdParser } from '../../src/parse/sshd-parser.js';
import { verdictKey } from '../../src/service/verdict-dedupe.js';
import { decodeJournalLine } from '../../src/sources/journal-entry.js';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { fakeProgram } from '../helpers/fake-program.js';
import { type RealJournal, resumedAtSecond, startRealJournal } from '../helpers/real-journal.js';
import { runService, type ServiceProcess, serviceLog, sleep, verdictLineKeys, waitFor } from './helpers.js';

/**
 * The bundled service in journal mode, reading a campaign as sshd logs it to a real journald (through the real
 * journalctl: test/helpers/real-journal.ts), killed with -9 after it wrote verdicts, restarted: the verdicts equal
 * one uninterrupted pass over the journal's sshd entries, each written once.
 */
const t = bundledCliSuite('live-journal');
const dir = t.dir;
const verdicts = join(dir, 'verdicts.log');
const argsLog = join(dir, 'journalctl-args.log');
let journal: RealJournal;

/**
 * A campaign whose verdicts do not hang on its pace: 40 sources in two /24s, each trying two names of a dictionary
 * twice, as sshd logs them (journald stamps the time it receives a line; a campaign judged on its rhythm, such as the
 * simulator's waves, would need its 48 minutes played in real time). Shared names and neighbours open it, and then
 * each newcomer is banned at its first try.
 */
function campaign(): { pid: number; message: string }[] {
  const names = ['admin', 'oracle', 'ubuntu', 'guest', 'ftpuser'];
  const lines: { pid: number; message: string }[] = [];
  let pid = 5000;
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 40; i++) {
      const from = `${i % 2 ? `198.51.100.${10 + i}` : `203.0.113.${10 + i}`} port ${40000 + ++pid}`;
      const user = names[(i + round) % names.length]!;
      lines.push({ pid, message: `Invalid user ${user} from ${from}` });
      lines.push({ pid, message: `Failed password for invalid user ${user} from ${from} ssh2` });
    }
  }
  return lines;
}

/** The verdicts of one pass over sshd's entries as the service chooses them from the journal. */
function onePass(): string[] {
  const core = createCore({}, DEBIAN_DEFAULT_THRESHOLDS);
  const parser = new SshdParser({ referenceTime: Date.now() });
  return journal.entries(['--identifier=sshd', '_TRANSPORT=syslog']).flatMap((raw) => {
    const entry = decodeJournalLine(JSON.stringify(raw));
    const e = entry && parser.parseMessage(entry.message);
    return e ? core.onAuthEvent(e).map(verdictKey) : [];
  });
}

const keys = (): string[] => verdictLineKeys(verdicts);
/** A wait that includes starting node or journalctl: a CI run beside other suites once took over 10 s for that. */
const STARTS_MS = 30_000;

let n = 0;
/** Every service started, each in a process group of its own with its journalctl, all killed after the tests. */
const started: ServiceProcess[] = [];
afterAll(async () => {
  // A failed assertion leaves the service (and its journalctl, which follows for ever) running otherwise. Waited
  // for: the directory goes next.
  for (const { child } of started) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await Promise.all(started.map((run) => run.ended));
  await journal?.stop();
});
function start(): ServiceProcess {
  const run = runService(
    t.bundle,
    ['--config', join(dir, 'f2b.conf'), '--verdicts', verdicts, '--state-dir', join(dir, 'state')],
    join(dir, `service-${++n}.out`),
    { detached: true },
  );
  started.push(run);
  return run;
}

beforeAll(async () => {
  journal = await startRealJournal(dir);
  // The real journalctl, each run's arguments written down.
  const wrapper = fakeProgram(
    join(dir, 'wrapper'),
    'journalctl',
    `#!/bin/sh\necho "$*" >> "${argsLog}"\nexec "${journal.journalctl}" "$@"\n`,
  );
  writeFileSync(join(dir, 'tcp'), '  sl  local_address rem_address   st\n');
  writeFileSync(
    join(dir, 'f2b.conf'),
    [
      '[service]',
      'source = journal',
      `journalctl = ${join(wrapper, 'journalctl')}`,
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
        journal.sayMany(messages.slice(next, end));
        next = end;
        await sleep(40);
      }
    };
    let run = start();
    // Process starts (node, journalctl) take seconds on a loaded 2-core machine: polled, with room.
    await waitFor(() => serviceLog(run.out).some((e) => e['event'] === 'service-started'), STARTS_MS, 'start');
    // What journald had before the start is not the service's (start_at = end): let it start before the campaign.
    await waitFor(() => existsSync(argsLog), STARTS_MS, 'journalctl to start');
    await sleep(500);
    await write(Math.floor(messages.length * 0.3));
    while (next < messages.length * 0.8 && keys().length === 0) await write(next + 15);
    await sleep(300);
    const beforeKill = keys().length;
    const killedAt = Date.now();
    run.child.kill('SIGKILL');
    await run.exited;
    await write(Math.floor(messages.length * 0.85));
    run = start();
    await write(messages.length);

    // Every line in the journal before one pass over it is taken as the truth.
    await waitFor(() => journal.entries(['--identifier=sshd']).length >= messages.length, 10_000, 'the last line');
    const expected = onePass();
    expect(expected.filter((k) => k.startsWith('BAN')).length).toBeGreaterThan(10);
    // Through the restart's own start of node and journalctl.
    await waitFor(() => keys().length >= expected.length, STARTS_MS, `${expected.length} verdicts`);
    await sleep(1500);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect([...keys()].sort()).toEqual([...expected].sort());
    expect(beforeKill).toBeGreaterThan(0);
    const suppressed = serviceLog(run.out).filter((e) => e['event'] === 'verdict-already-written').length;
    expect(suppressed).toBe(beforeKill);
    const args = readFileSync(argsLog, 'utf8').trim().split('\n');
    expect(args).toHaveLength(2);
    // Both from the first run's start: the restart's own would skip what came while it was down.
    const since = args.map((a) => resumedAtSecond(a) * 1000);
    expect(since[1]).toBeLessThan(killedAt);
  }, 120_000);
});
