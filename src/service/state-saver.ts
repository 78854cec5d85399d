import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { CorrelationCore } from '../core/correlation-core.js';
import { LOG_EVENTS } from './log-events.js';
import type { Logger } from './logger.js';
import { SavePace } from './save-pace.js';
import { saveRoom } from './save-room.js';
import { type CoreText, type ServiceState, STATE_FILE, saveState, stateSize } from './state-store.js';

/**
 * The service's state saves: whole and atomic (state-store.ts), skipped while nothing changed (an idle service
 * does not rewrite and fsync the same state), spaced by SavePace, and a failure said, then its recovery once.
 * A save never takes the last free space of its file system (save-room.ts): one that would not fit is not
 * attempted, and one that grew past the room since the last (or that other writers left too little room) is stopped
 * before it takes it.
 */
export class StateSaver {
  /** Pipeline activity at the last save. */
  private savedActivity = -1;
  /** Saves failed in a row (a full disk): said again once one succeeds. */
  private failedSaves = 0;
  /** Bytes of the last state written, by this process or (at start) by the last run: what the next will need. */
  private lastBytes: number | null = null;
  private readonly pace: SavePace;

  constructor(
    private readonly stateDir: string,
    interval: number,
    writeRate: number,
    private readonly log: Logger,
  ) {
    this.pace = new SavePace(interval, writeRate, log);
  }

  /** Whether a periodic save is worth running now: something changed, and the pace allows it. */
  due(activity: number, now: number): boolean {
    return activity !== this.savedActivity && this.pace.due(now);
  }

  /** Saves `state` with `core`'s snapshot; `activity`: the pipeline's, which the next due() compares with. */
  save(state: ServiceState, core: CorrelationCore, activity: number): void {
    const room = saveRoom(this.stateDir);
    // Writing until ENOSPC, then deleting, would take the last blocks for an instant. Where the last state's size
    // does not fit, this one's is counted (it may have shrunk since): a state that does not fit is not written.
    if (room && (this.lastBytes ?? this.lastRunBytes()) + room.keep > room.free) {
      this.lastBytes = stateSize(state, coreText(core));
      if (this.lastBytes + room.keep > room.free) {
        this.failed({ reason: 'no-room', free: room.free, needed: this.lastBytes, keepFree: room.keep });
        return;
      }
    }
    try {
      // The core's snapshot, in pieces (a flood's 100,000 sources are ~80 MB as objects), taken now with the rest;
      // its rows apart, when it has them, for a restart to read one at a time.
      const bytes = saveState(this.stateDir, state, coreText(core), (more) => this.fits(more));
      this.lastBytes = bytes;
      this.savedActivity = activity;
      this.pace.saved(bytes, Date.now());
      if (this.failedSaves > 0) {
        this.log.info({ event: LOG_EVENTS.stateSaveRecovered, failedSaves: this.failedSaves });
        this.failedSaves = 0;
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Grown past the room since the last save, or others took it meanwhile: the next attempt counts it first.
      if (code === 'NO_ROOM' && room) this.lastBytes = room.free - room.keep + 1;
      const reason = code === 'NO_ROOM' ? 'no-room' : 'write-failed';
      this.failed({ reason, err: (error as Error).message, ...(room ? { free: room.free, keepFree: room.keep } : {}) });
    }
  }

  /** Whether `bytes` more leave the state's file system the room others need; asked as the state is written. */
  private fits(bytes: number): boolean {
    const room = saveRoom(this.stateDir);
    return room === null || bytes + room.keep <= room.free;
  }

  /** Not fatal: the previous state still stands, a restart re-reads (and dedupes) a little more. */
  private failed(details: Record<string, unknown>): void {
    this.failedSaves++;
    this.log.error({ event: LOG_EVENTS.stateSaveFailed, ...details });
  }

  /** The size of the state file the last run left, 0 if none: before this process saves, the best guess there is. */
  private lastRunBytes(): number {
    try {
      return statSync(join(this.stateDir, STATE_FILE)).size;
    } catch {
      return 0;
    }
  }
}

/** What the state file holds of the core: its snapshot in pieces, with its rows apart when it has them. */
export function coreText(core: CorrelationCore): CoreText {
  if (core.snapshotJson && core.snapshotRows) return { json: core.snapshotJson(true), rows: core.snapshotRows() };
  return { json: core.snapshotJson?.() ?? [JSON.stringify(core.snapshot())] };
}

/** `core` as a restart reads it back from the state file: the snapshot parsed, then its rows one at a time. */
export function coreAsRestored(core: CorrelationCore): { snapshot: unknown; rows?: Iterable<unknown> } {
  const text = coreText(core);
  const snapshot: unknown = JSON.parse([...text.json].join(''));
  return text.rows ? { snapshot, rows: parsedLines(text.rows) } : { snapshot };
}

function* parsedLines(lines: Iterable<string>): Generator<unknown> {
  for (const line of lines) yield JSON.parse(line);
}
