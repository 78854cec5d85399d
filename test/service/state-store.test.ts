import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadState, type ServiceState, saveState } from '../../src/service/state-store.js';
import { tempDir } from './helpers.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VITE_NODE = join(ROOT, 'node_modules', '.bin', 'vite-node');

function state(cursor: string, padding = 0): ServiceState {
  return {
    version: 1,
    savedAt: 1,
    files: [],
    journalCursor: cursor,
    core: { padding: 'x'.repeat(padding) },
    verdicts: null,
    owed: [],
  };
}

describe('state file', () => {
  it('keeps the last good state when the disk takes only part of a new one (short write), and leaves no temp file', () => {
    const t = tempDir('state');
    cleanups.push(t.cleanup);
    saveState(t.dir, state('good'));
    // A child limited to 8 kB files (ulimit -f 8; Node ignores SIGXFSZ): write(2) of a 20 kB state takes 8 kB and
    // returns that count, as it does on a disk that fills up mid-write; the next write fails with EFBIG.
    const script = join(t.dir, 'save.ts');
    const store = join(ROOT, 'src', 'service', 'state-store.ts');
    writeFileSync(
      script,
      [
        `import { saveState } from ${JSON.stringify(store)};`,
        `const state = ${JSON.stringify(state('new', 20_000))};`,
        'try { saveState(process.argv[2]!, state as never); console.log("saved"); }',
        'catch (error) { console.log("failed", (error as NodeJS.ErrnoException).code); }',
      ].join('\n'),
    );
    const out = execFileSync('bash', ['-c', 'ulimit -f 8 && exec "$0" "$@"', VITE_NODE, script, t.dir], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('failed EFBIG');
    const loaded = loadState(t.dir);
    expect(loaded.problem).toBeUndefined();
    expect(loaded.state?.journalCursor).toBe('good');
    expect(readdirSync(t.dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('moves a truncated state file aside once and reports it; the next start finds no problem', () => {
    const t = tempDir('state');
    cleanups.push(t.cleanup);
    saveState(t.dir, state('good', 100));
    const path = join(t.dir, 'state.json');
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.slice(0, text.length / 2));
    const first = loadState(t.dir);
    expect(first.state).toBeNull();
    expect(first.problem).toMatch(/not valid state .* moved to .*state\.json\.corrupt-\d+$/);
    expect(readdirSync(t.dir).filter((n) => n.startsWith('state.json.corrupt-'))).toHaveLength(1);
    expect(loadState(t.dir)).toEqual({ state: null });
  });
});
