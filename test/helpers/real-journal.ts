import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { type Journald, startJournald } from '../e2e/harness/journald.js';
import { ProcessSet } from '../e2e/harness/processes.js';

/**
 * One private systemd-journald for a test file (test/e2e/harness/journald.ts), with a `journalctl` program that is
 * the real one run where that journal is the system's: give it to the service as `journalctl = ...` or put its
 * directory first in PATH. Starting journald takes about a second: share one per file.
 */
export interface RealJournal {
  readonly journald: Journald;
  /** The real journalctl, seeing the test's journal as the system's. */
  readonly journalctl: string;
  /** Logs `message` as sshd does (syslog(3) to /dev/log: `_TRANSPORT=syslog`), as root unless `uid` is given. */
  say(message: string, options?: { tag?: string; pid?: number; uid?: number }): void;
  /** Writes `lines` as a program whose stderr journald collects (`sshd -e` under systemd: `_TRANSPORT=stdout`). */
  stdout(identifier: string, lines: readonly string[]): Promise<void>;
  /** The journal's entries (all of them, or those `matches` choose), as `journalctl -o json` prints them. */
  entries(matches?: readonly string[]): Record<string, unknown>[];
  stop(): Promise<void>;
}

export async function startRealJournal(dir: string): Promise<RealJournal> {
  const processes = new ProcessSet();
  const journald = await startJournald(dir, processes);
  const journalctl = join(dir, 'bin', 'journalctl');
  mkdirSync(dirname(journalctl), { recursive: true });
  writeFileSync(journalctl, `#!/bin/sh\nexec ${journald.view(['journalctl']).join(' ')} "$@"\n`);
  chmodSync(journalctl, 0o755);
  return {
    journald,
    journalctl,
    say(message, { tag = 'sshd', pid, uid } = {}) {
      const argv = ['logger', '--socket', journald.socket, '--tag', tag, '--priority', 'auth.info'];
      if (pid !== undefined) argv.push(`--id=${pid}`);
      const [program, ...args] = uid === undefined ? argv : ['setpriv', `--reuid=${uid}`, '--clear-groups', ...argv];
      execFileSync(program!, [...args, message]);
    },
    stdout: (identifier, lines) => streamToJournald(join(dirname(journald.socket), 'stdout'), identifier, lines),
    entries(matches = []) {
      const json = execFileSync(
        'journalctl',
        ['--directory', journald.directory, '--output=json', '--no-pager', '--quiet', ...matches],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 },
      );
      return json
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    stop: () => processes.stopAll(),
  };
}

/**
 * journald's stdout stream protocol (journald-stream.c), as systemd speaks it for a unit's stderr: a header of
 * identifier, unit, priority, level prefix and three forwarding flags, then one entry per line.
 */
function streamToJournald(socket: string, identifier: string, lines: readonly string[]): Promise<void> {
  const header = [identifier, '', '6', '0', '0', '0', '0'];
  return new Promise((resolve, reject) => {
    const stream = connect(socket, () => stream.end(`${[...header, ...lines].join('\n')}\n`));
    stream.on('error', reject);
    stream.on('close', () => resolve());
  });
}
