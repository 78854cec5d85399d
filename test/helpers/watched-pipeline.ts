import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catchesSignal, describeProcessTree, processTree } from './process-tree.js';

export interface WatchedRun {
  /** The exit status (the shell's, for a pipeline); null when it was killed. */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when it outlived its time: what each of its processes was doing then, and its output so far. */
  readonly stuck?: string;
}

/**
 * Runs `bash -c script` with `args` ($0, $1, ...), as spawnSync would, but watched (spawnWatched): a pipeline still
 * running after `timeout` ms is described, then killed. A hang that shows once in many CI runs then explains itself
 * in the failure message.
 */
export function runWatched(script: string, args: readonly string[], timeout: number): Promise<WatchedRun> {
  const { child, finished } = spawnWatched('bash', ['-c', script, ...args], 'pipe', timeout);
  child.stdin?.end(); // as spawnSync gives it: a pipe with nothing in it
  return finished;
}

/**
 * Starts `command` with `args`, its standard output and error read whole (as UTF-8 text), and watches it: still
 * running after `timeout` ms, it and every process under it are described (describeProcessTree, and each node
 * program's diagnostic report: the handles that keep its event loop and its worker threads alive, and what the
 * workers run), with its output so far, then killed. `stdin` as spawn takes it; the caller feeds `child.stdin`.
 * `finished` resolves when the process has closed its output and ended, with `stuck` set if it was killed so.
 */
export function spawnWatched(
  command: string,
  args: readonly string[],
  stdin: 'pipe' | 'ignore' | number,
  timeout: number,
): { child: ChildProcess; finished: Promise<WatchedRun> } {
  const reports = mkdtempSync(join(tmpdir(), 'f2b-watched-'));
  // A node program watched writes a report on SIGUSR2: a JavaScript listener, which keeps nothing alive.
  const nodeOptions = `${process.env.NODE_OPTIONS ?? ''} --report-on-signal --report-directory=${reports}`.trim();
  const child = spawn(command, args, {
    stdio: [stdin, 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  /** Set when the watch fires: the description, written before anything is killed. */
  let explained: Promise<string> | undefined;
  const explain = async () => {
    const tree = processTree(child.pid!);
    const state = describeProcessTree(child.pid!);
    // Only a program that catches it already: to one still starting, SIGUSR2 is deadly (its default action).
    const nodes = tree.filter((p) => p.command.startsWith(process.execPath) && catchesSignal(p.pid, 'SIGUSR2'));
    for (const { pid } of nodes) signal(pid, 'SIGUSR2');
    await reportsOf(reports, nodes.length, 5_000);
    const stuck = [
      `still running after ${timeout} ms:`,
      state,
      ...readdirSync(reports).map((name) => `${name}:\n${reportSummary(join(reports, name))}`),
      `stdout so far: ${stdout.length} characters, ending ${JSON.stringify(stdout.slice(-200))}`,
      `stderr so far: ${JSON.stringify(stderr)}`,
    ].join('\n');
    for (const { pid } of tree.reverse()) signal(pid, 'SIGKILL');
    return stuck;
  };
  const timer = setTimeout(() => {
    explained = explain();
  }, timeout);
  const finished = new Promise<WatchedRun>((resolve) => {
    child.on('close', async (status) => {
      clearTimeout(timer);
      // A program that ends while it is being described (it was only slow) still outlived its time: it says so.
      const stuck = await explained;
      rmSync(reports, { recursive: true, force: true });
      resolve({ status, stdout, stderr, ...(stuck === undefined ? {} : { stuck }) });
    });
  });
  return { child, finished };
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // ended meanwhile
  }
}

/** Waits until `count` reports are written whole in `dir`, at most `ms`: a program stuck in a loop writes none. */
async function reportsOf(dir: string, count: number, ms: number): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (readdirSync(dir).filter((name) => readReport(join(dir, name)) !== undefined).length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function readReport(file: string): Report | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Report;
  } catch {
    return undefined; // not yet written whole
  }
}

interface Report {
  javascriptStack?: { message?: string; stack?: string[] };
  libuv?: { type?: string; is_active?: boolean; is_referenced?: boolean }[];
  workers?: Report[];
}

/**
 * What keeps a node program alive, from its diagnostic report: its live handles that keep its event loop running,
 * and each worker thread's, with what the worker was running (the main thread's own stack is only the report's).
 */
function reportSummary(file: string): string {
  const report = readReport(file);
  if (report === undefined) return '  not written whole';
  const handles = (r: Report) =>
    (r.libuv ?? [])
      .filter((h) => h.is_active && h.is_referenced)
      .map((h) => h.type)
      .join(', ') || 'none';
  return [
    `  main thread's referenced handles: ${handles(report)}; worker threads: ${report.workers?.length ?? 0}`,
    ...(report.workers ?? []).map(
      (worker, i) =>
        `  worker ${i}: handles ${handles(worker)}; running ${(worker.javascriptStack?.stack ?? []).slice(0, 8).join(' ') || 'nothing'}`,
    ),
  ].join('\n');
}
