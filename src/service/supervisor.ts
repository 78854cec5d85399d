import type { Source, SourceErrorHandler, SourceHealth } from '../sources/source.js';
import { LOG_EVENTS } from './log-events.js';
import type { Logger } from './logger.js';

export interface SupervisorOptions<S extends Source> {
  /** Makes a fresh source; called at start and after each failure (it resumes from the position it is given). */
  readonly create: (onError: SourceErrorHandler) => S;
  readonly log: Logger;
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
}

/**
 * Keeps one source running: when it reports an error, waits and starts a new one, doubling the wait after each
 * failure up to a ceiling, and back to the minimum once a source has run for a minute. A source failing at the
 * ceiling is logged as ERROR: no lines are read from it until an operator fixes the cause.
 */
export class Supervisor<S extends Source> {
  private readonly options: SupervisorOptions<S>;
  private source: S | null = null;
  private timer: NodeJS.Timeout | null = null;
  private delay: number;
  private startedAt = 0;
  private stopped = false;
  private failures = 0;
  private lastError: Error | null = null;

  constructor(options: SupervisorOptions<S>) {
    this.options = options;
    this.delay = options.minDelayMs ?? 1000;
  }

  get current(): S | null {
    return this.source;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.launch();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.source?.stop();
  }

  health(): SourceHealth & { readonly restarts: number } {
    const inner = this.source?.health();
    const base = inner ?? { name: 'source', state: 'failed' as const, delivered: 0 };
    if (this.timer && this.lastError) {
      return { ...base, state: 'failed', detail: `${this.lastError.message} (retrying)`, restarts: this.failures };
    }
    return { ...base, restarts: this.failures };
  }

  private async launch(): Promise<void> {
    const source = this.options.create((error) => this.failed(source, error));
    this.source = source;
    this.startedAt = Date.now();
    try {
      await source.start();
    } catch (error) {
      this.failed(source, error as Error);
    }
  }

  private failed(source: S, error: Error): void {
    if (this.stopped || source !== this.source || this.timer) return;
    const max = this.options.maxDelayMs ?? 60_000;
    if (Date.now() - this.startedAt > 60_000) this.delay = this.options.minDelayMs ?? 1000;
    this.failures++;
    this.lastError = error;
    const detail = { event: LOG_EVENTS.sourceFailed, source: source.name, err: error.message, retryInMs: this.delay };
    if (this.delay >= max) this.options.log.error({ ...detail, event: LOG_EVENTS.sourceGivingUp });
    else this.options.log.warn(detail);
    void source.stop().catch(() => undefined);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.stopped) return;
      this.options.log.info({ event: LOG_EVENTS.sourceRestarted, source: source.name });
      void this.launch();
    }, this.delay);
    this.delay = Math.min(this.delay * 2, max);
  }
}
