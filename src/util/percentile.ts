/**
 * Percentiles, shared by `clawcall stats` and the benchmarks (bench/lib/stats.js re-exports these
 * from dist/), so both report the same p50 and p95 for the same numbers.
 */

/** Ascending copy of `values`. */
export function sortedCopy(values: ArrayLike<number>): number[] {
  return Array.from(values).sort((x, y) => x - y);
}

/**
 * Percentile by linear interpolation between closest ranks (the "R-7"/Excel method): p50 of
 * [1,2,3,4] is 2.5, p0 is the minimum and p100 the maximum. NaN for an empty list.
 * `sorted`: `values` is already ascending (saves the copy when asking for several percentiles).
 */
export function percentile(values: ArrayLike<number>, p: number, sorted = false): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const a = sorted ? values : sortedCopy(values);
  const rank = (p / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const vlo = a[lo] as number;
  const vhi = a[hi] as number;
  return vlo + (vhi - vlo) * (rank - lo);
}
