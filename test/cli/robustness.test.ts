// The command line as an administrator meets it: bad files and options, pipes, a reader that goes away. Every
// failure is one line naming the problem and a documented exit status (f2b-campaign --help), never a stack trace
// nor a hang. Each case here failed before the fix that came with it.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findScenario } from '../../src/simulate/scenarios.js';
import { writeScenario } from '../../src/simulate/write-scenario.js';
import { bundledCliSuite } from '../helpers/bundle-cli.js';
import { runWatched, spawnWatched } from '../helpers/watched-pipeline.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** When vitest fails the running case for its time: a hang must be explained before then (set by beforeEach). */
let deadline = Number.POSITIVE_INFINITY;
/** What explaining a hang takes (spawnWatched: reports of stuck node programs are waited for up to 5 s). */
const EXPLAIN_MS = 8_000;

/**
 * Runs the bundled CLI, watched (spawnWatched). `stdin`: a file to redirect from, or 'pipe' for a pipe that carries
 * `input` (and is closed after it); with `pause`, the first half of `input` is written, then the rest `pause` ms
 * later, as a slow writer (`journalctl ... |`, `zcat ... |` on a loaded machine) does, to a standard input that is
 * non-blocking (NONBLOCKING_STDIN), where the pipe's empty moment is EAGAIN. `closeStdout`: stop reading after the
 * first chunk, as `| head -1` does. A hang is a failure: still running after `timeout` ms, or when the
 * case's own time is nearly out, it is killed and the run fails with what each of its processes and threads was
 * doing then.
 */
async function run(
  bundle: string,
  args: string[],
  options: { stdin?: string | 'pipe'; input?: Buffer; pause?: number; closeStdout?: boolean; timeout?: number } = {},
): Promise<Run> {
  const file = options.stdin === undefined || options.stdin === 'pipe' ? undefined : openSync(options.stdin, 'r');
  const stdin = file ?? (options.stdin === 'pipe' ? 'pipe' : 'ignore');
  const limit = Math.max(Math.min(options.timeout ?? 60_000, deadline - Date.now() - EXPLAIN_MS), 1_000);
  const [command, ...before] =
    options.pause === undefined ? [process.execPath] : [...NONBLOCKING_STDIN, process.execPath];
  const { child, finished } = spawnWatched(command!, [...before, bundle, ...args], stdin, limit);
  if (file !== undefined) closeSync(file); // the child has its own
  child.stdin?.on('error', () => {}); // a command that refuses its input closes the pipe early
  if (options.pause === undefined || options.input === undefined) child.stdin?.end(options.input);
  else {
    const half = options.input.length >> 1;
    child.stdin?.write(options.input.subarray(0, half));
    setTimeout(() => child.stdin?.end(options.input!.subarray(half)), options.pause);
  }
  if (options.closeStdout) child.stdout!.once('data', () => child.stdout!.destroy());
  const { status, stdout, stderr, stuck } = await finished;
  if (stuck !== undefined) throw new Error(`f2b-campaign ${args.join(' ')}: ${stuck}`);
  return { code: status, stdout, stderr };
}

/**
 * A reader's wait (python3, which fail2ban depends on) until its standard input, a pipe, holds 60 kB of the 64 kB a
 * Linux pipe takes by default: the writer has then met a full pipe, or is about to. It says so on stderr, waits half
 * a second more for the writer to try again, and exits 0; after 30 s without, it exits 1 and the pipe is never read.
 */
const PIPE_FULL = [
  'import fcntl, struct, sys, termios, time',
  'end = time.monotonic() + 30',
  'while struct.unpack("i", fcntl.ioctl(0, termios.FIONREAD, bytes(4)))[0] < 60 << 10:',
  '    if time.monotonic() > end: sys.exit("reader: the pipe never filled")',
  '    time.sleep(0.02)',
  'print("reader: the pipe is full", file=sys.stderr)',
  'time.sleep(0.5)',
].join('\n');

/**
 * Starts a program (`exec @ARGV`) with its standard input made non-blocking, as a parent that made its own so hands
 * it on (execa did, loaded in the program itself): a read of the pipe while it is empty is then EAGAIN. spawn's own
 * pipe is blocking, where such a read just waits. perl-base is an Essential package of Debian.
 */
