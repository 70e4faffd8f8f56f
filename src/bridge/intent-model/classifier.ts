import { readFileSync } from "node:fs";
import type { CompiledLexicon } from "../lexicon.js";
import { featureKey } from "./feature-key.js";
import { type Clauses, intentFeatures } from "./features.js";
import { softmaxInPlace } from "./train.js";
import {
  encodeIntentWeights,
  featureCount,
  type IntentWeights,
  type StoredIntentWeights,
  StoredIntentWeightsSchema,
  storedBytes,
} from "./weights.js";

export interface IntentGuess {
  /** An intent's name, or "none". */
  readonly label: string;
  /** The softmax probability of that label, 0..1. */
  readonly confidence: number;
}

/**
 * Weights packed for reading: the features' keys (featureKey()) sorted in one typed array, and their
 * rows of signed bytes in the same order in another (~0.9 MB for 40,000 features, no strings).
 */
export interface IntentTable {
  readonly labels: readonly string[];
  readonly scale: number;
  readonly keys: Float64Array;
  /** (index of the key) * labels.length + label → the weight, in steps of `scale`. */
  readonly q: Int8Array;
}

/** Packs trained weights (as trainIntentWeights() returns them) for reading. */
export function packIntentWeights(weights: IntentWeights): IntentTable {
  return packStoredIntentWeights(encodeIntentWeights(weights));
}

/** Packs weights.json's two strings straight into the table, hashing names in place (no substrings). */
export function packStoredIntentWeights(stored: StoredIntentWeights): IntentTable {
  const L = stored.labels.length;
  const names = stored.features;
  const n = featureCount(stored);
  const unsorted = new Float64Array(n);
  for (let i = 0, from = 0; i < n; i++) {
    const to = i === n - 1 ? names.length : names.indexOf("\n", from);
    unsorted[i] = featureKey(names, from, to);
    from = to + 1;
  }
  // A typed array sorts natively; each feature then finds its place by search (22 ms → a few).
  const keys = Float64Array.from(unsorted).sort();
  for (let i = 1; i < n; i++)
    if (keys[i] === keys[i - 1]) throw new Error("two features of the weights share a key");
  const bytes = storedBytes(stored);
  const q = new Int8Array(n * L);
  for (let i = 0; i < n; i++)
    q.set(bytes.subarray(i * L, (i + 1) * L), rowOf(keys, unsorted[i] as number) * L);
  return { labels: stored.labels, scale: stored.scale, keys, q };
}

/** The row of a feature in the table, or -1. */
function rowOf(keys: Float64Array, key: number): number {
  let lo = 0;
  let hi = keys.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid] as number;
    if (k === key) return mid;
    if (k < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * The router's third pass: a linear classifier trained on the labelled phrasings in
 * test/fixtures/router/ (`npm run train:router`). It reads an utterance's words, letter groups and
 * nearness to each intent's vocabulary, so "how much minute I have remain" or "time check" reach
 * their intent although no pattern or closed vocabulary holds them. Some 40 µs per call, most of it
 * building the features.
 */
export class IntentClassifier {
  readonly #t: IntentTable;
  readonly #lexicons: readonly (readonly [string, CompiledLexicon])[];

  constructor(table: IntentTable, lexicons: readonly (readonly [string, CompiledLexicon])[]) {
    this.#t = table;
    this.#lexicons = lexicons;
  }

  classify(words: readonly string[], clauses?: Clauses, lead?: readonly string[]): IntentGuess {
    const { labels, scale, keys, q } = this.#t;
    const L = labels.length;
    const z = new Float64Array(L);
    for (const f of intentFeatures(words, this.#lexicons, clauses, lead)) {
      const row = rowOf(keys, featureKey(f));
      if (row >= 0) for (let c = 0; c < L; c++) z[c] = (z[c] as number) + (q[row * L + c] as number);
    }
    for (let c = 0; c < L; c++) z[c] = (z[c] as number) * scale;
    softmaxInPlace(z);
    let best = 0;
    for (let c = 1; c < L; c++) if ((z[c] as number) > (z[best] as number)) best = c;
    return { label: labels[best] as string, confidence: z[best] as number };
  }
}

/** weights.json as it ships with the bridge (src/bridge/intent-model/), read and checked. */
export function readShippedIntentWeights(): StoredIntentWeights {
  const text = readFileSync(new URL("./weights.json", import.meta.url), "utf8");
  return StoredIntentWeightsSchema.parse(JSON.parse(text));
}

let shipped: IntentTable | undefined;

/** The shipped weights, packed, read once per process. */
export function shippedIntentTable(): IntentTable {
  shipped ??= packStoredIntentWeights(readShippedIntentWeights());
  return shipped;
}
