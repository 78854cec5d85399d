import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../src/core/auth-event.js';
import type { CorrelationCore } from '../../src/core/correlation-core.js';
import { DEBIAN_DEFAULT_THRESHOLDS } from '../../src/core/fail2ban-thresholds.js';
import type { SocketRow, SocketSample } from '../../src/core/socket.js';
import type { Verdict } from '../../src/core/verdict.js';
import { createCore } from '../../src/correlate/create-core.js';
import { readLines } from '../../src/parse/line-reader.js';
import { readSocketTrace } from '../../src/parse/socket-trace.js';
import { SshdParser } from '../../src/parse/sshd-parser.js';
import { findScenario } from '../../src/simulate/scenarios.js';
import { writeScenario } from '../../src/simulate/write-scenario.js';
import { socketRow } from '../helpers/socket-row.js';

/**
 * "A snapshot resumes exactly where it was taken" (create-core.ts), as a property: for any cut point (and any second
 * cut after it) in a scenario's input, snapshot -> JSON -> createCore -> carry on gives the very verdicts, in order,
 * of one uninterrupted run, and ends in the same state. The input is what `replay` feeds the core: the log's events
 * and the socket samples merged in time order, with advance() once a minute of log time (replay-logs.ts).
 */
type Op = { event: AuthEvent } | { sample: SocketSample } | { advance: number };

const dir = mkdtempSync(join(tmpdir(), 'f2b-snapshot-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function ops(name: string): Promise<Op[]> {
  const files = await writeScenario(findScenario(name)!, join(dir, name));
  const parser = new SshdParser({ referenceTime: Date.UTC(2026, 5, 1) });
  const events: AuthEvent[] = [];
  for await (const line of readLines(files.authLog)) {
    const event = parser.parseLine(line);
    if (event) events.push(event);
  }
  const samples: SocketSample[] = [];
  for await (const sample of readSocketTrace(readLines(files.sockets))) samples.push(sample);
  // replay-logs.ts's merge: samples due before each event first, the clock advanced once a minute.
  const out: Op[] = [];
  let clock = Number.NEGATIVE_INFINITY;
  let nextTick = Number.NEGATIVE_INFINITY;
  const tickTo = (time: number): void => {
    if (time > clock) clock = time;
    if (clock >= nextTick) {
      out.push({ advance: clock });
      nextTick = clock - (clock % 60_000) + 60_000;
    }
  };
  let j = 0;
  for (const event of events) {
    while (j < samples.length && samples[j]!.time <= event.time) {
      tickTo(samples[j]!.time);
      out.push({ sample: samples[j++]! });
    }
    tickTo(event.time);
    out.push({ event });
  }
  for (; j < samples.length; j++) {
    tickTo(samples[j]!.time);
    out.push({ sample: samples[j]! });
  }
  out.push({ advance: clock });
  return out;
}

function feed(core: CorrelationCore, list: readonly Op[], from: number, to: number, out: Verdict[]): void {
  for (let i = from; i < to; i++) {
    const op = list[i]!;
    out.push(
      ...('event' in op
        ? core.onAuthEvent(op.event)
        : 'sample' in op
          ? core.onSocketSample(op.sample)
          : core.advance(op.advance)),
    );
  }
}

const restart = (core: CorrelationCore): CorrelationCore =>
  createCore({}, DEBIAN_DEFAULT_THRESHOLDS, JSON.parse(JSON.stringify(core.snapshot())) as unknown);

/** SNAPSHOT_RUNS=20 multiplies the runs for a deeper search (about a minute). */
const RUNS = Number(process.env.SNAPSHOT_RUNS ?? 1);
describe.each([
  ['waves', 25],
  ['recon', 25],
  ['neighbours', 15],
  ['one-try', 10],
  ['benign-day-scanners', 10],
  ['slow-burn', 3],
  ['hail-mary', 3],
  ['benign-day', 3],
])('snapshot at random cut points: %s', (name, runs) => {
  it('resumes exactly: same verdicts, same final state as one uninterrupted run', async () => {
    const list = await ops(name);
    const whole = createCore({}, DEBIAN_DEFAULT_THRESHOLDS);
    const expected: Verdict[] = [];
    feed(whole, list, 0, list.length, expected);
    const final = JSON.stringify(whole.snapshot());

    fc.assert(
      fc.property(fc.integer({ min: 0, max: list.length }), fc.integer({ min: 0, max: list.length }), (a, b) => {
        const [c1, c2] = a <= b ? [a, b] : [b, a];
        const got: Verdict[] = [];
        let core = createCore({}, DEBIAN_DEFAULT_THRESHOLDS);
        feed(core, list, 0, c1, got);
        const at1 = JSON.stringify(core.snapshot());
        core = restart(core);
        // Restoring is lossless as far as the snapshot shows.
        expect(JSON.stringify(core.snapshot())).toBe(at1);
        feed(core, list, c1, c2, got);
        core = restart(core);
        feed(core, list, c2, list.length, got);
        expect(got).toEqual(expected);
        expect(JSON.stringify(core.snapshot())).toBe(final);
      }),
      { numRuns: runs * RUNS },
    );
  }, 600_000);
});

/**
 * The scenarios never log a member in, so the alert core's state (watches, outbound sockets, this host's addresses)
 * is idle in them. Here the waves scenario gets a break-in, in the order the live service can see it: the sampler
 * reads /proc/net/tcp after a member's login but before the follower reads its line (alert-core.ts
 * judgeSampledAfter), so a sample showing the intruder's outbound SSH connections comes first, the login line (a
 * second older) after it. One connection goes to another host (a lateral alert), one to this host's own address
 * (SSH to itself: no alert).
 */
const SELF = '192.0.2.10';
function row(localIp: string, localPort: number, remoteIp: string, remotePort: number, inode: number): SocketRow {
  return socketRow({ localIp, localPort, remoteIp, remotePort, inode, uid: 1000 });
}

async function breakIn(): Promise<{ list: Op[]; at: number }> {
  const list = await ops('waves');
  const probe = createCore({}, DEBIAN_DEFAULT_THRESHOLDS);
  const verdicts: Verdict[] = [];
  feed(probe, list, 0, list.length, verdicts);
  const ban = verdicts.find((v) => v.verb === 'BAN')!;
  const member = String(ban.fields.find(([k]) => k === 'ip')![1]);
  // The first sample 10 minutes after the first ban: the campaign is live, the member banned.
  const at = list.findIndex((op) => 'sample' in op && op.sample.time >= ban.time + 10 * 60_000);
  const sample = (list[at] as { sample: SocketSample }).sample;
  const outbound = [row(SELF, 51_000, '203.0.113.7', 22, 990_001), row(SELF, 51_002, SELF, 22, 990_002)];
  const login: AuthEvent = {
    time: sample.time - 1000,
    kind: 'success',
    reason: 'accepted',
    ip: member,
    bannable: true,
    count: 1,
    port: 40_000,
    user: 'root',
    method: 'password',
  };
  const episode: Op[] = [{ sample: { time: sample.time, rows: [...sample.rows, ...outbound] } }, { event: login }];
  return { list: [...list.slice(0, at), ...episode, ...list.slice(at + 1)], at };
}

describe('snapshot around a break-in seen sample-first (alert core)', () => {
  it('the uninterrupted run alerts on the lateral SSH connection only', async () => {
    const { list } = await breakIn();
    const got: Verdict[] = [];
    feed(createCore({}, DEBIAN_DEFAULT_THRESHOLDS), list, 0, list.length, got);
    const alerts = got.filter((v) => v.verb === 'ALERT').map((v) => Object.fromEntries(v.fields));
    expect(alerts.map((a) => [a.kind, a.remote_ip ?? '', a.reason])).toEqual([
      ['compromise', '', 'member'],
      ['lateral', '203.0.113.7', 'ssh'],
    ]);
  });

  // AlertCore's `local` (this host's addresses from the last sample) was not in its snapshot: a core restored
  // between the sample and the login line no longer knew 192.0.2.10 is this host and alerted on SSH to itself.
  it('resumes exactly when restored between the sample and the late login line', async () => {
    const { list, at } = await breakIn();
    const expected: Verdict[] = [];
    feed(createCore({}, DEBIAN_DEFAULT_THRESHOLDS), list, 0, list.length, expected);
    const got: Verdict[] = [];
    let core = createCore({}, DEBIAN_DEFAULT_THRESHOLDS);
    feed(core, list, 0, at + 1, got);
    core = restart(core);
    feed(core, list, at + 1, list.length, got);
    expect(got).toEqual(expected);
  });

  it('resumes exactly at any other cut point', async () => {
    const { list, at } = await breakIn();
    const expected: Verdict[] = [];
    feed(createCore({}, DEBIAN_DEFAULT_THRESHOLDS), list, 0, list.length, expected);
    expect(expected.filter((v) => v.verb === 'ALERT')).toHaveLength(2);
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: list.length }), fc.integer({ min: at - 5, max: at + 6 })),
        (cut) => {
          fc.pre(cut !== at + 1);
          const got: Verdict[] = [];
          let core = createCore({}, DEBIAN_DEFAULT_THRESHOLDS);
          feed(core, list, 0, cut, got);
          core = restart(core);
          feed(core, list, cut, list.length, got);
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 20 * RUNS },
    );
  }, 600_000);
});

