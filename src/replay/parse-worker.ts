import type { MessagePort } from 'node:worker_threads';
import { readLineBatches } from '../parse/line-reader.js';
import { SshdParser } from '../parse/sshd-parser.js';
import { encodeBatch, transferables } from './event-batch.js';
import { parseBatches } from './parse-batches.js';

/** What the parser thread is asked to do: parse one sshd log file, as `replay` would in its own thread. */
export interface ParseJob {
  readonly role: 'f2b-campaign-parse';
  readonly path: string;
  /** Anchors year inference (the file's mtime). */
  readonly referenceTime: number;
  /** `sshd -E` output: lines without a header get referenceTime. */
  readonly headerless: boolean;
}

export function isParseJob(value: unknown): value is ParseJob {
  return typeof value === 'object' && value !== null && (value as ParseJob).role === 'f2b-campaign-parse';
}

/** The parser a job asks for; `serialised`: its events are encoded for another thread at once. */
export function jobParser(job: Omit<ParseJob, 'role'>, serialised = false): SshdParser {
  const fallback = job.headerless ? { fallbackTime: () => job.referenceTime } : {};
  return new SshdParser({ referenceTime: job.referenceTime, ...fallback, copyAddresses: !serialised });
}

/** Messages the parser thread sends: a batch of events, then the parse statistics once the file is done. */
export type ParseMessage = { readonly batch: ReturnType<typeof encodeBatch> } | { readonly done: object };

/**
 * Batches parsed ahead of the detector at most: without this bound a parser faster than detection would queue the
 * whole file in memory.
 */
export const IN_FLIGHT = 8;

/**
 * The parser thread's loop: reads and parses the file, posts event batches, and waits for the detector to take
 * one (a message on `port`) whenever IN_FLIGHT are unread.
 */
export async function runParseJob(job: ParseJob, port: MessagePort): Promise<void> {
  const parser = jobParser(job, true);
  let credits = IN_FLIGHT;
  let wake: (() => void) | undefined;
  const onCredit = (): void => {
    credits++;
    wake?.();
  };
  port.on('message', onCredit);
  try {
    for await (const events of parseBatches(readLineBatches(job.path), parser)) {
      while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
      credits--;
      const batch = encodeBatch(events);
      port.postMessage({ batch } satisfies ParseMessage, transferables(batch));
    }
    port.postMessage({ done: parser.stats.toJSON() } satisfies ParseMessage);
  } finally {
    port.off('message', onCredit);
  }
}
