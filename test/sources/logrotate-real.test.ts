import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FilePosition } from '../../src/sources/file-position.js';
import { RotatingFile } from '../../src/sources/rotating-file.js';
import { tempDir } from '../service/helpers.js';

/**
 * The follower against the real logrotate (/usr/sbin/logrotate), run with `-f` on a configuration of its own, as
 * Debian's daily run would: the rotations a stopped service finds at its restart.
 */
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function logrotate(dir: string, path: string, options: readonly string[]): void {
  const conf = join(dir, 'logrotate.conf');
  writeFileSync(conf, `${path} {\n\t${options.join('\n\t')}\n}\n`);
  execFileSync('logrotate', ['-f', '-s', join(dir, 'logrotate.state'), conf]);
}

function follower(path: string, got: string[], notices: string[], position?: FilePosition) {
  const file = new RotatingFile({
    path,
    startAt: 'start',
    ...(position ? { position } : {}),
    onLine: (line) => got.push(line),
    onNotice: (event, detail) => notices.push(`${event} ${JSON.stringify(detail)}`),
  });
  while (file.poll()) {
    // more to read at once
  }
  return file;
}

describe.each([
  ['copytruncate', ['copytruncate', 'rotate 4', 'compress', 'delaycompress']],
  ['copytruncate, no compression', ['copytruncate', 'rotate 4']],
  ['rename and create', ['create', 'rotate 4', 'compress', 'delaycompress']],
])('RotatingFile and the real logrotate (%s)', (_name, options) => {
  it('a rotation while stopped, after an earlier one: the lines written before it are read once', () => {
    const t = tempDir('logrotate');
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'auth.log');
    writeFileSync(path, 'z1\n');
    logrotate(t.dir, path, options); // an earlier rotation: auth.log.1 is there when the service runs
    expect(existsSync(`${path}.1`)).toBe(true);
    appendFileSync(path, 'a1\na2\n');
    const got: string[] = [];
    const notices: string[] = [];
    const first = follower(path, got, notices);
    appendFileSync(path, 'a3\n');
    first.poll();
    first.close();
    const saved = JSON.parse(JSON.stringify(first.position())) as FilePosition;
    appendFileSync(path, 'a4\n'); // while stopped, before the rotation
    logrotate(t.dir, path, options);
    appendFileSync(path, 'b1\n');
    const second = follower(path, got, notices, saved);
    second.close();
    expect(got.filter((l) => l !== 'z1')).toEqual(['a1', 'a2', 'a3', 'a4', 'b1']);
    expect(notices.filter((n) => n.startsWith('lost'))).toEqual([]);
  });

  it('two rotations while stopped, the unread tail compressed by the second: said lost, the rest read once', () => {
    const t = tempDir('logrotate');
    cleanups.push(t.cleanup);
    const path = join(t.dir, 'auth.log');
    writeFileSync(path, 'a1\n');
    const got: string[] = [];
    const notices: string[] = [];
    const first = follower(path, got, notices);
    first.close();
    const saved = JSON.parse(JSON.stringify(first.position())) as FilePosition;
    appendFileSync(path, 'a2\n');
    logrotate(t.dir, path, options);
    appendFileSync(path, 'b1\n');
    logrotate(t.dir, path, options);
    appendFileSync(path, 'c1\n');
    const second = follower(path, got, notices, saved);
    second.close();
    const compressed = options.includes('compress');
    // Compressed rotations are not read (docs/service.md): a2, in auth.log.2.gz, is lost, and said to be.
    expect(got).toEqual(compressed ? ['a1', 'b1', 'c1'] : ['a1', 'a2', 'b1', 'c1']);
    expect(notices.filter((n) => n.startsWith('lost')).length).toBe(compressed ? 1 : 0);
  });
});
