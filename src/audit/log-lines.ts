import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { F2bCampaignError } from '../core/errors.js';
import type { RotatedFile } from './rotated-files.js';

/** Called as bytes of the files are consumed (compressed bytes for .gz), for a progress display. */
export type ProgressCallback = (fileIndex: number, bytesInFile: number) => void;

/** How the line just read ended: `ended` is false for a file's last line when the file ends mid-line. */
export interface LineEnd {
  ended: boolean;
}

/**
 * Streams every line of a rotated set, oldest file first, decompressing .gz on the fly; memory stays at one chunk
 * whatever the files weigh. Invalid UTF-8 becomes U+FFFD (log lines can carry attacker bytes). `end`, when given, says
 * of each line as it is yielded whether a newline ended it (a field set, not an object a line: the logs are millions
 * of lines).
 */
export async function* readRotatedLines(
  files: readonly RotatedFile[],
  onProgress?: ProgressCallback,
  end?: LineEnd,
): AsyncGenerator<string> {
  for (let index = 0; index < files.length; index++) {
    const file = files[index]!;
    const raw = createReadStream(file.path, { highWaterMark: 1 << 20 });
    let consumed = 0;
    if (onProgress) {
      raw.on('data', (chunk) => {
        consumed += chunk.length;
        onProgress(index, consumed);
      });
    }
    const stream = file.gzip ? raw.pipe(createGunzip()) : raw;
    if (file.gzip) raw.on('error', (error) => stream.destroy(error));
    const decoder = new StringDecoder('utf8');
    let carry = '';
    if (end) end.ended = true;
    try {
      for await (const chunk of stream) {
        const text = carry + decoder.write(chunk as Buffer);
        let from = 0;
        for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
          yield text.slice(from, nl);
          from = nl + 1;
        }
        carry = text.slice(from);
      }
    } catch (error) {
      // A rotation gzip left truncated (disk full, logrotate still compressing) or a file we may not read: say which,
      // as the audit's own error, instead of a bare zlib or fs stack trace.
      const why = error instanceof Error ? error.message : String(error);
      throw new F2bCampaignError('audit-read', `reading ${file.path}: ${why}`, { cause: error });
    } finally {
      // A reader that stops early (leading-copies.ts reads a file's head) ends the gunzip stream only: the file's own
      // stream, piped into it, kept its descriptor open, one per .gz file read so.
      raw.destroy();
    }
    const tail = carry + decoder.end();
    if (end) end.ended = false;
    if (tail.length > 0) yield tail;
  }
}
