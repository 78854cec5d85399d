import { closeSync, createReadStream, fstatSync, open, read } from 'node:fs';
import { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { F2bCampaignError } from '../core/errors.js';

/**
 * Bytes kept of an unterminated line: more than any reader accepts (sshd-parser skips lines over 16 kB; 64 KiB of
 * UTF-8 is at least 21,845 UTF-16 units).
 */
export const MAX_KEPT = 1 << 16;

/** The name standard input goes by (`-` on the command line). */
export const STDIN = '/dev/stdin';

/**
 * The bytes of a log: a file read from `start`, or a pipe (`zcat ... |`, `<(journalctl ...)`) read as it comes;
 * gzip-compressed input (a rotated `auth.log.2.gz`) is recognised by its first two bytes and decompressed on the
 * fly. A pipe has no positions (a positioned read fails with ESPIPE), so position 0 is asked for by not asking.
 * A chunk is valid until the next one is asked for: a file is read into one buffer again and again (fileChunks).
 */
export async function* readLogChunks(path: string, start = 0): AsyncGenerator<Buffer> {
  let raw: Readable | AsyncGenerator<Buffer> | undefined;
  const gunzip = createGunzip({ chunkSize: 1 << 16 });
  try {
    raw =
      path === STDIN
        ? // Standard input is read from its descriptor: a socket (what a parent process's 'pipe' often is) cannot be
          // opened again by name (ENXIO), and the descriptor must stay open for whoever else holds it.
          Readable.from(readStdin(), { objectMode: false })
        : await openLog(path, start);
    const chunks = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const first = await chunks.next();
    if (first.done) return;
    const head = first.value;
    const all = async function* (): AsyncGenerator<Buffer> {
      yield head;
      for (let r = await chunks.next(); !r.done; r = await chunks.next()) yield r.value;
    };
    if (start > 0 || head.length < 2 || head[0] !== 0x1f || head[1] !== 0x8b) {
      yield* all();
      return;
    }
    // gunzip may still hold a chunk when the next is read: it gets copies, in 8 KiB pieces. Given 64 KiB at once, it
    // inflated ~10 chunks of text that then waited in its queue while the parser read the first, long enough to be
    // moved out of the young generation: replay's parser thread held ~14 MB of spent buffers, and peaked 163-198 MB
    // on the benchmark's log gzipped (152-154 in pieces). The pipeline's failure (a read error) destroys gunzip with
    // it, so reading gunzip throws it, as it throws its own (a truncated or corrupt .gz).
    const copies = async function* (): AsyncGenerator<Buffer> {
      for await (const chunk of all())
        for (let i = 0; i < chunk.length; i += GZIP_PIECE) yield Buffer.from(chunk.subarray(i, i + GZIP_PIECE));
    };
    const done = pipeline(Readable.from(copies(), { objectMode: false }), gunzip);
    done.catch(() => {});
    yield* gunzip as AsyncIterable<Buffer>;
    await done;
  } catch (error) {
    // An fs error by its code (ENOENT, EACCES: the path is said already), zlib's by its words ("unexpected end of
    // file" for a .gz that logrotate or a full disk left truncated).
    const e = error as NodeJS.ErrnoException;
    const why = e.syscall !== undefined && e.code !== undefined ? e.code : e instanceof Error ? e.message : String(e);
    throw new F2bCampaignError('input', `reading ${path}: ${why}`, { cause: error });
  } finally {
    // A reader that stops early (an error downstream) must not leave the file or the pipe open.
    if (raw instanceof Readable) raw.destroy();
    else await raw?.return(undefined);
    gunzip.destroy();
  }
}

/**
 * A log named on the command line, opened. A named pipe (`<(command)`, a mkfifo) is read as a stream of the event
 * loop (net.Socket), not by fs reads: those block a thread of libuv's pool until the writer writes, and a parser
 * thread cannot be ended while its read is pending, so after `| head` went away replay could not exit until the
 * writer wrote again or closed. (Opening it still waits for a writer, as cat does.)
 */
async function openLog(path: string, start: number): Promise<Readable | AsyncGenerator<Buffer>> {
  const fd = await new Promise<number>((resolve, reject) =>
    open(path, 'r', (error, fd) => (error ? reject(error) : resolve(fd))),
  );
  try {
    const stat = fstatSync(fd);
    if (stat.isFIFO()) return new Socket({ fd, readable: true, writable: false });
    if (stat.isFile()) return fileChunks(fd, start);
    return createReadStream('', { fd, highWaterMark: 1 << 16, ...(start > 0 ? { start } : {}) });
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * A file read from `start` in 64 KiB chunks, all into one buffer: each yielded chunk is valid until the next is
 * asked for. A read stream's new buffer per chunk was 64 KiB of memory outside the heap that only a collection of
 * the heap gave back: in replay's parser thread, which rarely needs a full collection, ~30 MB of spent chunks waited
 * for one. The descriptor is closed when the generator ends, however it ends.
 */
async function* fileChunks(fd: number, start: number): AsyncGenerator<Buffer> {
  const buffer = Buffer.allocUnsafe(1 << 16);
  let position = start;
  try {
    for (;;) {
      const bytes = await new Promise<number>((resolve, reject) =>
        read(fd, buffer, 0, buffer.length, position, (error, n) => (error ? reject(error) : resolve(n))),
      );
      if (bytes === 0) return;
      position += bytes;
      yield buffer.subarray(0, bytes);
    }
  } finally {
    closeSync(fd);
  }
}

/** The longest wait between two reads of an empty non-blocking standard input, ms. */
const IDLE_MAX_MS = 100;

/**
 * Descriptor 0 read to its end. It may be non-blocking (the program's process.stdin, which execa touches when it is
 * loaded, makes a pipe or socket so; a parent may have too): a read of an empty pipe then fails with EAGAIN, which
 * means "nothing yet", not an error nor the end. It is read again after a pause, 1 ms doubled up to 100 ms, as long as
 * the writer keeps the pipe open (a pipe that never closes is waited for, as cat would). fs.read, not process.stdin:
 * replay reads it in its parser thread, which has no process.stdin of its own.
 */
async function* readStdin(): AsyncGenerator<Buffer> {
  let idle = 1;
  for (;;) {
    const buffer = Buffer.allocUnsafe(1 << 16);
    let bytes: number;
    try {
      bytes = await new Promise<number>((resolve, reject) =>
        read(0, buffer, 0, buffer.length, null, (error, n) => (error ? reject(error) : resolve(n))),
      );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      await new Promise((resolve) => setTimeout(resolve, idle));
      idle = Math.min(idle * 2, IDLE_MAX_MS);
      continue;
    }
    if (bytes === 0) return;
    idle = 1;
    yield buffer.subarray(0, bytes);
  }
}

/**
 * Streams a log (readLogChunks: a file, a pipe, gzip or not) as batches of lines (one batch per 64 KiB chunk) without
 * ever holding more than one chunk: replay must run over logs of any size in bounded memory, and one await per batch
 * instead of per line keeps it fast. 64 KiB rather than 1 MiB: as fast on the 1M-line bench, and its peak RSS 163 ->
 * 133 MB (fewer big strings waiting for the old-generation collector). Invalid UTF-8 (attackers send it) decodes to
 * U+FFFD instead of failing.
 *
 * A chunk is split at its last newline byte and decoded once, as one flat string: a newline byte is never part of a
 * UTF-8 sequence, so decoding line by line is decoding the whole. Only the line that straddles two chunks is put
 * together, from its bytes. (Decoding each chunk whole and prepending the previous chunk's end as a string had V8
 * copy all the text a second time to flatten it for split.)
 */
export async function* readLineBatches(path: string, start = 0): AsyncGenerator<string[]> {
  let carry: Buffer = EMPTY;
  for await (const chunk of readLogChunks(path, start)) {
    const last = chunk.lastIndexOf(NEWLINE);
    if (last < 0) {
      carry = keepHead(carry, chunk);
      continue;
    }
    const lines = chunk.toString('utf8', 0, last).split('\n');
    if (carry.length > 0) {
      const first = chunk.indexOf(NEWLINE);
      lines[0] = Buffer.concat([carry, chunk.subarray(0, first)]).toString('utf8');
    }
    // A copy: the chunk's buffer is read into again (readLogChunks).
    carry = Buffer.from(chunk.subarray(last + 1));
    yield lines;
  }
  if (carry.length > 0) yield [carry.toString('utf8')];
}

const NEWLINE = 0x0a;
/** What gunzip is given at a time (readLogChunks). */
const GZIP_PIECE = 1 << 13;
const EMPTY = Buffer.alloc(0);

/**
 * A line with no end in sight (a corrupt file, a binary) would otherwise grow until V8's string limit: only its
 * head is kept, MAX_KEPT bytes, still longer than any line a reader accepts, so it is counted as one over-long line.
 */
function keepHead(carry: Buffer, chunk: Buffer): Buffer {
  if (carry.length >= MAX_KEPT) return carry;
  const both = Buffer.concat([carry, chunk]);
  return both.length > MAX_KEPT ? both.subarray(0, MAX_KEPT) : both;
}

/** Line by line, for callers that do little per line. */
export async function* readLines(path: string, start = 0): AsyncGenerator<string> {
  for await (const batch of readLineBatches(path, start)) yield* batch;
}
