import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { AuthLogSource } from '../../src/sources/auth-log-source.js';
import { tempDir } from '../service/helpers.js';

/**
 * Whether the follower has read every line written so far: the service lets the wall clock end a held ban only when
 * it has (campaign-service.ts tick). Found by hand mutation testing (session 32): catchUp() answering yes after one
 * look, whatever was left, passed every test, test/service/live-hold-race and live-hold-two-files included (as did
 * ServiceSources.caughtUp answering yes always).
 */
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

it('is not caught up while lines past one look (8 MB) are unread, and is once the last one is read', async () => {
  const t = tempDir('catch-up');
  cleanups.push(t.cleanup);
  const path = join(t.dir, 'auth.log');
  const LINES = 200_000; // 20 MB: more than two looks
  writeFileSync(path, `${'x'.repeat(99)}\n`.repeat(LINES));
  let read = 0;
  const source = new AuthLogSource({
    path,
    startAt: 'start',
    onLine: () => read++,
    onError: (error) => {
      throw error;
    },
  });
  // Each answer with the lines read when it was given: yes only with all of them read.
  const answers: [boolean, number][] = [];
  for (let look = 0; look < 10 && !answers.at(-1)?.[0]; look++) answers.push([source.catchUp(), read]);
  await source.stop();
  expect(answers.at(-1)).toEqual([true, LINES]);
  expect(answers.length).toBeGreaterThan(2);
  for (const [caughtUp, when] of answers.slice(0, -1)) expect([caughtUp, when < LINES]).toEqual([false, true]);
});
