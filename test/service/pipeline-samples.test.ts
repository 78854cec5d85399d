import { describe, expect, it } from 'vitest';
import type { AuthEvent } from '../../src/core/auth-event.js';
import { DEBIAN_DEFAULT_THRESHOLDS } from '../../src/core/fail2ban-thresholds.js';
import type { SocketSample } from '../../src/core/socket.js';
import { createCore } from '../../src/correlate/create-core.js';
import { Pipeline } from '../../src/service/pipeline.js';
import { VerdictDedupe } from '../../src/service/verdict-dedupe.js';
import type { VerdictWriter } from '../../src/service/verdict-writer.js';
import { memoryLogger } from './helpers.js';

/**
 * The service's socket samples reach the core in the order of its clock, as replay merges them with the lines. A
 * sample is stamped with the wall clock, and the core's clock follows it: given at once, while the reader was behind,
 * a sample ended a held ban (a clock tick) before the login that would have spared the source was read (found in
 * review: test/service/live-journal-hold-race.test.ts, with a sample every second).
 */
const T = Date.UTC(2026, 10, 24, 4);

function recorded() {
  const calls: string[] = [];
  const inner = createCore({}, DEBIAN_DEFAULT_THRESHOLDS);
  const core = {
    ...inner,
    onAuthEvent: (e: AuthEvent) => {
      calls.push(`line@${e.time - T}`);
      return [];
    },
    onSocketSample: (s: SocketSample) => {
      calls.push(`sample@${s.time - T}`);
      return [];
    },
    advance: (now: number) => {
      calls.push(`clock@${now - T}`);
      return [];
    },
  };
  const pipeline = new Pipeline(core, {} as VerdictWriter, new VerdictDedupe(), memoryLogger().log, () => T + 60_000);
  return { calls, pipeline };
}

const line = (time: number): AuthEvent => ({
  time: T + time,
  kind: 'probe',
  reason: 'closed-preauth',
  ip: '203.0.113.9',
  bannable: true,
  count: 1,
});
const sample = (time: number): SocketSample => ({ time: T + time, rows: [] });

describe('pipeline: socket samples and the core clock', () => {
  it('gives a sample to the core only once a line or the clock reaches its time', () => {
    const { calls, pipeline } = recorded();
    pipeline.onSample(sample(5000));
    pipeline.onSample(sample(10_000));
    expect(calls, 'nothing moves the clock to the wall clock while the lines are behind').toEqual([]);
    pipeline.onEvent(line(1000));
    pipeline.advance(T + 4999);
    pipeline.onEvent(line(6000));
    pipeline.advance(T + 12_000);
    expect(calls).toEqual(['line@1000', 'clock@4999', 'sample@5000', 'line@6000', 'sample@10000', 'clock@12000']);
    expect(pipeline.samples).toBe(2);
  });

  it('gives the oldest at once when too many wait (a reader hours behind)', () => {
    const { calls, pipeline } = recorded();
    for (let i = 0; i <= 720; i++) pipeline.onSample(sample(i * 5000));
    expect(calls).toEqual(['sample@0']);
  });
});
