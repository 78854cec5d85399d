import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** How many bytes of `line` the file at `path` ends with as an unfinished last line (0: none, or not ours). */
export function unfinished(path: string, line: Buffer): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 0;
  }
  try {
    const size = fstatSync(fd).size;
    const tail = Buffer.alloc(Math.min(size, line.length));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    const part = tail.subarray(tail.lastIndexOf(0x0a) + 1);
    const whole = tail.includes(0x0a) || tail.length === size;
    return whole && part.length > 0 && part.length < line.length && line.subarray(0, part.length).equals(part)
      ? part.length
      : 0;
  } finally {
    closeSync(fd);
  }
}

/** Whether the file at `path` ends inside a line (its last byte is not a newline); false when empty or unreadable. */
export function endsMidLine(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    closeSync(fd);
  }
}
