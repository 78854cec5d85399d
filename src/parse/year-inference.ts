/**
 * Traditional syslog timestamps (`Feb 15 14:23:12`) carry no year. We start from a reference time (the file's
 * modification time in replay, the clock live) and follow the log: a jump back of more than half a year is New
 * Year, a jump forward of more than half a year is a late line from the previous year.
 */
const HALF_YEAR_MS = 183 * 86_400_000;
const DAY_MS = 86_400_000;
const OUT_OF_ORDER_MS = 5 * 60_000;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * The hour that local time repeats when daylight saving ends (02:00-02:59 twice in Europe) is read by Date as its
 * first pass. A log that was already past that stamp (by more than a few minutes) is in the second pass: its
 * lines are an hour later. Read as the first, the whole second hour went back in time, and the detector, whose
 * clock never goes back, judged that hour at one instant (found in review: a campaign of that hour went unbanned).
 */
function repeatedHour(time: number, last: number): number {
  const before = new Date(time).getTimezoneOffset();
  const after = new Date(time + 3 * 3_600_000).getTimezoneOffset();
  if (after <= before) return time;
  const repeat = (after - before) * 60_000;
  const second = time + repeat;
  const a = new Date(time);
  const b = new Date(second);
  // Only a stamp that names both instants is ambiguous.
  if (a.getHours() !== b.getHours() || a.getMinutes() !== b.getMinutes()) return time;
  // A stamp minutes before the log's last line is a late line; an hour's worth of them is the second pass.
  return time < last - OUT_OF_ORDER_MS ? second : time;
}

export class YearInference {
  private year: number | undefined;
  private last: number | undefined;

  /** A clock (a function) is read when the first line comes: live, that line may come after New Year. */
  constructor(private readonly referenceTime: number | (() => number)) {}

  /** Milliseconds since the epoch for a local-time month (0-11), day, and time of day. */
  resolve(month: number, day: number, hour: number, minute: number, second: number): number {
    if (this.year === undefined) {
      const reference = typeof this.referenceTime === 'function' ? this.referenceTime() : this.referenceTime;
      this.year = new Date(reference).getFullYear();
      // A date later than the reference (plus a day of clock skew) was written last year.
      if (new Date(this.year, month, day, hour, minute, second).getTime() > reference + DAY_MS) this.year--;
    }
    if (month === 1 && day === 29 && !isLeapYear(this.year)) {
      // Only a leap year has Feb 29 (Date would read it as Mar 1): the year followed so far is wrong, and the
      // latest leap year before it is the likeliest one.
      while (!isLeapYear(this.year)) this.year--;
      this.last = new Date(this.year, month, day, hour, minute, second).getTime();
      return this.last;
    }
    let time = new Date(this.year, month, day, hour, minute, second).getTime();
    if (this.last !== undefined) {
      time = repeatedHour(time, this.last);
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
