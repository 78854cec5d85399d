import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../src/core/auth-event.js';
import { fakeProgram } from '../helpers/fake-program.js';
import { type RealJournal, resumedAtSecond, startRealJournal } from '../helpers/real-journal.js';
import { sleep, tempDir, waitFor } from './helpers.js';
import { journalService } from './journal-service.js';

/**
 * A journal follower with no cursor reads from a point in time: its own start (start_at = end), or where the run
 * before it began when that one read nothing. journalctl's --since takes whole seconds; what journald received in
 * that second before the point is not the follower's. The real journalctl over a real journald
 * (test/helpers/real-journal.ts), the service as the program runs it (CampaignService).
 */
const t = tempDir('journal-since');
const dir = t.dir;
let journal: RealJournal;

beforeAll(async () => {
  journal = await startRealJournal(dir);
}, 30_000);
afterAll(async () => {
  await journal.stop();
  t.cleanup();
});

/** A journalctl that writes its arguments down, then runs `body` (sh). */
function journalctl(name: string, body: string): string {
  const script = ['#!/bin/sh', `echo "$*" >> "${join(dir, `${name}.args`)}"`, body, ''].join('\n');
  return join(fakeProgram(join(dir, name), 'journalctl', script), 'journalctl');
}

function service(state: string, program: string, events: AuthEvent[], startAt: 'start' | 'end' = 'end') {
  return journalService(dir, { journalctl: program, events, state, startAt });
}

/** The second journald received sshd's entry with `pid` in (its __REALTIME_TIMESTAMP). */
function secondOf(pid: number): number {
  const entry = journal.entries([`SYSLOG_PID=${pid}`])[0];
  return Math.floor(Number(entry?.['__REALTIME_TIMESTAMP']) / 1_000_000);
}

/**
 * waitFor, and when it times out, what would explain it: whether journald still runs and what it wrote, the sshd
 * entries the journal holds, what the service logged about its source (journalctl's exits and messages), and the
 * inotify instances in use (journalctl --follow gives up following, "Reverting to -n", when root's 128 are taken).
 * All four cases here timed out together once in a CI run (2026-11-25) and passed alone and in the next run.
 */
async function waitExplained(check: () => boolean, what: string, lines: () => Record<string, unknown>[]) {
  try {
    await waitFor(check, 10_000, what);
  } catch (error) {
    const { child, outputFile } = journal.journald.process;
    const inotify = execFileSync('sh', ['-c', "find /proc/[0-9]*/fd -lname 'anon_inode:inotify' 2>/dev/null | wc -l"]);
    const said = lines().filter((l) => /^(source|journal)/.test(String(l['event'])) || Number(l['level']) >= 40);
    throw new Error(
      [
        (error as Error).message,
        `journald: ${child.exitCode ?? child.signalCode ?? 'running'}; its output: ${readFileSync(outputFile, 'utf8').slice(-1000)}`,
        `sshd entries: ${JSON.stringify(journal.entries(['SYSLOG_IDENTIFIER=sshd']).map((e) => e['MESSAGE']))}`,
        `the service's source lines: ${JSON.stringify(said).slice(-3000)}`,
        `inotify instances in use: ${String(inotify).trim()}`,
      ].join('\n'),
    );
  }
}

const line = (n: number) => `Failed password for root from 203.0.113.${n} port ${4000 + n} ssh2`;
const ips = (events: AuthEvent[]) => events.map((e) => e.ip);

