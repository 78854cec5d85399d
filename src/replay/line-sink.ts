import { writeSync } from 'node:fs';

/**
 * Lines written to a file descriptor through one reused buffer. Replay writes 100,000+ verdict lines: kept as
 * strings until a batch is written, they outlived the young generation and piled up as old-generation garbage.
 */
export class LineSink {
  private readonly buffer = Buffer.allocUnsafe(1 << 16);
  private used = 0;

  constructor(private readonly fd: number) {}

  /** `line` and a newline. Verdict lines are ASCII (a length is a byte count); any other line is still whole. */
  write(line: string): void {
    if (this.used + line.length + 1 > this.buffer.length) this.flush();
    if (line.length + 1 <= this.buffer.length) {
      const bytes = this.buffer.write(line, this.used, 'utf8');
      if (bytes === line.length) {
        this.used += bytes;
        this.buffer[this.used++] = 0x0a;
        return;
      }
      // Not ASCII: what was copied is dropped (used is unchanged) and the line goes out on its own.
      this.flush();
    }
    writeAll(this.fd, Buffer.from(`${line}\n`, 'utf8'));
  }

  flush(): void {
    if (this.used > 0) writeAll(this.fd, this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}

/** What a write waits on while a pipe is full: nothing ever wakes it, so it sleeps its timeout out. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) {
    try {
      at += writeSync(fd, bytes, at, bytes.length - at);
    } catch (error) {
      // Standard output is a pipe to a reader slower than us (`replay ... | less`), and non-blocking: Node makes
      // its pipes so. A full pipe is no error: wait for the reader, as a blocking write would (it once ended replay
      // with "EAGAIN: resource temporarily unavailable" after the first 64 kB).
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(PAUSE, 0, 0, 5);
    }
  }
}
