// Where the service writes, no other local user may plant or swap files: as root it would write through a planted
// link into any file, a planted run.lock would keep it from starting, and a verdict line anyone could write would
// have fail2ban ban any address. Noticed in review: a world-writable state_dir was used as it was.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/service/atomic-file.js';
import { unsafeServicePaths, untrustedDirectory } from '../../src/service/trusted-directory.js';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { serviceFiles, setUpServiceDir } from './helpers.js';

const t = bundledCliSuite('trusted-dir');

function dir(name: string, mode: number): string {
  const path = join(t.dir, name);
  mkdirSync(path, { recursive: true });
  chmodSync(path, mode);
  return path;
}

describe('the places the service writes', () => {
  it('are refused when every user can write them or a directory above them that is not sticky', () => {
    expect(untrustedDirectory(dir('private', 0o750))).toBeUndefined();
    expect(untrustedDirectory(dir('open', 0o777))).toMatch(/open is writable by every user \(mode 0777\)/);
    // Sticky is no help for the directory itself: others still create names the service has not made yet.
    expect(untrustedDirectory(dir('sticky', 0o1777))).toMatch(/sticky is writable by every user \(mode 1777\)/);
    // Above it, a sticky directory (as /tmp) is safe: no one renames or removes what is not theirs.
    expect(untrustedDirectory(join(dir('sticky', 0o1777), 'state'))).toBeUndefined();
    expect(untrustedDirectory(dir('sticky/inner', 0o700))).toBeUndefined();
    // A non-sticky one is not: anyone could move `inner` aside and put their own in its place.
    expect(untrustedDirectory(dir('open/inner', 0o700))).toMatch(/open is writable by every user/);
    // Not made yet: judged by where it would be made.
    expect(untrustedDirectory(join(t.dir, 'open', 'not', 'yet'))).toMatch(/open is writable by every user/);
    expect(untrustedDirectory(join(t.dir, 'private', 'not', 'yet'))).toBeUndefined();
    // A link is judged where it leads.
    const link = join(dir('private', 0o750), 'to-open');
    symlinkSync(join(t.dir, 'open'), link);
    expect(untrustedDirectory(link)).toMatch(/open is writable by every user/);
  });

  it('include the verdict log, which no other user may write', () => {
    const logs = dir('logs', 0o755);
    const verdictLog = join(logs, 'verdicts.log');
    writeFileSync(verdictLog, '');
    const settings = { stateDir: dir('state', 0o700), runtimeDir: dir('run', 0o755), verdictLog };
    expect(unsafeServicePaths(settings)).toEqual([]);
    chmodSync(verdictLog, 0o646);
    expect(unsafeServicePaths(settings)).toEqual([
      `verdict_log ${verdictLog}: ${verdictLog} is writable by every user (mode 0646)`,
    ]);
    chmodSync(verdictLog, 0o640);
    chmodSync(logs, 0o777);
    expect(unsafeServicePaths(settings)).toEqual([
      `verdict_log's directory ${logs}: ${logs} is writable by every user (mode 0777)`,
    ]);
  });

  it('never write through a link planted at the temporary file a save writes first', () => {
    const state = dir('planted', 0o700);
    const victim = join(t.dir, 'victim');
    writeFileSync(victim, 'root:x:0:0\n');
    symlinkSync(victim, join(state, `state.json.${process.pid}.tmp`));
    writeFileAtomic(join(state, 'state.json'), '{"saved":true}\n');
    expect(readFileSync(victim, 'utf8')).toBe('root:x:0:0\n');
    expect(readFileSync(join(state, 'state.json'), 'utf8')).toBe('{"saved":true}\n');
  });
});

describe('run and check, given a state_dir every user can write', () => {
  it('run refuses to start, in one line naming the directory; check reports it', () => {
    const service = join(t.dir, 'service');
    setUpServiceDir(service, []);
    const authLog = join(service, 'auth.log');
    writeFileSync(authLog, '');
    const args = serviceFiles(service, authLog, join(service, 'verdicts.log'));
    const state = join(service, 'state');
    mkdirSync(state);
    chmodSync(state, 0o777);
    // Another user's lock, planted: the refusal names the directory, not "already running".
    spawnSync('setpriv', [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      'ln',
      '-s',
      '1 -',
      join(state, 'run.lock'),
    ]);
    const run = spawnSync(process.execPath, [t.bundle, 'run', ...args], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`state_dir ${state}: ${state} is writable by every user (mode 0777)`);
    expect(run.stderr).not.toContain('already running');
    const check = spawnSync(process.execPath, [t.bundle, 'check', ...args], { encoding: 'utf8', timeout: 60_000 });
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(/^error +permissions: state_dir .* is writable by every user/m);
    chmodSync(state, 0o750);
    const fixed = spawnSync(process.execPath, [t.bundle, 'check', ...args], { encoding: 'utf8', timeout: 60_000 });
    expect(fixed.stdout).not.toContain('permissions:');
  }, 120_000);
});
