// @ts-check
/**
 * Pure helpers for the benchmarks: percentiles, medians, spreads and ratios. No I/O, no timing;
 * `test/bench/bench-smoke.test.ts` checks them.
 */

// The one percentile, shared with `clawcall stats` (src/util/percentile.ts; `npm run bench` builds first).
import { percentile, sortedCopy } from "../../dist/util/percentile.js";

export { percentile, sortedCopy };

/**
 * @param {ArrayLike<number>} values
 * @returns {number}
 */
export function median(values) {
  return percentile(values, 50);
}

/**
 * @param {ArrayLike<number>} values
 * @returns {number}
 */
export function mean(values) {
  if (values.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += /** @type {number} */ (values[i]);
  return s / values.length;
}

/**
 * @typedef {{ n: number, median: number, min: number, max: number, mean: number }} Spread
 */

/**
 * Median and spread of per-run values (what results.md prints as "median [min–max]").
 * @param {ArrayLike<number>} values
 * @returns {Spread}
 */
export function spread(values) {
  const a = sortedCopy(values).filter((v) => Number.isFinite(v));
  if (a.length === 0) return { n: 0, median: Number.NaN, min: Number.NaN, max: Number.NaN, mean: Number.NaN };
  return {
    n: a.length,
    median: percentile(a, 50, true),
    min: /** @type {number} */ (a[0]),
    max: /** @type {number} */ (a[a.length - 1]),
    mean: mean(a),
  };
}

/**
 * @typedef {{ n: number, p50: number, p90: number, p99: number, max: number, mean: number }} Latency
 */

/**
 * Latency distribution of one run's samples (ms).
 * @param {ArrayLike<number>} samples
 * @returns {Latency}
 */
export function latency(samples) {
  const a = sortedCopy(samples);
  return {
    n: a.length,
    p50: percentile(a, 50, true),
    p90: percentile(a, 90, true),
    p99: percentile(a, 99, true),
    max: a.length ? /** @type {number} */ (a[a.length - 1]) : Number.NaN,
    mean: mean(a),
  };
}

/**
 * `a / b`, or null when the ratio means nothing (b is 0, either side is not finite).
 * @param {number} a
 * @param {number} b
 * @returns {number | null}
 */
export function ratio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}

/**
 * Ratios of runs taken in pairs (run i of `a` against run i of `b`, measured back to back, so that
 * the machine's noise hits both sides alike). Pairs with a meaningless ratio are skipped.
 * @param {ArrayLike<number>} a
 * @param {ArrayLike<number>} b
 * @returns {number[]}
 */
export function pairedRatios(a, b) {
  const out = [];
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const r = ratio(/** @type {number} */ (a[i]), /** @type {number} */ (b[i]));
    if (r !== null) out.push(r);
  }
  return out;
}

/**
 * Whether a measured value meets its target. `op` is how the target reads: "<=" (at most) or
 * ">=" (at least). NaN never passes.
 * @param {number} measured
 * @param {"<=" | ">="} op
 * @param {number} target
 * @returns {"pass" | "miss"}
 */
export function verdict(measured, op, target) {
  if (!Number.isFinite(measured)) return "miss";
  return (op === "<=" ? measured <= target : measured >= target) ? "pass" : "miss";
}

/**
 * Precision and recall per label for a classifier whose "no label" class is `none` (never scored as
 * a label of its own: a fast-path router that says nothing is not a fast answer).
 * @param {{ expected: string, got: string }[]} cases
 * @param {string[]} labels every label that can be predicted, in display order
 * @param {string} [none]
 */
export function precisionRecall(cases, labels, none = "none") {
  /** @type {Map<string, { tp: number, fp: number, fn: number, support: number }>} */
  const m = new Map(labels.map((l) => [l, { tp: 0, fp: 0, fn: 0, support: 0 }]));
  const row = (/** @type {string} */ l) => {
    let r = m.get(l);
    if (!r) {
      r = { tp: 0, fp: 0, fn: 0, support: 0 };
      m.set(l, r);
    }
    return r;
  };
  /** @type {{ expected: string, got: string }[]} */
  const misses = [];
  for (const c of cases) {
    if (c.expected !== none) row(c.expected).support++;
    if (c.got === c.expected) {
      if (c.got !== none) row(c.got).tp++;
      continue;
    }
    misses.push(c);
    if (c.got !== none) row(c.got).fp++;
    if (c.expected !== none) row(c.expected).fn++;
  }
  const rows = [...m.entries()].map(([label, s]) => ({
    label,
    ...s,
    // No prediction and no expectation of a label: nothing wrong was said, so 1 (shown as "—" when support is 0).
    precision: s.tp + s.fp === 0 ? 1 : s.tp / (s.tp + s.fp),
    recall: s.tp + s.fn === 0 ? 1 : s.tp / (s.tp + s.fn),
  }));
  const tp = rows.reduce((a, r) => a + r.tp, 0);
  const fp = rows.reduce((a, r) => a + r.fp, 0);
  const fn = rows.reduce((a, r) => a + r.fn, 0);
  return {
    rows,
    overall: {
      tp,
      fp,
      fn,
      precision: tp + fp === 0 ? 1 : tp / (tp + fp),
      recall: tp + fn === 0 ? 1 : tp / (tp + fn),
      accuracy: cases.length === 0 ? Number.NaN : (cases.length - misses.length) / cases.length,
    },
    misses,
  };
}

/**
 * Rounds for display: 3 significant digits below 100, whole numbers above.
 * @param {number | null | undefined} v
 * @returns {string}
 */
export function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 100 || Number.isInteger(v)) return String(Math.round(v));
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  if (a === 0) return "0";
  return v.toPrecision(2);
}

/**
 * "median [min–max]" of a spread, with a unit.
 * @param {Spread} s
 * @param {string} [unit]
 */
export function fmtSpread(s, unit = "") {
  if (!s || s.n === 0) return "—";
  if (s.n === 1) return `${fmt(s.median)}${unit}`;
  return `${fmt(s.median)}${unit} [${fmt(s.min)}–${fmt(s.max)}]`;
}

/**
 * Percent with one decimal.
 * @param {number | null | undefined} v a fraction (0.5 → "50.0 %")
 */
export function pct(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return `${(v * 100).toFixed(1)} %`;
}
