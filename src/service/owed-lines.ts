import { lineText, stampedWhenWritten } from './queued-line.js';
import type { FileId } from './verdict-log-file.js';

/**
 * The verdict lines the file has not taken yet, oldest first, each with its newline: what the state file owes
 * across a restart. The first may be torn: a short write (a full disk) put its first part in a file, and only its
 * rest is still to go there; it is remembered whole, for the state file and for a file that never got the part.
 */
export class OwedLines {
  /** Lines not yet (fully) written, oldest first; the first may be a remainder after a short write. */
  private queue: Buffer[];
  /** The whole of the first line, and the file its first part went to, after a short write. */
  private torn: { readonly whole: Buffer; readonly file: FileId } | null = null;
  /** Copies queued since the last flush: each one the flush leaves queued is said held (heldCopies()). */
  private copiesQueued: Buffer[] = [];

  constructor(lines: readonly string[]) {
    this.queue = lines.map((line) => Buffer.from(`${line}\n`));
  }

  get length(): number {
    return this.queue.length;
  }

  /** The first line as queued (the rest of it, when torn). */
  get first(): Buffer | undefined {
    return this.queue[0];
  }

  /** The file the first line's part went to, when it is torn. */
  get tornIn(): FileId | null {
    return this.torn?.file ?? null;
  }

  push(line: string): void {
    this.queue.push(Buffer.from(`${line}\n`));
  }

  /**
   * Copies (`repeat=rotation`) before anything not yet written, but after the head if it is the rest of a torn line:
   * wholeAgain() puts the whole line back in its place.
   */
  queueCopies(lines: readonly Buffer[]): void {
    this.queue.splice(this.torn === null ? 0 : 1, 0, ...lines);
    this.copiesQueued.push(...lines);
  }

  /** The lines as text, a torn first line whole, as it was begun. */
  texts(): string[] {
    return this.queue.map((b, i) => lineText(i === 0 && this.torn ? this.torn.whole : b));
  }

  /** The first line's first `part` bytes are already in `file` (the last run's short write): its rest follows. */
  tear(part: number, file: FileId): void {
    this.torn = { whole: this.queue[0]!, file };
    this.queue[0] = this.queue[0]!.subarray(part);
  }

  /** A torn line's rest would begin a line fail2ban cannot read: the whole line is to be written again instead. */
  wholeAgain(): void {
    this.queue[0] = this.torn!.whole;
    this.torn = null;
  }

  /** The first line's bytes to write now: stamped when written (queued-line.ts), but the rest of a torn line. */
  next(now: number): Buffer {
    if (this.torn === null) this.queue[0] = stampedWhenWritten(this.queue[0]!, now);
    return this.queue[0]!;
  }

  /**
   * `written` bytes of next() went to `file`. All of them: the line is no longer owed, and is returned whole. Fewer
   * (a short write): the line is torn there, its rest stays first, and null is returned.
   */
  took(written: number, file: FileId): Buffer | null {
    const head = this.queue[0]!;
    if (written < head.length) {
      this.torn ??= { whole: head, file };
      this.queue[0] = head.subarray(written);
      return null;
    }
    this.queue.shift();
    const whole = this.torn?.whole ?? head;
    this.torn = null;
    return whole;
  }

  /** The copies queued since the last call that are still owed (the file could not take them), oldest first. */
  heldCopies(): Buffer[] {
    const held = this.copiesQueued.filter((b) => this.queue.includes(b) || this.torn?.whole === b);
    this.copiesQueued = [];
    return held;
  }

  /** Everything was written: no copy queued so far is held. */
  forgetCopies(): void {
    this.copiesQueued = [];
  }
}
