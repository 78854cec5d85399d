import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load-config.js';
import { memoryLogger, realService, tempDir } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function service(dir: string) {
  mkdirSync(join(dir, 'net'), { recursive: true });
  writeFileSync(join(dir, 'net', 'tcp'), '  sl  local_address rem_address   st\n');
  writeFileSync(join(dir, 'auth.log'), '');
  const config = parseConfigText(
    [
      '[service]',
      'source = file',
      `auth_log = ${join(dir, 'auth.log')}`,
      `verdict_log = ${join(dir, 'verdicts.log')}`,
      `state_dir = ${join(dir, 'state')}`,
      `runtime_dir = ${join(dir, 'run')}`,
      `sockets_from = ${join(dir, 'net')}`,
    ].join('\n'),
    'test.conf',
  );
  const { log, lines } = memoryLogger('info');
  const svc = realService(config, log);
  return { svc, events: () => lines().map((l) => l['event']), lines };
}

describe('state saves that fail, and what they leave', () => {
  // Found in review: after a full disk, saves resumed with nothing in the log to say the state was current again.
  it('says when saves succeed again after failing, and how many failed', async () => {
    const t = tempDir('state-faults');
    cleanups.push(t.cleanup);
    const { svc, events, lines } = service(t.dir);
    await svc.start();
    cleanups.push(() => svc.stop());
    const state = join(t.dir, 'state');
    // The state directory replaced by a file: every save fails (ENOTDIR), as on a full disk (ENOSPC).
    rmSync(state, { recursive: true });
    writeFileSync(state, '');
    svc.settle();
    svc.settle();
    expect(events().filter((e) => e === 'state-save-failed')).toHaveLength(2);
    expect(events()).not.toContain('state-save-recovered');
    rmSync(state);
    mkdirSync(state);
    svc.settle();
    expect(lines().filter((l) => l['event'] === 'state-save-recovered')).toEqual([
      expect.objectContaining({ level: 30, failedSaves: 2 }),
    ]);
    expect(existsSync(join(state, 'state.json'))).toBe(true);
    // Said once: the saves after it are saves like any other.
    svc.settle();
    expect(events().filter((e) => e === 'state-save-recovered')).toHaveLength(1);
  });

  // Found in review: a kill -9 during a save left its temporary file for good (after a flood, ~30 MB each).
  it('removes at start the temporary files of saves cut short, and says so; nothing else', async () => {
    const t = tempDir('state-leftovers');
    cleanups.push(t.cleanup);
    const state = join(t.dir, 'state');
    mkdirSync(state, { recursive: true });
    for (const name of ['state.json.21445.tmp', 'state.json.7.tmp', 'state.json.x.tmp', 'other.21445.tmp']) {
      writeFileSync(join(state, name), 'partial');
    }
    const { svc, lines } = service(t.dir);
    await svc.start();
    cleanups.push(() => svc.stop());
    expect(existsSync(join(state, 'state.json.21445.tmp'))).toBe(false);
    expect(existsSync(join(state, 'state.json.7.tmp'))).toBe(false);
    expect(existsSync(join(state, 'state.json.x.tmp'))).toBe(true);
    expect(existsSync(join(state, 'other.21445.tmp'))).toBe(true);
    const said = lines().find((l) => l['event'] === 'state-leftovers-removed');
    expect([...((said?.['files'] as string[] | undefined) ?? [])].sort()).toEqual([
      'state.json.21445.tmp',
      'state.json.7.tmp',
    ]);
  });
});