describe('journal follower with no cursor, from a point in time', () => {
  it('restarted before its first entry, does not read what came before the start in the same second', async () => {
    const real = journal.journalctl;
    // Fails its first run (journald restarting, say); the supervisor starts it again a second later.
    const program = journalctl(
      'restarted',
      `if [ ! -e "${dir}/failed-once" ]; then : > "${dir}/failed-once"; echo "journal unavailable" >&2; exit 1; fi\nexec "${real}" "$@"`,
    );
    await sleep(1020 - (Date.now() % 1000));
    // Just before the start, in the second the start falls in: start_at = end says it is not to be read.
    journal.say(line(1), { pid: 5001 });
    const events: AuthEvent[] = [];
    const { service: run, lines } = service('state-restarted', program, events);
    await run.start();
    try {
      await waitExplained(() => lines().some((l) => l['event'] === 'source-restarted'), 'the restart', lines);
      journal.say(line(2), { pid: 5002 });
      await waitExplained(() => events.length > 0, 'the line logged after the restart', lines);
      // The restart read its second entirely; the first line would have come first.
      expect(ips(events)).toEqual(['203.0.113.2']);
      const runs = readFileSync(join(dir, 'restarted.args'), 'utf8').trim().split('\n');
      const since = runs.map(resumedAtSecond);
      // Both runs asked for the second the first line was logged in: the test shows what it means to.
      expect(since).toEqual([secondOf(5001), secondOf(5001)]);
    } finally {
      await run.stop();
    }
  });

  it('resumed after a run that read nothing, begins where that run began, not at its save', async () => {
    const real = journal.journalctl;
    const first = service('state-resumed', journalctl('first', `exec "${real}" "$@"`), []);
    await first.service.start();
    await first.service.stop();
    // Logged while the service is stopped: the next run is to read it.
    journal.say(line(3), { pid: 5003 });
    // The next run's journalctl sends nothing (a journal behind, a stalled disk) and it is stopped, having read
    // nothing: it saves its state a second and more after the line.
    const stalled = service('state-resumed', journalctl('stalled', 'exec sleep 60'), []);
    await stalled.service.start();
    await sleep(1500);
    await stalled.service.stop();
    const events: AuthEvent[] = [];
    const third = service('state-resumed', journalctl('third', `exec "${real}" "$@"`), events);
    await third.service.start();
    try {
      await waitExplained(() => events.length > 0, 'the line logged while stopped', third.lines);
      journal.say(line(4), { pid: 5004 });
      await waitExplained(() => events.length > 1, 'the line logged after the start', third.lines);
      expect(ips(events)).toEqual(['203.0.113.3', '203.0.113.4']);
    } finally {
      await third.service.stop();
    }
  });

  it('with start_at = start, a first run that read nothing is followed by one that reads the whole journal', async () => {
    const real = journal.journalctl;
    const stalled = service('state-start', journalctl('stalled-start', 'exec sleep 60'), [], 'start');
    journal.say(line(5), { pid: 5005 });
    await stalled.service.start();
    await sleep(1500);
    await stalled.service.stop();
    const events: AuthEvent[] = [];
    const next = service('state-start', journalctl('next-start', `exec "${real}" "$@"`), events, 'start');
    await next.service.start();
    try {
      await waitExplained(() => ips(events).includes('203.0.113.5'), "the journal's lines", next.lines);
      // Every sshd line the journal holds (the earlier tests' too), each once, in order.
      const all = journal.entries(['SYSLOG_IDENTIFIER=sshd']).map((e) => /from (\S+)/.exec(String(e['MESSAGE']))?.[1]);
      expect(ips(events)).toEqual(all);
    } finally {
      await next.service.stop();
    }
  });

  it('resumed after the wall clock was set back while stopped, reads what journald stamped before the saved point', async () => {
    const real = journal.journalctl;
    // A run that reads nothing (its journalctl sends nothing) saves where it began.
    const stalled = service('state-stepped', journalctl('stalled-stepped', 'exec sleep 60'), []);
    await stalled.service.start();
    await sleep(500);
    await stalled.service.stop();
    // While the service is stopped the wall clock is set back an hour (NTP correcting a clock that ran ahead, a VM
    // restored): journald stamps what comes now with times an hour before the point the state keeps. Set back
    // here by moving the saved point an hour ahead: the same times relative to one another, and the boot's own
    // clock (monotonic), which a step of the wall clock does not move, left as it was.
    const path = join(dir, 'state-stepped', 'state.json');
    const [head, ...rest] = readFileSync(path, 'utf8').split('\n');
    const saved = JSON.parse(head!) as { journalSince: number };
    expect(saved.journalSince).toBeGreaterThan(Date.now() - 60_000);
    saved.journalSince += 3_600_000;
    writeFileSync(path, [JSON.stringify(saved), ...rest].join('\n'));
    journal.say(line(6), { pid: 5006 });
    const events: AuthEvent[] = [];
    const next = service('state-stepped', journalctl('after-step', `exec "${real}" "$@"`), events);
    await next.service.start();
    try {
      await waitExplained(() => ips(events).includes('203.0.113.6'), 'the line logged while stopped', next.lines);
      journal.say(line(7), { pid: 5007 });
      await waitExplained(() => ips(events).includes('203.0.113.7'), 'the line logged after the start', next.lines);
      expect(ips(events)).toEqual(['203.0.113.6', '203.0.113.7']);
      // The service says where it resumed, and by which clock: the wall clock is behind the saved point.
      const said = next.lines().find((l) => l['event'] === 'journal-resumed');
      expect(said).toMatchObject({ level: 30, by: 'boot-time', since: new Date(saved.journalSince).toISOString() });
      expect(Number(said?.['wallClockBehindMs'])).toBeGreaterThan(3_500_000);
    } finally {
      await next.service.stop();
    }
  });
});
