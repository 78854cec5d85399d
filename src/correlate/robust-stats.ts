/**
 * Robust statistics for small samples (a source's last few inter-attempt intervals). Median and MAD ignore one
 * odd interval (a retry, a network stall) where mean and standard deviation would not.
 */
export function median(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Reused by mad(): it runs for every attempt of every source, on a handful of values. */
const scratch: number[] = [];

/** Median absolute deviation from the median. */
export function mad(values: readonly number[]): number {
  scratch.length = 0;
  for (const v of values) scratch.push(v);
  const m = median(sortNumbers(scratch));
  for (let i = 0; i < scratch.length; i++) scratch[i] = Math.abs(scratch[i]! - m);
  return median(sortNumbers(scratch));
}

/**
 * Sorts numbers ascending in place. Insertion sort for the few values a source keeps (no comparator calls, no
 * allocation); the same order as `sort((a, b) => a - b)`, so results are identical.
 */
export function sortNumbers(list: number[]): number[] {
  if (list.length > 16) return list.sort((a, b) => a - b);
  for (let i = 1; i < list.length; i++) {
    const v = list[i]!;
    let j = i - 1;
    while (j >= 0 && list[j]! > v) {
      list[j + 1] = list[j]!;
      j--;
    }
    list[j + 1] = v;
  }
  return list;
}

/** Linear-interpolated quantile of sorted values, q in [0, 1]. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Bowley's quartile skew, in [-1, 1]: 0 for a symmetric spread. A scripted rhythm with jitter is symmetric around
 * its period; a human's retries (quick, quick, long pause) are not. NaN when the quartiles coincide.
 */
export function quartileSkew(sorted: readonly number[]): number {
  const q1 = quantile(sorted, 0.25);
  const q2 = quantile(sorted, 0.5);
  const q3 = quantile(sorted, 0.75);
  const spread = q3 - q1;
  return spread === 0 ? 0 : (q3 + q1 - 2 * q2) / spread;
}
