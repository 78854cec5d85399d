import type { MessagePort } from 'node:worker_threads';
import { readLineBatches } from '../parse/line-reader.js';
import { SshdParser } from '../parse/sshd-parser.js';
import { BatchWriter, type EventBatch, transferables } from './event-batch.js';

/** One log of a job: its path, and its modification time (now, for a pipe). */
interface LogFile {
  readonly path: string;
  readonly mtime: number;
}

/** sshd logs to parse, oldest first (a rotated set: `auth.log.2.gz`, `auth.log.1`, `auth.log`), as one log. */
export interface LogSet {
  readonly files: readonly LogFile[];
  /** `sshd -E` output: lines without a header get their file's mtime. */
  readonly headerless: boolean;
}

/** What the parser thread is asked to do: parse a log set, and post its events on `port`. */
export interface ParseJob extends LogSet {
  readonly role: 'f2b-campaign-parse';
  /** The parser's end of the channel to the detector's thread. */
  readonly port: MessagePort;
}

export function isParseJob(value: unknown): value is ParseJob {
  return typeof value === 'object' && value !== null && (value as ParseJob).role === 'f2b-campaign-parse';
}

/**
 * The parser a job asks for and the job's lines, file after file. One parser reads them all: year inference
 * follows the log across files from the first file's mtime (a rotation written before New Year is read in the
 * year it was written), and a connection whose lines straddle a rotation is paired as one.
 */
export function jobParser(job: LogSet): { parser: SshdParser; lines: AsyncGenerator<string[]> } {
  let current = job.files[0]?.mtime ?? Date.now();
  const fallback = job.headerless ? { fallbackTime: () => current } : {};
  const parser = new SshdParser({ referenceTime: current, ...fallback });
  async function* lines(): AsyncGenerator<string[]> {
    for (const file of job.files) {
      current = file.mtime;
      yield* readLineBatches(file.path);
    }
  }
  return { parser, lines: lines() };
}

/**
 * A chunk's lines parsed into a batch for the detector's thread, or null when none made an event. Each event goes
 * into the batch's columns as it is parsed (BatchWriter says why).
 */
export function parseChunk(parser: SshdParser, lines: readonly string[]): EventBatch | null {
  const writer = new BatchWriter(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const event = parser.parseLine(lines[i]!);
    if (event !== null) writer.add(event);
  }
  return writer.length === 0 ? null : writer.finish();
}

/** Messages the parser thread sends: batches of events, then the parse statistics, or why it could not go on. */
export type ParseMessage = { readonly batch: EventBatch } | { readonly done: object } | { readonly failed: string };

/**
 * Batches parsed ahead of the detector at most: without this bound a parser faster than detection would queue the
 * whole file in memory.
 */
export const IN_FLIGHT = 8;

/**
 * The parser thread's loop: reads and parses the file, posts event batches on the job's port, and waits for the
 * detector to take one (a credit on the port) whenever IN_FLIGHT are unread. Its last message is the statistics, or
 * the error that stopped it; then it closes the port, and stops early if the detector's thread closed it first.
 */
export async function runParseJob(job: ParseJob): Promise<void> {
  const { port } = job;
  const { parser, lines } = jobParser(job);
  let credits = IN_FLIGHT;
  let closed = false;
  let wake: (() => void) | undefined;
  port.on('message', () => {
    credits++;
    wake?.();
  });
  port.on('close', () => {
    closed = true;
    wake?.();
  });
  try {
    for await (const chunk of lines) {
      const batch = parseChunk(parser, chunk);
      if (batch === null) continue;
      while (credits === 0 && !closed) await new Promise<void>((resolve) => (wake = resolve));
      if (closed) return;
      credits--;
      port.postMessage({ batch } satisfies ParseMessage, transferables(batch));
    }
    port.postMessage({ done: parser.stats.toJSON() } satisfies ParseMessage);
  } catch (error) {
    port.postMessage({ failed: error instanceof Error ? error.message : String(error) } satisfies ParseMessage);
  } finally {
    port.close();
  }
}
