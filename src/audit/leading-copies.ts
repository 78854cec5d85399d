import { parseVerdictLine, TORN_END } from '../verdict/verdict-line.js';
import { readRotatedLines } from './log-lines.js';
import type { RotatedFile } from './rotated-files.js';

/** What a file of the verdict log begins with, read before the file before it (leadingCopies). */
export interface FileHead {
  /** The file holds a line at all: one with none tells nothing of the files around it. */
  readonly lines: boolean;
  /** The BAN lines its leading `repeat=rotation` copies repeat, as written (the copy's text before ` repeat=`). */
  readonly originals: ReadonlySet<string>;
}

/** Whether a line (its mark removed) is a `repeat=rotation` copy, whole or cut inside `repeat=`. */
function isCopy(text: string): boolean {
  const parsed = parseVerdictLine(text);
  return parsed?.verb === 'BAN' && parsed.fields.has('repeat');
}

/**
 * The lines a file's leading copies repeat. The writer puts the copies of the BAN lines it wrote lately into a new file
 * (a rename, or a copytruncate: src/service/verdict-writer.ts) before anything else but the whole line of a part the old
 * file kept, and at a start those of the file renamed while it was stopped (rotated-while-stopped.ts); and they repeat
 * lines of the file it wrote before. So the copies come first, one line in at most, and their lines are in the file
 * before that holds a line. Read up to the first line after them, whatever the file weighs; a copy torn (marked, or
 * cut inside `repeat=`) counts, its line is whole.
 */
export async function leadingCopies(file: RotatedFile): Promise<FileHead> {
  const originals = new Set<string>();
  let lines = 0;
  for await (const line of readRotatedLines([file])) {
    if (line.length === 0) continue;
    lines++;
    const text = line.endsWith(TORN_END) ? line.slice(0, -TORN_END.length) : line;
    if (isCopy(text)) originals.add(text.slice(0, text.lastIndexOf(' repeat=')));
    else if (lines > 1) break;
  }
  return { lines: lines > 0, originals };
}

/**
 * The heads of a rotated verdict log's files, each read once, as the audit goes through them oldest first: those of
 * the files after the one read are kept until it is their turn.
 */
export class FileHeads {
  private readonly heads = new Map<number, FileHead>();

  constructor(private readonly files: readonly RotatedFile[]) {}

  /** The head of file `index`; forgets those of the files before it. */
  async of(index: number): Promise<FileHead> {
    for (const known of this.heads.keys()) if (known < index) this.heads.delete(known);
    let head = this.heads.get(index);
    if (head === undefined) {
      head = await leadingCopies(this.files[index]!);
      this.heads.set(index, head);
    }
    return head;
  }

  /** The originals of the leading copies of the first file after `index` that holds a line (none after the last). */
  async after(index: number): Promise<ReadonlySet<string>> {
    for (let next = index + 1; next < this.files.length; next++) {
      const head = await this.of(next);
      if (head.lines) return head.originals;
    }
    return new Set();
  }
}
