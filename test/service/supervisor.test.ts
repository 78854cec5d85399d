import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Supervisor } from '../../src/service/supervisor.js';
import type { Source, SourceErrorHandler } from '../../src/sources/source.js';
import { memoryLogger } from './helpers.js';

/**
 * The supervisor alone, with a source that cannot start while `broken` says so (an auth.log that is a directory, a
 * journalctl that exits at once), on fake timers: what an operator reads in the log while a source keeps failing,
 * and what `status` shows of it meanwhile.
 */
const NAME = 'file:/var/log/auth.log';

function flaky() {
  const state = { broken: true, starts: 0, onError: null as SourceErrorHandler | null };
  const create = (onError: SourceErrorHandler): Source => {
    state.onError = onError;
    return {
      name: NAME,
      async start() {
        state.starts++;
        if (state.broken) throw new Error('EISDIR: illegal operation on a directory, read');
      },
      async stop() {},
      health: () => ({ name: NAME, state: 'following', delivered: 0 }),
    };
  };
  return { state, create };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('a source that keeps failing', () => {
  it('is retried after twice the wait each time up to the ceiling, which is said as ERROR, and shown failed meanwhile', async () => {
    const { state, create } = flaky();
    const { log, lines } = memoryLogger('info');
    const supervisor = new Supervisor({ create, log, minDelayMs: 1000, maxDelayMs: 8000 });
    await supervisor.start();
    for (const wait of [1000, 2000, 4000, 8000]) await vi.advanceTimersByTimeAsync(wait);
    const failures = lines().filter((l) => String(l['event']).startsWith('source-fail'));
    expect(failures.map((l) => [l['event'], l['level'], l['retryInMs']])).toEqual([
      ['source-failed', 40, 1000],
      ['source-failed', 40, 2000],
      ['source-failed', 40, 4000],
      // At the ceiling no line is read until an operator fixes the cause: ERROR, not one more WARN.
      ['source-failing-repeatedly', 50, 8000],
      ['source-failing-repeatedly', 50, 8000],
    ]);
    expect(state.starts).toBe(5);
    // `status` between two tries: failed, why, and how often, not the new source's own `following`.
    expect(supervisor.health()).toEqual({
      name: NAME,
      state: 'failed',
      delivered: 0,
      detail: 'EISDIR: illegal operation on a directory, read (retrying)',
      restarts: 5,
    });
    state.broken = false;
    await vi.advanceTimersByTimeAsync(8000);
    expect(state.starts).toBe(6);
    expect(supervisor.health()).toEqual({ name: NAME, state: 'following', delivered: 0, restarts: 5 });
    await supervisor.stop();
  });

  it('is retried after the shortest wait again once it had run for a minute, not after a run of seconds', async () => {
    const { state, create } = flaky();
    const { log, lines } = memoryLogger('info');
    const supervisor = new Supervisor({ create, log, minDelayMs: 1000, maxDelayMs: 8000 });
    await supervisor.start();
    for (const wait of [1000, 2000]) await vi.advanceTimersByTimeAsync(wait);
    state.broken = false;
    await vi.advanceTimersByTimeAsync(4000); // started, and runs
    const retries = () => lines().flatMap((l) => (l['retryInMs'] === undefined ? [] : [l['retryInMs']]));
    expect(retries()).toEqual([1000, 2000, 4000]);
    await vi.advanceTimersByTimeAsync(10_000);
    state.onError?.(new Error('journalctl exited with code 1')); // after 10 s: the backoff goes on
    expect(retries()).toEqual([1000, 2000, 4000, 8000]);
    await vi.advanceTimersByTimeAsync(8000 + 61_000);
    state.onError?.(new Error('journalctl exited with code 1')); // after a minute: a new failure, not the same one
    expect(retries()).toEqual([1000, 2000, 4000, 8000, 1000]);
    await supervisor.stop();
  });
});
