/**
 * How far back, from the moment the service finds the path naming a new file, the BAN lines it wrote to the old one
 * are written again into the new one. fail2ban's polling backend reopens the path by name about every second and
 * starts a new file at byte 0: whatever it had not yet read of the renamed file it never reads. It polls every
 * second and we check every second, so the lines at risk are at most ~2 s old; 10 s leaves room for a busy host.
 */
export const ROTATION_REPEAT_MS = 10_000;

/** The key marking a BAN line written again after a rotation (docs/verdict-line.md): not a new verdict. */
const REPEAT_FIELD = ' repeat=rotation';

const BAN_LINE = /^\S+ f2b-campaign\[\d+\]: BAN /;

/**
 * Whether a verdict line (with or without its newline) is a repeat=rotation copy: the field is always last, so it is
 * looked for there only. Anywhere in the line, a username holding ` repeat=rotation` (quoted in an ALERT) would pass
 * for it.
 */
export function isRotationCopy(line: string): boolean {
  return line.endsWith(REPEAT_FIELD) || line.endsWith(`${REPEAT_FIELD}\n`);
}

/**
 * The repeat=rotation copy of a verdict line written whole (with or without its newline), or null when the line is
 * no BAN or is a copy already: a second rotation within seconds of the first is not worth a cascade of repeats.
 */
export function rotationCopy(line: string): string | null {
  if (!BAN_LINE.test(line) || isRotationCopy(line)) return null;
  return `${line.replace(/\n$/, '')}${REPEAT_FIELD}`;
}

/** The BAN lines written whole to one file in the last ROTATION_REPEAT_MS, kept as their repeat=rotation copies. */
export class RecentBans {
  private lines: Array<{ readonly copy: Buffer; readonly at: number }> = [];

  remember(line: Buffer, now: number): void {
    const copy = rotationCopy(line.toString('utf8'));
    if (copy !== null) this.lines.push({ copy: Buffer.from(`${copy}\n`), at: now });
    while (this.lines.length > 0 && this.lines[0]!.at < now - ROTATION_REPEAT_MS) this.lines.shift();
  }

  /** The copies of the lines written in the last ROTATION_REPEAT_MS, oldest first; forgets them all. */
  take(now: number): Buffer[] {
    const copies = this.lines.filter((l) => l.at >= now - ROTATION_REPEAT_MS).map((l) => l.copy);
    this.lines = [];
    return copies;
  }
}
