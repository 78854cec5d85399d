import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/**
 * The long-running programs of one e2e run (sshd, rsyslogd, fail2ban-server, f2b-campaign). Each is started with
 * its output captured to a file, and all are stopped in reverse order at teardown, by their own pid, even when
 * the test failed half-way.
 */
export interface Started {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or the signal name) once the program has exited. */
  readonly exited: Promise<number | string>;
  readonly outputFile: string;
}

export class ProcessSet {
  private readonly started: Started[] = [];

  /** Starts `argv` with stdout and stderr appended to `outputFile`. */
  start(name: string, argv: readonly string[], outputFile: string, env?: NodeJS.ProcessEnv): Started {
    const [cmd, ...args] = argv;
    const out = createWriteStream(outputFile, { flags: 'a' });
    const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    const exited = new Promise<number | string>((resolve) => {
      child.once('error', (error) => resolve(`spawn error: ${error.message}`));
      child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    });
    const entry = { name, child, exited, outputFile };
    this.started.push(entry);
    return entry;
  }

  /** Stops one program: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
  async stop(entry: Started, graceMs = 5_000): Promise<void> {
    if (entry.child.exitCode !== null || entry.child.signalCode !== null) return;
    entry.child.kill('SIGTERM');
    const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), graceMs).unref());
    if ((await Promise.race([entry.exited, timer])) === 'late') {
      entry.child.kill('SIGKILL');
      await entry.exited;
    }
  }

  /** Last resort from a synchronous exit hook: SIGKILL whatever is still running. */
  killAllNow(): void {
    for (const entry of this.started) {
      if (entry.child.exitCode === null && entry.child.signalCode === null) entry.child.kill('SIGKILL');
    }
  }

  /** Stops everything still running, newest first. */
  async stopAll(): Promise<void> {
    for (const entry of [...this.started].reverse()) await this.stop(entry);
  }
}
