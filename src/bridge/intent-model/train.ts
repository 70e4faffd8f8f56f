import { createHash } from "node:crypto";
import type { IntentWeights } from "./weights.js";

export interface TrainingExample {
  /** The label: an intent's name, or "none". */
  readonly label: string;
  /** intentFeatures() of the utterance. */
  readonly features: readonly string[];
}

export interface TrainOptions {
  readonly epochs?: number;
  readonly rate?: number;
  readonly l2?: number;
  /** A feature seen in fewer utterances is left out: one author's one-off words teach nothing. */
  readonly minCount?: number;
  /** A feature whose every weight rounds to this many steps or fewer is dropped: it moves no answer. */
  readonly minSteps?: number;
}

/** Quantisation steps between zero and the largest weight: ample for a softmax over a dozen labels. */
const STEPS = 127;

/**
 * Multinomial logistic regression by plain stochastic gradient descent, the same result on every run
 * and machine (a seeded shuffle; no threads). Small: a few thousand utterances train in seconds.
 */
export function trainIntentWeights(
  labels: readonly string[],
  examples: readonly TrainingExample[],
  dataHash: string,
  options: TrainOptions = {},
): IntentWeights {
  const { epochs = 20, rate = 0.2, l2 = 1e-4, minCount = 2, minSteps = 1 } = options;
  const L = labels.length;
  const counts = new Map<string, number>();
  for (const e of examples) for (const f of e.features) counts.set(f, (counts.get(f) ?? 0) + 1);
  const index = new Map<string, number>();
  for (const [f, c] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1)))
    if (c >= minCount) index.set(f, index.size);
  const w = new Float64Array(index.size * L);
  const rows = examples.map((e) => ({
    y: labels.indexOf(e.label),
    at: e.features.flatMap((f) => (index.has(f) ? [index.get(f) as number] : [])),
  }));
  if (rows.some((r) => r.y < 0)) throw new Error("a training example's label is not among the labels");
  const order = rows.map((_, i) => i);
  let seed = 1;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const p = new Float64Array(L);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const step = rate / (1 + epoch * 0.3);
    for (const k of order) {
      const { y, at } = rows[k] as (typeof rows)[number];
      if (at.length === 0) continue;
      scores(w, at, L, p);
      softmaxInPlace(p);
      const norm = 1 / Math.sqrt(at.length);
      for (const f of at) {
        for (let c = 0; c < L; c++) {
          const g = norm * ((p[c] as number) - (c === y ? 1 : 0)) + l2 * (w[f * L + c] as number);
          w[f * L + c] = (w[f * L + c] as number) - step * g;
        }
      }
    }
  }
  let largest = 0;
  for (const v of w) largest = Math.max(largest, Math.abs(v));
  const scale = largest / STEPS || 1;
  const features: Record<string, number[]> = {};
  for (const [f, i] of index) {
    const q = Array.from({ length: L }, (_, c) => Math.round((w[i * L + c] as number) / scale));
    if (q.some((v) => Math.abs(v) > minSteps)) features[f] = q;
  }
  return {
    format: 1,
    labels: [...labels],
    scale: Number(scale.toPrecision(6)),
    data: dataHash,
    examples: examples.length,
    features,
  };
}

/** The fingerprint weights.json carries of the utterances it was trained on. */
export function trainingDataHash(
  cases: readonly { readonly label: string; readonly text: string }[],
): string {
  const h = createHash("sha256");
  for (const c of cases) h.update(`${c.label}\t${c.text}\n`);
  return h.digest("hex");
}

function scores(w: Float64Array, at: readonly number[], L: number, out: Float64Array): void {
  out.fill(0);
  for (const f of at) for (let c = 0; c < L; c++) out[c] = (out[c] as number) + (w[f * L + c] as number);
}

/** Scores → probabilities, in place (shifted by the largest score so no exp overflows). */
export function softmaxInPlace(z: Float64Array): void {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of z) max = Math.max(max, v);
  let sum = 0;
  for (let c = 0; c < z.length; c++) {
    z[c] = Math.exp((z[c] as number) - max);
    sum += z[c] as number;
  }
  for (let c = 0; c < z.length; c++) z[c] = (z[c] as number) / sum;
}