const NONBLOCKING_STDIN = [
  'perl',
  '-MFcntl',
  '-e',
  'fcntl(STDIN, F_SETFL, fcntl(STDIN, F_GETFL, 0) | O_NONBLOCK) or die "fcntl: $!"; exec @ARGV or die "exec: $!"',
];

const STACK = /^\s+at \S/m;
/** Stands for an empty regular file of the test's directory in argument lists. */
const EMPTY = '<empty>';

// 60 s a case, not vitest's 30: a case runs the program up to five times, and 8 s of its time are kept to explain a
// hang (EXPLAIN_MS); at CI's load (~25) five runs over the whole one-try log took 28 s.
describe('the command line, given bad input', { timeout: 60_000 }, () => {
  const t = bundledCliSuite('cli-robust');
  const dir = t.dir;
  let log: string;
  let empty: string;
  beforeAll(async () => {
    // one-try: 1,000 sources, enough events and verdicts to fill any pipe buffer.
    const files = await writeScenario(findScenario('one-try')!, join(dir, 'one-try'));
    log = files.authLog;
    empty = join(dir, 'empty.log');
    writeFileSync(empty, '');
  }, 60_000);
  beforeEach(({ task }) => {
    deadline = Date.now() + task.timeout;
  });

  it('prints the version of package.json, not "dev"', async () => {
    const { code, stdout } = await run(t.bundle, ['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });

  it('documents its exit statuses in --help', async () => {
    const { stdout } = await run(t.bundle, ['--help']);
    for (const status of [0, 1, 2, 3, 64, 141]) expect(stdout).toMatch(new RegExp(`^ +${status} +\\S`, 'm'));
  });

  it('prints the usage on stderr when no command is given, and `help COMMAND` shows that command', async () => {
    const none = await run(t.bundle, []);
    expect(none).toMatchObject({ code: 64, stdout: '' });
    expect(none.stderr).toContain('usage: f2b-campaign <command>');
    const help = await run(t.bundle, ['help', 'replay']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: f2b-campaign replay --auth-log FILE/);
  });

  it.each([
    ['parse --json', ['parse', '--json']],
    ['parse', ['parse']],
    ['replay', ['replay', '--fail2ban-defaults', '--auth-log']],
    ['audit', ['audit', '--json', '--fail2ban-log', EMPTY, '--verdicts']],
  ])('stops quietly with 141 when the reader of %s goes away (| head -1)', async (_name, args) => {
    const input = args[0] === 'audit' ? join(dir, 'verdicts.log') : log;
    if (args[0] === 'audit') {
      const replayed = await run(t.bundle, ['replay', '--fail2ban-defaults', '--auth-log', log, '--verdicts', input]);
      expect(replayed.code).toBe(0);
    }
    const full = [...args, input].map((a) => (a === EMPTY ? empty : a));
    const { code, stderr, stdout } = await run(t.bundle, full, { closeStdout: true });
    expect(stdout.length).toBeGreaterThan(0);
    expect(stderr).not.toMatch(STACK);
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(141);
  });

  // Node makes a pipe on standard output non-blocking, and replay writes its verdicts with write(2): a full pipe
  // made it stop with "EAGAIN: resource temporarily unavailable, write", exit 1, after the first 64 kB. A real pipe
  // (a shell's `|`): what spawn's 'pipe' gives is a socket, whose larger buffer took this output whole.
  it('waits for a slow reader of its output (| less) and writes every verdict', async () => {
    const file = join(dir, 'to-file.log');
    const toFile = await run(t.bundle, ['replay', '--fail2ban-defaults', '--auth-log', log, '--verdicts', file]);
    expect(toFile.code).toBe(0);
    const expected = readFileSync(file, 'utf8');
    expect(expected.length).toBeGreaterThan(128 << 10); // twice a pipe's 64 kB buffer
    // The exit status is replay's ($PIPESTATUS: the first command of the pipeline), not the reader's. The reader
    // reads nothing until the pipe is full (PIPE_FULL), so replay has met a full pipe whatever the machine's load: a
    // fixed wait (5 s until 2026-11-25) could end before replay filled it (after 1.5 s, at load 15, it had not), and
    // a replay that gave up on EAGAIN then passed.
    const pipeline = `"$0" "$@" | { python3 -c '${PIPE_FULL}' && cat; }; exit $PIPESTATUS`;
    const args = ['replay', '--fail2ban-defaults', '--auth-log', log];
    // It hung once in ~15 CI runs (killed at 60 s, nothing to tell why): watched, a hang says where it stands.
    const slow = await runWatched(pipeline, [process.execPath, t.bundle, ...args], 45_000);
    expect(slow.stuck, slow.stuck).toBeUndefined();
    expect(slow.stderr).toContain('reader: the pipe is full');
    expect(slow.stderr).not.toContain('EAGAIN');
    expect(slow.status).toBe(0);
    const pidless = (text: string) => text.replace(/ f2b-campaign\[\d+\]: /g, ' ');
    expect(pidless(slow.stdout)).toBe(pidless(expected));
  }, 120_000);

  /**
   * A named pipe `name` that carries the log, then stays open without a word, as a stalled `journalctl ... | grep`
   * would; `stop` ends its writer.
   */
  function quietPipe(name: string): { fifo: string; stop: () => void } {
    const fifo = join(dir, name);
    spawnSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', 'exec 3>"$2"; cat "$1" >&3; exec sleep 60', 'writer', log, fifo], {
      stdio: 'ignore',
      detached: true,
    });
    return { fifo, stop: () => process.kill(-writer.pid!, 'SIGKILL') };
  }

  // replay's parser thread read a named pipe (`<(command)`, a mkfifo) with blocking reads: after `| head` went away
  // the program could not exit (ending the thread waits for its read) until the writer wrote again or closed.
  it('stops at once when the reader of its output goes away while a pipe it reads is open and quiet', async () => {
    const { fifo, stop } = quietPipe('quiet.fifo');
    try {
      const started = Date.now();
      const replay = ['replay', '--fail2ban-defaults', '--auth-log', fifo];
      const { code, stdout } = await run(t.bundle, replay, { closeStdout: true, timeout: 20_000 });
      expect(stdout).toMatch(/ BAN | CAMPAIGN /);
      expect(code).toBe(141);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      stop();
    }
  }, 60_000);

  // The parser's thread is ended with the job, however it ends: its read of a quiet pipe must not keep the program.
  it('stops at once, saying why, when its verdicts cannot be written while a pipe it reads is open and quiet', async () => {
    const { fifo, stop } = quietPipe('quiet-full.fifo');
    try {
      const started = Date.now();
      const replay = ['replay', '--fail2ban-defaults', '--auth-log', fifo, '--verdicts', '/dev/full'];
      const { code, stderr } = await run(t.bundle, replay, { timeout: 20_000 });
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toContain('ENOSPC');
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      stop();
    }
  }, 60_000);

  it('writes a simulation nowhere it cannot, in one line and at once: no endless mkdir under /proc', async () => {
    const proc = await run(t.bundle, ['simulate', '--scenario', 'waves', '--out', '/proc/f2b-campaign-test/x'], {
      timeout: 20_000,
    });
    expect(proc.code).toBe(1);
    expect(proc.stderr.trim()).toMatch(/^f2b-campaign simulate: --out \/proc\/f2b-campaign-test\/x: cannot create/);

    writeFileSync(join(dir, 'a-file'), '');
    const file = await run(t.bundle, ['simulate', '--scenario', 'waves', '--out', join(dir, 'a-file')]);
    expect(file.code).toBe(1);
    expect(file.stderr.trim().split('\n')).toEqual([expect.stringMatching(/--out .*a-file: .* is not a directory$/)]);
  });

  it.each([
    [
      'replay --verdicts in a missing directory',
      ['replay', '--fail2ban-defaults', '--verdicts', '/nonexistent/v.log'],
      /--verdicts \/nonexistent\/v\.log: cannot write it \(ENOENT\)/,
    ],
    [
      'replay --verdicts a directory',
      ['replay', '--fail2ban-defaults', '--verdicts', '/tmp'],
      /--verdicts \/tmp: cannot write it \(EISDIR\)/,
    ],
    [
      'replay --fail2ban-dir missing',
      ['replay', '--fail2ban-dir', '/nonexistent'],
      /--fail2ban-dir \/nonexistent: cannot use it \(ENOENT\)/,
    ],
    [
      'record --sockets in a missing directory',
      ['record', '--sockets', '/nonexistent/t', '--duration', '1s'],
      /--sockets \/nonexistent\/t: cannot append to it \(ENOENT\)/,
    ],
    [
      'record --sockets a directory',
      ['record', '--sockets', '/tmp', '--duration', '1s'],
      /--sockets \/tmp: cannot append to it \(EISDIR\)/,
    ],
    [
      'record --sockets-from missing',
      ['record', '--sockets', EMPTY, '--sockets-from', '/nonexistent', '--duration', '1s'],
      /--sockets-from \/nonexistent: /,
    ],
    [
      'audit --verdicts missing',
      ['audit', '--fail2ban-log', EMPTY, '--verdicts', '/nonexistent/verdicts.log'],
      /--verdicts \/nonexistent\/verdicts\.log: no such file, nor rotations of it/,
    ],
    [
      'audit --verdicts a directory',
      ['audit', '--fail2ban-log', EMPTY, '--verdicts', '/tmp'],
      /--verdicts \/tmp: not a regular file/,
    ],
    [
      'audit --fail2ban-log a directory',
      ['audit', '--verdicts', EMPTY, '--fail2ban-log', '/tmp'],
      /--fail2ban-log \/tmp: not a regular file/,
    ],
    [
      'audit --auth-log missing',
      ['audit', '--verdicts', EMPTY, '--fail2ban-log', EMPTY, '--auth-log', '/nonexistent/auth.log'],
      /--auth-log \/nonexistent\/auth\.log: no such file, nor rotations of it/,
    ],
    [
      'audit --html in a missing directory',
      ['audit', '--verdicts', EMPTY, '--fail2ban-log', EMPTY, '--html', '/nonexistent/r.html'],
      /--html \/nonexistent\/r\.html: cannot write it \(ENOENT\)/,
    ],
  ])('%s: one line, exit 1', async (_what, args, message) => {
    const full = (args[0] === 'replay' ? [...args, '--auth-log', log] : args).map((a) => (a === EMPTY ? empty : a));
    const { code, stderr } = await run(t.bundle, full);
    expect(stderr).not.toMatch(STACK);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    expect(code).toBe(1);
  });

  it.each([
    [
      'replay --fail2ban-dir with --fail2ban-defaults',
      ['replay', '--fail2ban-defaults', '--fail2ban-dir', '/etc/fail2ban'],
    ],
    [
      'audit --since after --until',
      ['audit', '--verdicts', EMPTY, '--fail2ban-log', EMPTY, '--since', '2026-02-17', '--until', '2026-02-15'],
    ],
    ['record --ports empty', ['record', '--sockets', EMPTY, '--ports=', '--duration', '1s']],
  ])('%s: a usage error, exit 64', async (_what, args) => {
    const full = (args[0] === 'replay' ? [...args, '--auth-log', log] : args).map((a) => (a === EMPTY ? empty : a));
    const { code, stderr } = await run(t.bundle, full);
    expect(stderr).not.toMatch(STACK);
    expect(stderr).toContain(`usage: f2b-campaign ${args[0]}`);
    expect(code).toBe(64);
  });

  // Rotated logs are gzip-compressed (auth.log.2.gz ...): read as text they were binary noise, every line skipped,
  // zero events and exit 0; then they were refused. Now they are read, and so are pipes, which were refused too.
  it('reads a gzip-compressed log as its text, and says which file a truncated one is', async () => {
    const gz = join(dir, 'auth.log.2.gz');
    const whole = gzipSync(readFileSync(log));
    writeFileSync(gz, whole);
    const plain = await run(t.bundle, ['parse', '--json', log]);
    const unzipped = await run(t.bundle, ['parse', '--json', gz]);
    expect(plain.stdout.length).toBeGreaterThan(1000);
    expect(unzipped.stdout).toBe(plain.stdout);
    expect(unzipped.stderr).toBe(plain.stderr);
    const cut = join(dir, 'cut.gz');
    writeFileSync(cut, whole.subarray(0, whole.length >> 1));
    for (const args of [
      ['parse', cut],
      ['replay', '--fail2ban-defaults', '--verdicts', join(dir, 'cut.verdicts'), '--auth-log', cut],
    ]) {
      const { code, stderr } = await run(t.bundle, args);
      expect(stderr.trim().split('\n').at(-1)).toMatch(
        /^f2b-campaign \w+: reading \S+cut\.gz: unexpected end of file$/,
      );
      expect(stderr).not.toMatch(STACK);
      expect(code).toBe(1);
    }
  });

  it('reads standard input, redirected from a file or piped, as it reads the file', async () => {
    const direct = await run(t.bundle, ['parse', '--json', log]);
    const redirected = await run(t.bundle, ['parse', '--json', '-'], { stdin: log });
    const piped = await run(t.bundle, ['parse', '--json', '-'], { stdin: 'pipe', input: readFileSync(log) });
    const pipedGzip = await run(t.bundle, ['parse', '--json', '-'], {
      stdin: 'pipe',
      input: gzipSync(readFileSync(log)),
    });
    expect(direct.stdout.length).toBeGreaterThan(1000);
    for (const other of [redirected, piped, pipedGzip]) {
      expect(other.code).toBe(0);
      expect(other.stdout).toBe(direct.stdout);
    }
  });

  // A pipe that is empty for a moment (its writer is slower than the reader) is not its end, nor an error: it
  // failed with "reading /dev/stdin: EAGAIN", execa having made descriptor 0 non-blocking when it was loaded.
  // Its five runs over one-try's whole log cost 3.8 s of CPU and took 28 s at CI's load (~25) of the 30 s it had.
  // Over its first 2,000 lines (250 kB, 160 bans; each half still more than a pipe's 64 kB) they cost 2.2 s, most of
  // it the programs' start; under 16 busy loops (load 19-24) that took 27-62 s, the whole log 53-69 s: 90 s.
  it('waits for a slow writer on standard input, like cat, in parse and in replay', async () => {
    const part = join(dir, 'slow-writer.log');
    writeFileSync(part, `${readFileSync(log, 'utf8').split('\n').slice(0, 2000).join('\n')}\n`);
    const text = readFileSync(part);
    const direct = await run(t.bundle, ['parse', '--json', part]);
    const slow = await run(t.bundle, ['parse', '--json', '-'], { stdin: 'pipe', input: text, pause: 500 });
    const slowGzip = await run(t.bundle, ['parse', '--json', '-'], {
      stdin: 'pipe',
      input: gzipSync(text),
      pause: 500,
    });
    for (const other of [slow, slowGzip]) {
      expect(other.stderr).toBe(direct.stderr);
      expect(other.code).toBe(0);
      expect(other.stdout).toBe(direct.stdout);
    }
    const replay = ['replay', '--fail2ban-defaults', '--auth-log'];
    const whole = await run(t.bundle, [...replay, part]);
    const piped = await run(t.bundle, [...replay, '-'], { stdin: 'pipe', input: text, pause: 500 });
    expect(piped.stderr).toMatch(/^\{"files":1,/);
    expect(piped.code).toBe(0);
    const verdicts = (stdout: string) => stdout.replace(/f2b-campaign\[\d+\]/g, '');
    expect(verdicts(whole.stdout)).toMatch(/ BAN /);
    expect(verdicts(piped.stdout)).toBe(verdicts(whole.stdout));
  }, 90_000);

  it('replays a rotated set given oldest first (.gz, .1, piped current) as the one log it was', async () => {
    const lines = readFileSync(log, 'utf8').split('\n');
    // Cut inside connections: the pairing of an `Invalid user` line with its `Failed` line crosses the files.
    const a = Math.floor(lines.length / 3);
    const b = Math.floor((2 * lines.length) / 3);
    writeFileSync(join(dir, 'auth.log.2.gz'), gzipSync(`${lines.slice(0, a).join('\n')}\n`));
    writeFileSync(join(dir, 'auth.log.1'), `${lines.slice(a, b).join('\n')}\n`);
    const current = Buffer.from(lines.slice(b).join('\n'));
    const whole = join(dir, 'whole.verdicts');
    const parts = join(dir, 'parts.verdicts');
    const one = await run(t.bundle, ['replay', '--fail2ban-defaults', '--auth-log', log, '--verdicts', whole]);
    const set = await run(
      t.bundle,
      ['replay', '--fail2ban-defaults', '--verdicts', parts].concat([
        '--auth-log',
        join(dir, 'auth.log.2.gz'),
        '--auth-log',
        join(dir, 'auth.log.1'),
        '--auth-log',
        '-',
      ]),
      { stdin: 'pipe', input: current },
    );
    expect([one.code, set.code]).toEqual([0, 0]);
    const verdicts = (path: string) => readFileSync(path, 'utf8').replace(/f2b-campaign\[\d+\]/g, '');
    expect(verdicts(whole)).toMatch(/ BAN /);
    expect(verdicts(parts)).toBe(verdicts(whole));
    const summary = (stderr: string) => JSON.parse(stderr) as { files: number; events: number };
    expect(summary(set.stderr).files).toBe(3);
    expect(summary(set.stderr).events).toBe(summary(one.stderr).events);
    const twice = await run(t.bundle, ['replay', '--fail2ban-defaults', '--auth-log', log, '--auth-log', log]);
    expect(twice.stderr).toContain('is given twice');
    expect(twice.code).toBe(64);
  });

  // The check above compared names only: the same file by another name was read twice, every attempt counted twice
  // (bans out of nothing), and standard input given to both --auth-log and --sockets was shared between two readers.
  it('refuses the same file under two names, and standard input for two inputs', async () => {
    const link = join(dir, 'link.log');
    symlinkSync(log, link);
    const dotted = `${dirname(log)}/./${basename(log)}`;
    for (const [other, stdin] of [
      [link, undefined],
      [dotted, undefined],
      ['-', log],
    ] as const) {
      const args = ['replay', '--fail2ban-defaults', '--verdicts', join(dir, 'twice.verdicts'), '--auth-log', log];
      const { code, stderr } = await run(t.bundle, [...args, '--auth-log', other], stdin ? { stdin } : {});
      expect(stderr).toContain(`--auth-log ${other} is ${log}, given twice`);
      expect(stderr).toContain('usage: f2b-campaign replay');
      expect(code).toBe(64);
    }
    const shared = await run(t.bundle, ['replay', '--fail2ban-defaults', '--auth-log', '-', '--sockets', '-'], {
      stdin: 'pipe',
      input: readFileSync(log),
    });
    expect(shared.stderr).toContain('--sockets - is --auth-log -, given twice');
    expect(shared.code).toBe(64);
  });

  it('shows at most 20 lines of a config error, and no control characters from the file', async () => {
    const binary = join(dir, 'binary.conf');
    const lines = Array.from({ length: 500 }, (_, i) => `[\u001b[31m\u0007 ${i}]`);
    writeFileSync(binary, `${lines.join('\n')}\n`);
    const { code, stderr } = await run(t.bundle, ['check', '--config', binary]);
    expect(code).toBe(1);
    const shown = stderr.trimEnd().split('\n');
    expect(shown).toHaveLength(20);
    expect(shown[19]).toMatch(/^\.\.\. and \d+ more lines$/);
    expect(stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(stderr).toContain('\\x1b');
  });

  it('summarises an empty file without a dangling "; )"', async () => {
    const { code, stderr } = await run(t.bundle, ['parse', empty]);
    expect(code).toBe(0);
    expect(stderr).toContain('(attempts 0)');
  });

  it('parse --json: one valid JSON object per line, attacker text escaped', async () => {
    const evil = join(dir, 'evil.log');
    const users = ['a"b\\c', '\u001b[31mred', 'nul\u0000x', 'sep\u2028x', 'bad\udfffutf'];
    writeFileSync(
      evil,
      users
        .map((u, i) => `Feb 16 08:00:0${i} host sshd[${i + 10}]: Invalid user ${u} from 192.0.2.${i + 1} port 22\n`)
        .join(''),
    );
    const { code, stdout } = await run(t.bundle, ['parse', '--json', evil]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(users.length);
    for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f]/);
    expect(lines.map((line) => JSON.parse(line).user)).toEqual(users.map((u) => u.replace('\udfff', '\ufffd')));
  });
});
