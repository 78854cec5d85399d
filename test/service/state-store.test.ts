import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadState, type ServiceState, saveState } from '../../src/service/state-store.js';
import { emptyState, tempDir } from './helpers.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VITE_NODE = join(ROOT, 'node_modules', '.bin', 'vite-node');

function state(cursor: string, padding = 0): ServiceState {
  return emptyState({ journalCursor: cursor, core: { padding: 'x'.repeat(padding) } });
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

  // The state holds what sshd logged: the usernames tried, some of them passwords typed at the wrong prompt.
  it('is readable by its owner alone (0600), whatever the umask', () => {
    const t = tempDir('state');
    cleanups.push(t.cleanup);
    const umask = process.umask(0o022);
    try {
      saveState(t.dir, state('mode'));
    } finally {
      process.umask(umask);
    }
    expect(statSync(join(t.dir, 'state.json')).mode & 0o777).toBe(0o600);
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

  // Found in review: a state.json left 0600 by a root run was reported as corrupt, and the service started afresh,
  // skipping every line logged while it was stopped and replacing the file at its first save.
  it('refuses a state file it may not read, naming the file and the permission problem, and leaves it alone', () => {
    const t = tempDir('state');
    cleanups.push(t.cleanup);
    saveState(t.dir, state('kept'));
    const path = join(t.dir, 'state.json');
    chmodSync(t.dir, 0o755);
    chmodSync(path, 0o000);
    const store = join(ROOT, 'src/service/state-store.ts');
    const script = join(t.dir, 'load.ts');
    writeFileSync(
      script,
      [
        `import { loadState } from ${JSON.stringify(store)};`,
        // As root every file is readable: become nobody, as the service user is not the root that left the file.
        'if (process.getuid?.() === 0) { process.setgid(65534); process.setuid(65534); }',
        'try { loadState(process.argv[2]!); console.log("loaded"); }',
        'catch (error) { console.log((error as { code: string }).code, (error as Error).message); }',
      ].join('\n'),
    );
    const out = execFileSync(VITE_NODE, [script, t.dir], { cwd: ROOT, encoding: 'utf8' });
    expect(out).toContain(`STATE_UNREADABLE cannot read the saved state ${path} (EACCES`);
    expect(out).toContain('not readable by this user');
    expect(out).toContain('chown -R f2b-campaign:');
    chmodSync(path, 0o600);
    expect(readdirSync(t.dir).filter((n) => n.startsWith('state.json'))).toEqual(['state.json']);
    expect(loadState(t.dir).state?.journalCursor).toBe('kept');
  });

  it('refuses a state path it cannot read for another reason (a directory), rather than calling it corrupt', () => {
    const t = tempDir('state');
    cleanups.push(t.cleanup);
    mkdirSync(join(t.dir, 'state.json'));
    expect(() => loadState(t.dir)).toThrow(/cannot read the saved state .*state\.json \(EISDIR.*; not starting/);
  });

  it("keeps the core's rows apart, a line each after the state's line, and gives them back one at a time", () => {
    const t = tempDir('state');
    cleanups.push(t.cleanup);
    // Enough rows for several 64 kB pieces; one holding a newline escaped, as JSON text never holds a raw one.
    const rows = Array.from({ length: 5000 }, (_, i) => [`10.0.${i >> 8}.${i & 255}`, i === 7 ? 'c\n1' : '', [i, 1.5]]);
    saveState(t.dir, state('rows'), { json: ['{"a":1}'], rows: rows.map((r) => JSON.stringify(r)) });
    const lines = readFileSync(join(t.dir, 'state.json'), 'utf8').split('\n');
    expect(lines).toHaveLength(rows.length + 2); // the state's line, the rows, and the last newline's empty rest
    expect(JSON.parse(lines[0]!)).toMatchObject({ journalCursor: 'rows', core: { a: 1 }, rowLines: true });

    const loaded = loadState(t.dir);
    expect(loaded.state).toMatchObject({ journalCursor: 'rows', core: { a: 1 } });
    const read = loaded.rows![Symbol.iterator]();
    expect(read.next().value).toEqual(rows[0]);
    expect([...{ [Symbol.iterator]: () => read }]).toEqual(rows.slice(1));
  });

  it('reads a state written before rows were kept apart (one line) as before, with no rows', () => {
    const t = tempDir('state');
    cleanups.push(t.cleanup);
    saveState(t.dir, state('old'), { json: ['{"sources":{"rows":[["10.0.0.1"]]}}'] });
    const loaded = loadState(t.dir);
    expect(loaded.state).toMatchObject({ journalCursor: 'old', core: { sources: { rows: [['10.0.0.1']] } } });
    expect(loaded.rows).toBeUndefined();
    expect(loaded.state?.rowLines).toBeUndefined();
  });

  it('finds a corrupt row only when the rows are read: the state itself still loads', () => {
    const t = tempDir('state');
    cleanups.push(t.cleanup);
    saveState(t.dir, state('bad row'), { json: ['{}'], rows: ['["10.0.0.1"]', '["10.0.0.2"'] });
    const loaded = loadState(t.dir);
    expect(loaded.problem).toBeUndefined();
    expect(() => [...loaded.rows!]).toThrow(SyntaxError);
  });
});
