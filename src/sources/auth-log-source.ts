import { basename, dirname } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import type { FilePosition } from './file-position.js';
import { RotatingFile } from './rotating-file.js';
import type { Source, SourceErrorHandler, SourceHealth } from './source.js';

export interface AuthLogSourceOptions {
  readonly path: string;
  /** Called synchronously for each line; the position moves past the line when it returns. */
  readonly onLine: (line: string, path: string) => void;
  readonly onError: SourceErrorHandler;
  readonly position?: FilePosition | null;
  readonly startAt?: 'start' | 'end';
  /** Periodic look at inode and size, the safety net under change notifications (ms). */
  readonly checkInterval?: number;
  readonly graceMs?: number;
  readonly onNotice?: (event: string, detail: Record<string, unknown>) => void;
}

/**
 * Follows an sshd log file (auth.log, or the file of `sshd -E`). Change notifications from chokidar on the file's
 * directory wake it at once (also when the file appears); a stat of inode and size every `checkInterval` catches
 * whatever a notification missed. The reading itself is RotatingFile (docs/service.md says why not tail-file).
 */
export class AuthLogSource implements Source {
  readonly name: string;
  private readonly options: AuthLogSourceOptions;
  private readonly file: RotatingFile;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private scheduled = false;
  private stopped = false;
  private failed: Error | null = null;
  private delivered = 0;
  private lastDeliveryAt: number | undefined;

  constructor(options: AuthLogSourceOptions) {
    this.options = options;
    this.name = `file:${options.path}`;
    this.file = new RotatingFile({
      path: options.path,
      startAt: options.startAt ?? 'end',
      position: options.position ?? null,
      ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
      ...(options.onNotice ? { onNotice: options.onNotice } : {}),
      onLine: (line) => {
        this.delivered++;
        this.lastDeliveryAt = Date.now();
        options.onLine(line, options.path);
      },
    });
  }

  async start(): Promise<void> {
    const dir = dirname(this.options.path);
    const base = basename(this.options.path);
    this.watcher = watch(dir, {
      depth: 0,
      ignoreInitial: true,
      ignored: (p: string) => p !== dir && !basename(p).startsWith(base),
    });
    // A watcher error (directory missing, inotify limit) only loses the fast path: the periodic look goes on.
    this.watcher.on('error', (error) => this.options.onNotice?.('watch-error', { error: String(error) }));
    this.watcher.on('all', () => this.schedule());
    this.timer = setInterval(() => this.schedule(), this.options.checkInterval ?? 1000);
    this.look();
  }

  /** The position to persist; consistent with the lines delivered so far (looks are synchronous). */
  position(): FilePosition {
    return this.file.position();
  }

  health(): SourceHealth {
    const base = { name: this.name, delivered: this.delivered };
    const last = this.lastDeliveryAt !== undefined ? { lastDeliveryAt: this.lastDeliveryAt } : {};
    if (this.failed) return { ...base, ...last, state: 'failed', detail: this.failed.message };
    if (this.stopped) return { ...base, ...last, state: 'stopped' };
    if (!this.file.following()) return { ...base, ...last, state: 'waiting', detail: 'file does not exist yet' };
    return { ...base, ...last, state: 'following' };
  }

  /** Reads everything there is now (tests and shutdown use it to settle). */
  drainNow(): void {
    while (this.readSome()) {
      // readSome() returned true: more to read right away.
    }
  }

  /**
   * Looks once now; true when it read to the end of what the file holds (or cannot read it: waiting, stopped,
   * failed), false when it stopped on its byte budget with more to read. The service asks before it lets the wall
   * clock end anything (campaign-service.ts): a line already written must be read first.
   */
  catchUp(): boolean {
    if (!this.readSome()) return true;
    this.schedule();
    return false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const watcher = this.watcher;
    this.watcher = null;
    this.file.close();
    await watcher?.close();
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.look();
    });
  }

  private look(): void {
    if (this.readSome()) this.schedule();
  }

  /** One look; true when it stopped on its byte budget. A failure stops the source and is reported (onError). */
  private readSome(): boolean {
    if (this.stopped || this.failed) return false;
    try {
      return this.file.poll();
    } catch (error) {
      this.failed = error as Error;
      void this.stop().finally(() => this.options.onError(error as Error));
      return false;
    }
  }
}
