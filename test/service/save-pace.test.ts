import { describe, expect, it } from 'vitest';
import type { CorrelationCore } from '../../src/core/correlation-core.js';
import { SavePace } from '../../src/service/save-pace.js';
import { StateSaver } from '../../src/service/state-saver.js';
import { emptyState, memoryLogger, tempDir } from './helpers.js';

describe('SavePace (state_interval and state_write_rate)', () => {
  it('lets a small state be saved every state_interval, and spaces a large one by the bytes it wrote', () => {
    const { log, lines } = memoryLogger('info');
    const pace = new SavePace(10_000, 65_536, log);
    expect(pace.due(0)).toBe(true);
    // 64 kB at 64 kB/s: 1 s, under state_interval: the timer's 10 s decide, nothing is said.
    pace.saved(65_536, 0);
    expect(pace.due(999)).toBe(false);
    expect(pace.due(1000)).toBe(true);
    expect(lines()).toEqual([]);
    // A flood's 28 MB: the next save no sooner than 7 minutes later, and the log says so once.
    pace.saved(28 * 1024 * 1024, 60_000);
    expect(pace.due(60_000 + 447_999)).toBe(false);
    expect(pace.due(60_000 + 448_000)).toBe(true);
    pace.saved(28 * 1024 * 1024, 508_000);
    // Back to a small state: saves every state_interval again, said once.
    pace.saved(100_000, 956_000);
    expect(pace.due(956_000 + 10_000)).toBe(true);
    const said = lines().map(({ event, spaced, bytes, everySeconds }) => ({ event, spaced, bytes, everySeconds }));
    expect(said).toEqual([
      { event: 'state-saves-spaced', spaced: true, bytes: 28 * 1024 * 1024, everySeconds: 448 },
      { event: 'state-saves-spaced', spaced: false, bytes: 100_000, everySeconds: 10 },
    ]);
  });
});

describe('StateSaver.due (state_interval)', () => {
  // An idle service rewrote and fsynced the same state every state_interval: the saves are skipped until a line, a
  // socket sample or a verdict changes what the pipeline holds.
  it('skips a periodic save while nothing came since the last one', () => {
    const t = tempDir('save-due');
    try {
      const state = emptyState();
      const saver = new StateSaver(t.dir, 10_000, 65_536, memoryLogger('info').log);
      saver.save(state, { snapshot: () => ({}) } as unknown as CorrelationCore, 7);
      const later = Date.now() + 60_000;
      expect(saver.due(7, later)).toBe(false);
      expect(saver.due(8, later)).toBe(true);
    } finally {
      t.cleanup();
    }
  });
});
