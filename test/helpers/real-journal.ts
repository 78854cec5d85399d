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
  /** Logs `message` as sshd does (syslog(3) to /dev/log: `_TRANSPORT=syslog`), as root; `tag` names another program. */
  say(message: string, options?: { tag?: string; pid?: number }): void;
  /**
   * Logs many lines as sshd does, each under its own pid, in one process (a `logger` each would take seconds): the
   * datagrams syslog(3) sends, `<38><tag>[<pid>]: <message>` (auth.info; tag sshd unless given). A lone surrogate
   * U+DC80-U+DCFF in `message` is sent as the byte it stands for (Python's surrogateescape): not UTF-8, as an
   * attacker's username can be. `uid`: sent as that user (the socket opened first, as the test's directories are
   * root's), as a local user's `logger -t 'sshd[1]'` would.
   */
  sayMany(
    lines: readonly { readonly pid: number; readonly message: string; readonly tag?: string }[],
    uid?: number,
  ): void;
  /** Writes `lines` as a program whose stderr journald collects (`sshd -e` under systemd: `_TRANSPORT=stdout`). */
  stdout(identifier: string, lines: readonly string[]): Promise<void>;
  /** The journal's entries (all of them, or those `matches` choose), as `journalctl -o json` prints them. */
  entries(matches?: readonly string[]): Record<string, unknown>[];
  stop(): Promise<void>;
}

/** `bootId`: journald stamps that boot id (startJournald); started again on the same `dir`, as after a reboot. */
export async function startRealJournal(dir: string, options: { bootId?: string } = {}): Promise<RealJournal> {
  const processes = new ProcessSet();
  const journald = await startJournald(dir, processes, options);
  const journalctl = join(dir, 'bin', 'journalctl');
  mkdirSync(dirname(journalctl), { recursive: true });
  // By its path: a test may put this program's directory first in PATH, where `journalctl` would be itself.
  const real = execFileSync('sh', ['-c', 'command -v journalctl'], { encoding: 'utf8' }).trim();
  writeFileSync(journalctl, `#!/bin/sh\nexec ${journald.view([real]).join(' ')} "$@"\n`);
  chmodSync(journalctl, 0o755);
  return {
    journald,
    journalctl,
    say(message, { tag = 'sshd', pid } = {}) {
      const args = ['--socket', journald.socket, '--tag', tag, '--priority', 'auth.info'];
      if (pid !== undefined) args.push(`--id=${pid}`);
      execFileSync('logger', [...args, message]);
    },
    sayMany(lines, uid) {
      const input = lines.map((l) => `${JSON.stringify(l)}\n`).join('');
      const argv = ['-c', SAY_MANY, journald.socket, ...(uid === undefined ? [] : [String(uid)])];
      execFileSync(PYTHON, argv, { input, stdio: ['pipe', 'ignore', 'pipe'] });
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

/** Debian's python3 (fail2ban's), not a version manager's shim in PATH, which takes half a second to start. */
const PYTHON = '/usr/bin/python3';
const SAY_MANY = `
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(sys.argv[1])
if len(sys.argv) > 2:
    os.setgroups([])
    os.setgid(int(sys.argv[2]))
    os.setuid(int(sys.argv[2]))
for line in sys.stdin:
    m = json.loads(line)
    s.send(('<38>%s[%d]: %s' % (m.get('tag', 'sshd'), m['pid'], m['message'])).encode('utf-8', 'surrogateescape'))
`;

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

/**
 * The second (epoch) a journal follower's run began at, from the arguments it gave journalctl: `--since=@<second>`,
 * or the `t=` (µs, hex) of the cursor of a point a restart seeks (src/sources/journal-start.ts); NaN for neither.
 */
export function resumedAtSecond(args: string): number {
  const since = /--since=@(\d+)/.exec(args)?.[1];
  if (since !== undefined) return Number(since);
  const realtime = /--cursor=b=[0-9a-f]{32};m=[0-9a-f]+;t=([0-9a-f]+)/.exec(args)?.[1];
  return realtime === undefined ? Number.NaN : Math.floor(Number.parseInt(realtime, 16) / 1e6);
}
