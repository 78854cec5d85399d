/**
 * Traditional syslog timestamps (`Feb 15 14:23:12`) carry no year. We start from a reference time (the file's
 * modification time in replay, the clock live) and follow the log: a jump back of more than half a year is New
 * Year, a jump forward of more than half a year is a late line from the previous year.
 */
const HALF_YEAR_MS = 183 * 86_400_000;
const DAY_MS = 86_400_000;

export class YearInference {
  private year: number | undefined;
  private last: number | undefined;

  constructor(private readonly referenceTime: number) {}

  /** Milliseconds since the epoch for a local-time month (0-11), day, and time of day. */
  resolve(month: number, day: number, hour: number, minute: number, second: number): number {
    if (this.year === undefined) {
      this.year = new Date(this.referenceTime).getFullYear();
      // A date later than the reference (plus a day of clock skew) was written last year.
      if (new Date(this.year, month, day, hour, minute, second).getTime() > this.referenceTime + DAY_MS) this.year--;
    }
    let time = new Date(this.year, month, day, hour, minute, second).getTime();
    if (this.last !== undefined) {
      if (time < this.last - HALF_YEAR_MS) {
        this.year++;
        time = new Date(this.year, month, day, hour, minute, second).getTime();
      } else if (time > this.last + HALF_YEAR_MS) {
        // Out-of-order line from before New Year: do not move the year for the lines that follow.
        return new Date(this.year - 1, month, day, hour, minute, second).getTime();
      }
    }
    this.last = time;
    return time;
  }
}
