import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** Characters kept of an unterminated line: more than any reader accepts (sshd-parser skips lines over 16 kB). */
export const MAX_KEPT = 1 << 16;

/**
 * Streams a file as batches of lines (one batch per 64 KiB chunk) without ever holding more than one chunk: replay
 * must run over logs of any size in bounded memory, and one await per batch instead of per line keeps it fast.
 * 64 KiB rather than 1 MiB: as fast on the 1M-line bench, and its peak RSS 163 -> 133 MB (fewer big strings
 * waiting for the old-generation collector). Invalid UTF-8 (attackers send it) decodes to U+FFFD instead of failing.
 */
export async function* readLineBatches(path: string, start = 0): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  for await (const chunk of createReadStream(path, { start, highWaterMark: 1 << 16 })) {
    const text = carry + decoder.write(chunk as Buffer);
    const lines = text.split('\n');
    carry = lines.pop() ?? '';
    // A line with no end in sight (a corrupt file, a binary) would otherwise grow until V8's string limit: keep
    // only its head, still longer than any line a reader accepts, so it is counted as one over-long line.
    if (carry.length > MAX_KEPT) carry = carry.slice(0, MAX_KEPT);
    if (lines.length > 0) yield lines;
  }
  const tail = carry + decoder.end();
  if (tail.length > 0) yield [tail];
}

/** Line by line, for callers that do little per line. */
export async function* readLines(path: string, start = 0): AsyncGenerator<string> {
  for await (const batch of readLineBatches(path, start)) yield* batch;
}
