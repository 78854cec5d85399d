import { LOG_EVENTS } from './log-events.js';
import type { Logger } from './logger.js';

/**
 * When the next periodic state save may run: state_interval after the last, and later still when the bytes it
 * wrote do not fit state_write_rate. Every save is whole (a crash must find one consistent state), so after a flood
 * of 100,000 addresses each was ~28 MB: every 10 s, ~190 GB a day and ~5% of a core for as long as those sources
 * stayed tracked. Nothing is lost by waiting: a crash re-reads the lines since the last save and drops the verdicts
 * it makes again that were already written; only the socket samples taken since cannot be had again.
 */
export class SavePace {
  /** No periodic save before this time (ms since the epoch). */
  private nextAt = 0;
  /** Whether saves are spaced beyond state_interval now; said in the log when it changes. */
  private spaced = false;

  constructor(
    private readonly interval: number,
    /** state_write_rate: bytes per second. */
    private readonly rate: number,
    private readonly log: Logger,
  ) {}

  /** Whether a periodic save may run at `now` (the timer fires every state_interval). */
  due(now: number): boolean {
    return now >= this.nextAt;
  }

  /** A save of `bytes` ended at `now`. */
  saved(bytes: number, now: number): void {
    const wait = Math.ceil((bytes / this.rate) * 1000);
    this.nextAt = now + wait;
    const spaced = wait > this.interval;
    if (spaced === this.spaced) return;
    this.spaced = spaced;
    const everySeconds = Math.max(wait, this.interval) / 1000;
    this.log.info({ event: LOG_EVENTS.stateSavesSpaced, spaced, bytes, everySeconds });
  }
}
