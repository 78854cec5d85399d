import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { serviceCore } from '../../src/cli/commands/run.js';
import type { LoadedConfig } from '../../src/config/load-config.js';
import type { AuthEvent } from '../../src/core/auth-event.js';
import { DEBIAN_DEFAULT_THRESHOLDS } from '../../src/core/fail2ban-thresholds.js';
import { createCore } from '../../src/correlate/create-core.js';
import { SshdParser } from '../../src/parse/sshd-parser.js';
import { CampaignService, type CampaignServiceOptions, type CoreFactory } from '../../src/service/campaign-service.js';
import { createLogger, type Logger } from '../../src/service/logger.js';
import { resolveSettings, type ServiceSettings } from '../../src/service/service-settings.js';
import type { ServiceState } from '../../src/service/state-store.js';
import { lineKey, verdictKey } from '../../src/service/verdict-dedupe.js';
import { waves } from '../../src/simulate/attack-shapes.js';
import { ScenarioBuilder } from '../../src/simulate/scenario-builder.js';
import { sessionLines } from '../../src/simulate/sshd-lines.js';
import { type ParsedVerdictLine, parseVerdictLine } from '../../src/verdict/verdict-line.js';

/** A logger whose JSON lines the test can read back. */
export function memoryLogger(level = 'debug'): { log: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const log = createLogger(level, sink);
  return {
    log,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `f2b-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A temp dir on tmpfs where there is one (/dev/shm): the hold-race tests write bursts of tens of MB that must land
 * well within a hold of a few seconds.
 */
export function fastTempDir(prefix: string): { dir: string; cleanup: () => void } {
  if (!existsSync('/dev/shm')) return tempDir(prefix);
  const dir = mkdtempSync(`/dev/shm/f2b-${prefix}-`);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * `count` pre-auth closes from loopback stamped `time` (RFC 3339): lines that are never counted and change no
 * judgement, only keep a follower busy.
 */
export function loopbackBurst(time: number, count: number): string {
  const stamp = new Date(time).toISOString().replace('Z', '+00:00');
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push(
      `${stamp} host sshd[${100_000 + (i % 50_000)}]: Connection closed by 127.0.0.1 port ${1024 + (i % 60_000)} [preauth]\n`,
    );
  }
  return lines.join('');
}

/**
 * The verdicts, as the service's dedupe names them, of one uninterrupted pass of a fresh core over `lines`; the
 * parser starts afresh at line `restartAt`, as the service's does after a restart (none by default).
 */
export function onePassKeys(lines: readonly string[], restartAt = -1): string[] {
  const core = createCore({}, DEBIAN_DEFAULT_THRESHOLDS);
  let parser = new SshdParser({ referenceTime: Date.now() });
  const keys: string[] = [];
  lines.forEach((line, i) => {
    if (i === restartAt) parser = new SshdParser({ referenceTime: Date.now() });
    const event = parser.parseLine(line);
    if (event) for (const v of core.onAuthEvent(event)) keys.push(verdictKey(v));
  });
  return keys;
}

/**
 * Makes `disk` a real 256 kB tmpfs named `name`, for a full disk under the service's state or verdict log, mounted
 * 0755: a tmpfs is mounted 1777 unless told, a place `run` refuses (every user writes it). Returns the unmount.
 */
export function mountSmallDisk(disk: string, name: string): () => void {
  mkdirSync(disk);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0755', name, disk]);
  return () => execFileSync('umount', [disk]);
}

/** Takes every free block of the (small, tmpfs) file system of `dir`, with a file `filler` in it. */
export function fillDisk(dir: string): void {
  const fd = openSync(join(dir, 'filler'), 'a');
  try {
    for (;;) writeSync(fd, Buffer.alloc(4096));
  } catch {
    // ENOSPC: full.
  } finally {
    closeSync(fd);
  }
}

/** Gives the file system of `dir` its room back: removes what fillDisk wrote. */
export function freeDisk(dir: string): void {
  rmSync(join(dir, 'filler'));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true or `ms` pass. */
export async function waitFor(check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(25);
  }
}

function readLines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n');
  } catch {
    return []; // not written yet
  }
}

/** The verdict lines written to `path` so far, parsed. */
export function verdictLines(path: string): ParsedVerdictLine[] {
  return readLines(path)
    .map((line) => parseVerdictLine(line))
    .filter((v): v is ParsedVerdictLine => v !== null);
}

/** The identities (verb and first two fields, as the service's dedupe sees them) of the verdicts in `path`. */
export function verdictLineKeys(path: string): string[] {
  return readLines(path)
    .map((line) => lineKey(line))
    .filter((key): key is string => key !== null);
}

/** The service's real core, with every auth event it is fed also pushed onto `events` (what the service read). */
export function recordingCore(events: AuthEvent[]): CoreFactory {
  return (values, thresholds, snapshot) => {
    const core = createCore(values['detection'] ?? {}, thresholds, snapshot);
    return {
      ...core,
      onAuthEvent: (e: AuthEvent) => {
        events.push(e);
        return core.onAuthEvent(e);
      },
    };
  };
}

/**
 * The service in-process as `run` makes it (the real core, Debian's fail2ban thresholds), on `config`, logging to
 * `log`; `settings` default to the configuration's own.
 */
export function realService(
  config: LoadedConfig,
  log: Logger,
  settings: ServiceSettings = resolveSettings(config),
  more: Partial<CampaignServiceOptions> = {},
): CampaignService {
  return new CampaignService({
    config,
    settings,
    createCore: serviceCore,
    readThresholds: async () => DEBIAN_DEFAULT_THRESHOLDS,
    log,
    ...more,
  });
}

/** The bundled program's `run` in a child process (runService). */
export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Its exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** How it ended: the exit code, or the signal. */
  readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The file its output goes to: the service's JSON log (pino), and anything Node itself prints. */
  readonly out: string;
}

/**
 * `f2b-campaign run ARGS` from the test's bundle (bundleCli) in a child process, as the package starts it, with
 * its output in the file `out`. `detached`: in a process group of its own (for a test that kills the group).
 */
export function runService(
  bundle: string,
  args: readonly string[],
  out: string,
  options: { readonly env?: NodeJS.ProcessEnv; readonly detached?: boolean } = {},
): ServiceProcess {
  const fd = openSync(out, 'w');
  const child = spawn(process.execPath, [bundle, 'run', ...args], {
    stdio: ['ignore', fd, fd],
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.detached === undefined ? {} : { detached: options.detached }),
  });
  closeSync(fd);
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited: ended.then((e) => e.code), ended, out };
}

/**
 * SIGHUP to a running service, and what its log says of that reload once it says it: reloaded, or the failed
 * reload's error (the service then runs on with the configuration it had).
 */
export async function reloadOutcome(
  service: ServiceProcess,
): Promise<{ reloaded: true } | { reloaded: false; err: string }> {
  const outcomes = () =>
    serviceLog(service.out).filter((l) => l['event'] === 'config-reloaded' || l['event'] === 'config-reload-failed');
  const before = outcomes().length;
  service.child.kill('SIGHUP');
  await waitFor(() => outcomes().length > before, 20_000, "the reload's outcome");
  const outcome = outcomes()[before]!;
  return outcome['event'] === 'config-reloaded' ? { reloaded: true } : { reloaded: false, err: String(outcome['err']) };
}

/** SIGTERM, and the clean exit (0) systemd expects of a stop. */
export async function stopCleanly(service: ServiceProcess): Promise<void> {
  service.child.kill('SIGTERM');
  if ((await service.exited) !== 0) throw new Error(`the service did not stop cleanly: exit ${await service.exited}`);
}

/**
 * The `run` arguments of a test service whose files sit in `dir`: its configuration `f2b-campaign.conf`, its state
 * in `state/` (unless `stateDir` says where), /proc/net-style tables in `net/` (unless `socketsFrom` says where),
 * fail2ban's configuration in `fail2ban/` (an empty one: Debian's thresholds).
 */
export function serviceFiles(
  dir: string,
  authLog: string,
  verdicts: string,
  socketsFrom = join(dir, 'net'),
  stateDir = join(dir, 'state'),
): string[] {
  return [
    ...['--config', join(dir, 'f2b-campaign.conf'), '--auth-log', authLog, '--verdicts', verdicts],
    ...['--state-dir', stateDir, '--sockets-from', socketsFrom, '--fail2ban-dir', join(dir, 'fail2ban')],
  ];
}

/** A state with nothing in it, `extra`'s fields set: what a saver is handed in tests of saving itself. */
export function emptyState(extra: Partial<ServiceState> = {}): ServiceState {
  return { version: 1, savedAt: 1, files: [], journalCursor: null, core: null, verdicts: null, owed: [], ...extra };
}

/** The state a run saved in `stateDir`: the first line of its file (the core's rows, kept apart, follow it). */
export function savedState(stateDir: string): ServiceState {
  const text = readFileSync(join(stateDir, 'state.json'), 'utf8');
  return JSON.parse(text.slice(0, text.indexOf('\n'))) as ServiceState;
}

/**
 * Lays out `dir` as serviceFiles expects it: `f2b-campaign.conf` holding `config`'s lines (`[service] start_at =
 * start` and `runtime_dir = dir/run` first, so the service reads its log from the start and keeps its runtime files
 * here), an empty `net/tcp` (no sockets), an empty `fail2ban/`.
 */
export function setUpServiceDir(dir: string, config: readonly string[]): void {
  mkdirSync(join(dir, 'net'), { recursive: true });
  mkdirSync(join(dir, 'fail2ban'), { recursive: true });
  writeFileSync(
    join(dir, 'net', 'tcp'),
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n',
  );
  const head = ['[service]', 'start_at = start', `runtime_dir = ${join(dir, 'run')}`];
  writeFileSync(join(dir, 'f2b-campaign.conf'), [...head, ...config, ''].join('\n'));
}

/** The JSON lines of a service's log written to `out` so far (lines that are not JSON objects are skipped). */
export function serviceLog(out: string): Record<string, unknown>[] {
  return readLines(out)
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Appends `lines` to the log at `path` as sshd would over time: 15 lines each 30 ms, up to line `until` per call.
 * `written` is how many are in the file; `close` ends the writer.
 */
export function pacedLog(path: string, lines: readonly string[]) {
  const fd = openSync(path, 'a');
  let next = 0;
  return {
    get written(): number {
      return next;
    },
    async write(until: number): Promise<void> {
      while (next < until) {
        const batch = lines.slice(next, Math.min(until, next + 15));
        writeSync(fd, `${batch.join('\n')}\n`);
        next += batch.length;
        await sleep(30);
      }
    },
    close: () => closeSync(fd),
  };
}

/**
 * A `waves` campaign's sshd lines, in time order, log time starting 10 minutes ahead of the wall clock (so the
 * service's advance(now) never ends it); `seed` picks the campaign.
 */
export function campaignLines(seed: number): string[] {
  const b = new ScenarioBuilder(seed);
  waves(b, Date.now() + 10 * 60_000);
  return b
    .sessions()
    .flatMap((s) => sessionLines(s))
    .sort((x, y) => x.time - y.time)
    .map((l) => l.text);
}