/**
 * `status` after a restore: counters kept outside the snapshot restarted from 0 on every restore (a restart, and
 * every SIGHUP, which rebuilds the core from its snapshot: campaign-service.ts reload).
 */
describe('status after a restore', () => {
  async function statusAfterRestart(name: string, detection: Record<string, unknown>): Promise<[unknown, unknown]> {
    const list = await ops(name);
    const whole = createCore(detection, DEBIAN_DEFAULT_THRESHOLDS);
    feed(whole, list, 0, list.length, []);
    let core = createCore(detection, DEBIAN_DEFAULT_THRESHOLDS);
    const cut = Math.floor(list.length / 2);
    feed(core, list, 0, cut, []);
    core = createCore(detection, DEBIAN_DEFAULT_THRESHOLDS, JSON.parse(JSON.stringify(core.snapshot())) as unknown);
    feed(core, list, cut, list.length, []);
    const pick = (s: unknown) => {
      const d = (s as { detection: { bans: number; evictedSources: number } }).detection;
      return { bans: d.bans, evictedSources: d.evictedSources };
    };
    return [pick(core.status()), pick(whole.status())];
  }

  // The count of bans (CampaignRoster.bans, shown by status) once was not in the snapshot: a restart reset it.
  it('keeps the count of bans (campaign-book.ts bans)', async () => {
    const [resumed, whole] = await statusAfterRestart('waves', {});
    expect((resumed as { bans: number }).bans).toBe((whole as { bans: number }).bans);
  });

  // SourceTable.evicted (src/correlate/source-table.ts:21) is not in SourceTableSnapshot (source-table.ts:80).
  it('keeps the count of evicted sources (source-table.ts evicted)', async () => {
    const [resumed, whole] = await statusAfterRestart('one-try', { max_sources: 200 });
    expect((whole as { evictedSources: number }).evictedSources).toBeGreaterThan(0);
    expect((resumed as { evictedSources: number }).evictedSources).toBe(
      (whole as { evictedSources: number }).evictedSources,
    );
  });
});
