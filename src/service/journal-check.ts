import { LOG_EVENTS } from './log-events.js';
import type { Logger } from './logger.js';

/** What the check needs of the journal follower (JournalSource). */
export interface JournalFollower {
  hasRead(cursor: string): boolean;
  quiet(now: number, quietMs: number): boolean;
}

export interface JournalCheckOptions {
  /** The cursor of the newest entry the follower reads, from journalctl run once (null: none); rejects on failure. */
  readonly askNewest: (signal: AbortSignal) => Promise<string | null>;
  /** The follower now (the supervisor replaces it after a failure); null while none runs. */
  readonly follower: () => JournalFollower | null;
  readonly log: Logger;
  /** How long after a failed check the next may start. */
  readonly retryMs?: number;
  /** How long the follower may send nothing, short of the entry it was asked for, before the check counts as failed. */
  readonly stuckMs?: number;
  /** The wall clock (tests pass their own). */
  readonly clock?: () => number;
}

/** How long the clock is held before `status` says so. */
const HELD_SHOWN_MS = 3_000;

type State =
  | { readonly kind: 'idle' }
  | { readonly kind: 'asking'; readonly target: number; readonly abort: AbortController }
  | { readonly kind: 'waiting'; readonly target: number; readonly cursor: string; readonly since: number }
  | { readonly kind: 'resting'; readonly until: number };

/**
 * Lets the core's clock pass a deadline (CorrelationCore.nextDeadline: a held ban's end, a campaign's end) only once
 * every sshd entry journald held by then is known to be read. `journalctl --follow` may hold entries it has not sent
 * yet, however long it has been quiet (found in review: a login behind 200,000 entries was read after its hold had
 * ended, and the colleague it should have spared was banned). So journalctl is asked once, without --follow, for
 * the newest of the entries the follower reads; once the follower has read that one, every entry in the journal
 * when it was asked has been read, and the clock may go as far as it would have gone then.
 *
 * A check that fails (journalctl errors or times out, or the follower stops short of the entry) is logged, and the
 * clock waits at the deadline until a later check succeeds: it never guesses. The lines' own times still move the
 * core meanwhile, in the order journald received them, so a held ban then ends on the next line stamped after it.
 */
export class JournalCheck {
  private readonly options: JournalCheckOptions;
  private state: State = { kind: 'idle' };
  /** The clock target of the last check that succeeded: every line written before it has been read. */
  private proven = Number.NEGATIVE_INFINITY;
  private stopped = false;
  /** The deadline the clock is held before, and since when (wall clock); undefined while it is not held. */
  private held: { readonly deadline: number; readonly since: number } | undefined;
  private lastFailure: string | undefined;

  constructor(options: JournalCheckOptions) {
    this.options = options;
  }

  /**
   * How far the core's clock may go at `now`, where the wall clock would take it to `target` and the core's next
   * deadline is `deadline`: to `target` when that crosses no deadline, or only one already proven; else up to just
   * before the deadline, with a check started if none runs. Never waits for the check.
   */
  limit(target: number, deadline: number | undefined, now: number): number {
    if (deadline === undefined || deadline > target) return this.unheld(target);
    if (deadline > this.proven) this.poll(target, now);
    // Beyond what is proven another deadline may follow: the next tick asks the core again.
    if (deadline <= this.proven) return this.unheld(Math.min(target, this.proven));
    if (this.held?.deadline !== deadline) this.held = { deadline, since: now };
    return deadline - 1;
  }

  /** `to`, where the clock goes with no deadline holding it. */
  private unheld(to: number): number {
    this.held = undefined;
    return to;
  }

  /**
   * Why the clock is held, for `status`, once it has been for HELD_SHOWN_MS (a check that succeeds takes a fraction
   * of a second): held bans and campaigns wait meanwhile, and only the WARN said why until then.
   */
  note(now: number): string | undefined {
    const held = this.held;
    if (held === undefined || now - held.since < HELD_SHOWN_MS) return undefined;
    const state = this.state;
    const why =
      state.kind === 'asking' || state.kind === 'idle'
        ? 'asking journalctl for the newest sshd entry'
        : state.kind === 'waiting'
          ? 'waiting for journalctl --follow to send the newest sshd entry'
          : `the last check failed (${this.lastFailure ?? 'no reason given'}); retried every ${(this.options.retryMs ?? 30_000) / 1000} s`;
    const seconds = Math.round((now - held.since) / 1000);
    return `clock held before ${new Date(held.deadline).toISOString()} for ${seconds} s: ${why}`;
  }

  /** Ends a check under way (the service stops). */
  stop(): void {
    this.stopped = true;
    if (this.state.kind === 'asking') this.state.abort.abort();
    this.state = { kind: 'idle' };
  }

  private poll(target: number, now: number): void {
    const state = this.state;
    if (state.kind === 'resting' && now >= state.until) this.state = { kind: 'idle' };
    if (this.state.kind === 'idle') this.ask(target);
    else if (state.kind === 'waiting') this.see(state, now);
  }

  private ask(target: number): void {
    const abort = new AbortController();
    const asking = { kind: 'asking', target, abort } as const;
    this.state = asking;
    const clock = this.options.clock ?? Date.now;
    this.options.askNewest(abort.signal).then(
      (cursor) => {
        if (this.state !== asking) return;
        if (cursor === null) this.proved(target);
        else this.see({ kind: 'waiting', target, cursor, since: clock() }, clock());
      },
      (error: unknown) => {
        if (this.state === asking) this.failed((error as Error).message, clock());
      },
    );
  }

  /** Whether the follower has read the entry the check waits for. */
  private see(waiting: Extract<State, { kind: 'waiting' }>, now: number): void {
    const follower = this.options.follower();
    if (follower?.hasRead(waiting.cursor)) {
      this.proved(waiting.target);
      return;
    }
    this.state = waiting;
    const stuckMs = this.options.stuckMs ?? 30_000;
    if (now - waiting.since >= stuckMs && (!follower || follower.quiet(now, stuckMs))) {
      this.failed(`journalctl --follow has sent nothing for ${stuckMs} ms short of entry ${waiting.cursor}`, now);
    }
  }

  private proved(target: number): void {
    this.proven = Math.max(this.proven, target);
    this.state = { kind: 'idle' };
  }

  private failed(reason: string, now: number): void {
    if (this.stopped) return;
    this.lastFailure = reason;
    const retryInMs = this.options.retryMs ?? 30_000;
    this.state = { kind: 'resting', until: now + retryInMs };
    // The clock waits meanwhile: held bans and campaigns end on the next line stamped after them instead.
    this.options.log.warn({ event: LOG_EVENTS.journalCheckFailed, err: reason, retryInMs });
  }
}
