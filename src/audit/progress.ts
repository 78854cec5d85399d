import type { RotatedFile } from './rotated-files.js';

/** Redraws at most this often: a progress line must not cost more than the reading it reports. */
const REDRAW_MS = 100;

/**
 * A one-line progress display on a terminal (stderr), for reads over many rotated files. Silent when stderr is not
 * a TTY, so scripts and pipes get clean output.
 */
export class Progress {
  private total = 0;
  private before: number[] = [];
  private lastDraw = 0;
  private label = '';
  private files: readonly RotatedFile[] = [];

  constructor(private readonly out: { isTTY?: boolean; write(text: string): unknown } | null) {}

  get enabled(): boolean {
    return this.out?.isTTY === true;
  }

  /** Starts a new phase over these files. */
  start(label: string, files: readonly RotatedFile[]): void {
    this.label = label;
    this.files = files;
    this.lastDraw = 0; // a new phase shows at once
    this.total = files.reduce((sum, f) => sum + f.size, 0);
    let sum = 0;
    this.before = files.map((f) => {
      const at = sum;
      sum += f.size;
      return at;
    });
  }

  /** Reports bytes consumed in one file; redraws when enough time passed. */
  update(fileIndex: number, bytesInFile: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const done = (this.before[fileIndex] ?? 0) + bytesInFile;
    const percent = this.total > 0 ? Math.min(100, Math.floor((100 * done) / this.total)) : 100;
    const name = this.files[fileIndex]?.path.split('/').pop() ?? '';
    this.out!.write(`\r\x1b[K${this.label}: ${percent}% (file ${fileIndex + 1}/${this.files.length} ${name})`);
  }

  /** Reports entries read from a stream of unknown length (the journal); redraws when enough time passed. */
  count(label: string, entries: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.out!.write(`\r\x1b[K${label}: ${entries} entries`);
  }

  /** Clears the line so the report starts on a clean one. */
  done(): void {
    if (this.enabled) this.out!.write('\r\x1b[K');
  }
}
