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
 * The hour that local time repeats when daylight saving ends (02:00-02:59 twice in Europe): a stamp in it names two
 * instants, and Date reads the first. Read so, the whole second pass went back in time, and the detector, whose clock
 * never goes back, judged that hour at one instant (found in review: a campaign of that hour went unbanned). The log
 * decides: a stamp at most a few minutes before its latest line is the first pass (in order, or a little late); once
 * the log is in the second pass, the second; before that, whichever instant is nearer that line, so a
 * first-pass line that comes late (up to half an hour) stays in the first pass rather than taking the clock and every
 * line after it an hour ahead, and the log that goes back from 02:59 to 02:00 goes on into the second pass.
 */
function repeatedHour(time: number, last: number): number {
  const before = new Date(time).getTimezoneOffset();
  const after = new Date(time + 3 * 3_600_000).getTimezoneOffset();
  if (after <= before) return time;
  const second = time + (after - before) * 60_000;
  const a = new Date(time);
  const b = new Date(second);
  // Only a stamp that names both instants is ambiguous.
  if (a.getHours() !== b.getHours() || a.getMinutes() !== b.getMinutes()) return time;
  if (time >= last - OUT_OF_ORDER_MS) return time;
  if (last >= secondPassStart(time, second)) return second;
  return second - last < last - time ? second : time;
}

/** The instant the clocks went back, between a stamp's two readings: found by halving, as Date knows no transitions. */
function secondPassStart(first: number, second: number): number {
  const after = new Date(second).getTimezoneOffset();
  let lo = first;
  let hi = second;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (new Date(mid).getTimezoneOffset() === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

export class YearInference {
  private year: number | undefined;
  private last: number | undefined;
  /** The latest instant read so far: a late line moves `last` back, not this (the repeated hour goes by it). */
  private latest = Number.NEGATIVE_INFINITY;

  /** A clock (a function) is read when the first line comes: live, that line may come after New Year. */
  constructor(private readonly referenceTime: number | (() => number)) {}

  /**
   * Milliseconds since the epoch for a local time that names its year (the bare form `2026-02-15 14:23:12`): only
   * the hour repeated when daylight saving ends is left to the log to decide, as for the traditional form.
   */
  resolveDated(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
    const time = repeatedHour(new Date(year, month, day, hour, minute, second).getTime(), this.latest);
    if (time > this.latest) this.latest = time;
    return time;
  }

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
      if (this.last > this.latest) this.latest = this.last;
      return this.last;
    }
    let time = new Date(this.year, month, day, hour, minute, second).getTime();
    if (this.last !== undefined) {
      time = repeatedHour(time, this.latest);
      if (time < this.last - HALF_YEAR_MS) {
        this.year++;
        time = new Date(this.year, month, day, hour, minute, second).getTime();
      } else if (time > this.last + HALF_YEAR_MS) {
        // Out-of-order line from before New Year: do not move the year for the lines that follow.
        return new Date(this.year - 1, month, day, hour, minute, second).getTime();
      }
    }
    this.last = time;
    if (time > this.latest) this.latest = time;
    return time;
  }
}
