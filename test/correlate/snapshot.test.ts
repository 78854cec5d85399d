import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../src/core/auth-event.js';
import type { CorrelationCore } from '../../src/core/correlation-core.js';
import { DEBIAN_DEFAULT_THRESHOLDS } from '../../src/core/fail2ban-thresholds.js';
import type { SocketSample } from '../../src/core/socket.js';
import type { Verdict } from '../../src/core/verdict.js';
import { createCore } from '../../src/correlate/create-core.js';
import { readLines } from '../../src/parse/line-reader.js';
import { readSocketTrace } from '../../src/parse/socket-trace.js';
import { SshdParser } from '../../src/parse/sshd-parser.js';
import { findScenario } from '../../src/simulate/scenarios.js';
import { writeScenario } from '../../src/simulate/write-scenario.js';

type Input = { event: AuthEvent } | { sample: SocketSample };

const dir = mkdtempSync(join(tmpdir(), 'f2b-snapshot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The waves scenario as one time-ordered list of events and samples. */
async function inputs(): Promise<Input[]> {
  const files = await writeScenario(findScenario('waves')!, dir);
  const parser = new SshdParser({ referenceTime: Date.UTC(2026, 5, 1) });
  const events: Input[] = [];
  for await (const line of readLines(files.authLog)) {
    const event = parser.parseLine(line);
    if (event) events.push({ event });
  }
  const samples: Input[] = [];
  for await (const sample of readSocketTrace(readLines(files.sockets))) samples.push({ sample });
  const time = (i: Input) => ('event' in i ? i.event.time : i.sample.time);
  return [...samples, ...events].sort((a, b) => time(a) - time(b));
}

function feed(core: CorrelationCore, list: readonly Input[]): Verdict[] {
  const out: Verdict[] = [];
  for (const input of list)
    out.push(...('event' in input ? core.onAuthEvent(input.event) : core.onSocketSample(input.sample)));
  return out;
}

describe('snapshot', () => {
  // The state file is written from snapshotJson's pieces (a flood's sources were ~200 MB of objects at every save,
  // bench/memory.mjs): the pieces must be the very snapshot, resumable as snapshot() is.
  it('in pieces (snapshotJson) is the snapshot: the same JSON value, resumed alike, in more than one piece', async () => {
    const all = await inputs();
    const cut = Math.floor(all.length / 2);
    const core = createCore({}, DEBIAN_DEFAULT_THRESHOLDS);
    feed(core, all.slice(0, cut));
    // Enough sources for the rows to take several 64 kB pieces.
    for (let i = 0; i < 3000; i++) {
      core.onAuthEvent({ ...failureAt(all, cut), ip: `198.18.${i >> 8}.${i & 255}`, user: `u${i}` });
    }
    const pieces = [...core.snapshotJson!()];
    expect(pieces.length).toBeGreaterThan(3);
    // Byte for byte: the signals' and the sources' pieces in the very order snapshot() gives its keys.
    expect(pieces.join('')).toBe(JSON.stringify(core.snapshot()));
    // The dictionary's index (3,000 names) in pieces of its own, not only the sources' rows.
    const index = pieces.indexOf('{"index":');
    const legit = pieces.findIndex((p) => p.startsWith(',"legit":'));
    expect(index).toBeGreaterThan(0);
    expect(legit - index - 1).toBeGreaterThan(1);
    const saved = JSON.parse(pieces.join('')) as unknown;
    expect(saved).toEqual(JSON.parse(JSON.stringify(core.snapshot())));
    const resumed = createCore({}, DEBIAN_DEFAULT_THRESHOLDS, saved);
    const again = createCore({}, DEBIAN_DEFAULT_THRESHOLDS, JSON.parse(JSON.stringify(core.snapshot())));

    // With the rows apart (the state file's way): the snapshot without them, and the rows one by one, read lazily.
    const apart = JSON.parse([...core.snapshotJson!(true)].join('')) as { detector: { sources: { rows: unknown[] } } };
    expect(apart.detector.sources.rows).toEqual([]);
    const rowTexts = [...core.snapshotRows!()];
    expect(rowTexts.length).toBeGreaterThan(3000);
    let parsed = 0;
    function* rows(): Generator<unknown> {
      for (const text of rowTexts) {
        parsed++;
        yield JSON.parse(text);
      }
    }
    const fromRows = createCore({}, DEBIAN_DEFAULT_THRESHOLDS, apart, {}, rows());
    expect(parsed).toBe(rowTexts.length);
    expect(JSON.stringify(fromRows.snapshot())).toBe(JSON.stringify(core.snapshot()));

    const later = all.slice(cut);
    const expected = feed(again, later);
    expect(feed(resumed, later)).toEqual(expected);
    expect(feed(fromRows, later)).toEqual(expected);
  });

  it('round-trips through JSON and resumes exactly where it was taken', async () => {
    const all = await inputs();
    const whole = createCore({}, DEBIAN_DEFAULT_THRESHOLDS);
    const expected = feed(whole, all);
    expect(expected.filter((v) => v.verb === 'BAN').length).toBeGreaterThan(40);

    for (const cut of [Math.floor(all.length / 4), Math.floor(all.length / 2), Math.floor((all.length * 3) / 4)]) {
      const first = createCore({}, DEBIAN_DEFAULT_THRESHOLDS);
      const before = feed(first, all.slice(0, cut));
      const saved = JSON.parse(JSON.stringify(first.snapshot())) as unknown;
      const resumed = createCore({}, DEBIAN_DEFAULT_THRESHOLDS, saved);
      const after = feed(resumed, all.slice(cut));
      expect([...before, ...after]).toEqual(expected);
      expect(JSON.stringify(resumed.snapshot())).toBe(JSON.stringify(whole.snapshot()));
    }
  });

  it('ignores a snapshot of another shape and starts empty', () => {
    const core = createCore({}, DEBIAN_DEFAULT_THRESHOLDS, { version: 99, junk: true });
    expect((core.status() as { detection: { trackedSources: number } }).detection.trackedSources).toBe(0);
  });
});

/** A failed password at the time of the `at`-th input (another address and name are spread over it). */
function failureAt(list: readonly Input[], at: number): AuthEvent {
  const input = list[at]!;
  const time = 'event' in input ? input.event.time : input.sample.time;
  return { time, kind: 'failure', reason: 'failed-password', ip: '', bannable: true, count: 1, port: 40_000 };
}
