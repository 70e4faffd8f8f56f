import { readFileSync } from "node:fs";
import type { CompiledLexicon } from "../lexicon.js";
import { intentFeatures } from "./features.js";
import { softmaxInPlace } from "./train.js";
import {
  featureNames,
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
 * The router's third pass: a linear classifier trained on the labelled phrasings in
 * test/fixtures/router/ (`npm run train:router`). It reads an utterance's words, letter groups and
 * nearness to each intent's vocabulary, so "how much minute I have remain" or "time check" reach
 * their intent although no pattern or closed vocabulary holds them. Some 20 µs per call.
 */
/** Weights packed for reading: one row of label weights per feature, in one typed array (~0.7 MB). */
export interface IntentTable {
  readonly labels: readonly string[];
  readonly rows: ReadonlyMap<string, number>;
  /** rows.get(feature) * labels.length + label → the weight. */
  readonly w: Float32Array;
}

/** Packs trained weights (as trainIntentWeights() returns them) for reading. */
export function packIntentWeights(weights: IntentWeights): IntentTable {
  const L = weights.labels.length;
  const entries = Object.entries(weights.features);
  const w = new Float32Array(entries.length * L);
  const rows = new Map<string, number>();
  entries.forEach(([f, q], i) => {
    rows.set(f, i);
    for (let c = 0; c < L; c++) w[i * L + c] = (q[c] as number) * weights.scale;
  });
  return { labels: weights.labels, rows, w };
}

/** Packs weights.json's two strings straight into the table: no per-feature arrays on the way. */
export function packStoredIntentWeights(stored: StoredIntentWeights): IntentTable {
  const bytes = storedBytes(stored);
  const w = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) w[i] = (bytes[i] as number) * stored.scale;
  const rows = new Map<string, number>();
  featureNames(stored).forEach((f, i) => rows.set(f, i));
  return { labels: stored.labels, rows, w };
}

export class IntentClassifier {
  readonly #t: IntentTable;
  readonly #lexicons: readonly (readonly [string, CompiledLexicon])[];

  constructor(table: IntentTable, lexicons: readonly (readonly [string, CompiledLexicon])[]) {
    this.#t = table;
    this.#lexicons = lexicons;
  }

  classify(words: readonly string[]): IntentGuess {
    const { labels, rows, w } = this.#t;
    const L = labels.length;
    const z = new Float64Array(L);
    for (const f of intentFeatures(words, this.#lexicons)) {
      const row = rows.get(f);
      if (row !== undefined) for (let c = 0; c < L; c++) z[c] = (z[c] as number) + (w[row * L + c] as number);
    }
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
