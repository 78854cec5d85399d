import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../src/core/auth-event.js';
import { DEBIAN_DEFAULT_THRESHOLDS } from '../../src/core/fail2ban-thresholds.js';
import type { Verdict } from '../../src/core/verdict.js';
import { createCore } from '../../src/correlate/create-core.js';
import { readLineBatches } from '../../src/parse/line-reader.js';
import { SshdParser } from '../../src/parse/sshd-parser.js';
import { EventColumns, encodeBatch } from '../../src/replay/event-batch.js';
import { parseBatches } from '../../src/replay/parse-batches.js';
import { type EventList, replayLogs } from '../../src/replay/replay-logs.js';
import { SCENARIOS } from '../../src/simulate/scenarios.js';
import { writeScenario } from '../../src/simulate/write-scenario.js';

/**
 * Replay hands the core one event object rewritten for each event (EventColumns): the core must read an event during
 * its call and keep none of it. Were it to keep one (a held join, a pending login, a candidate remembering the event
 * that made it), a later event would rewrite what it kept. So every scenario is replayed both ways, with the
 * settings that hold bans (names_alone_hold) and ban at a login (compromise_action), and the verdicts must match.
 */
const dir = mkdtempSync(join(tmpdir(), 'f2b-columns-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const detection = { names_alone_hold: '2m' };
const alerts = { compromise_action: 'ban' };

async function verdictsOf(batches: EventList[]): Promise<Verdict[]> {
  const core = createCore(detection, DEBIAN_DEFAULT_THRESHOLDS, undefined, alerts);
  const verdicts: Verdict[] = [];
  async function* events() {
    yield* batches;
  }
  await replayLogs({ events: events(), core, emit: (v) => verdicts.push(v) });
  return verdicts;
}

describe('a core fed one rewritten event object', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('gives the verdicts of fresh objects: %s', async (name, spec) => {
    const files = await writeScenario(spec, join(dir, name));
    // A chunk's events at a time, as replay reads them in one thread (parseBatches) or gets them from the parser's.
    const arrays: AuthEvent[][] = [];
    const parser = new SshdParser({ referenceTime: Date.UTC(2026, 5, 1) });
    for await (const batch of parseBatches(readLineBatches(files.authLog), parser)) arrays.push(batch);
    const columns = arrays.map((batch) => new EventColumns(structuredClone(encodeBatch(batch))));

    const fresh = await verdictsOf(arrays);
    expect(await verdictsOf(columns)).toEqual(fresh);
    if (spec.campaign) expect(fresh.some((v) => v.verb === 'BAN')).toBe(true);
  });
});
