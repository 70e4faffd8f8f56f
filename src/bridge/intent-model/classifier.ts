import { readFileSync } from "node:fs";
import type { CompiledLexicon } from "../lexicon.js";
import { intentFeatures } from "./features.js";
import { softmaxInPlace } from "./train.js";
import {
  encodeIntentWeights,
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
/** Weights packed for reading: one row of signed bytes per feature, in one typed array (~0.2 MB). */
export interface IntentTable {
  readonly labels: readonly string[];
  readonly scale: number;
  readonly rows: ReadonlyMap<string, number>;
  /** rows.get(feature) * labels.length + label → the weight, in steps of `scale`. */
  readonly q: Int8Array;
}

/** Packs trained weights (as trainIntentWeights() returns them) for reading. */
export function packIntentWeights(weights: IntentWeights): IntentTable {
  return packStoredIntentWeights(encodeIntentWeights(weights));
}

/** Packs weights.json's two strings straight into the table: no per-feature arrays on the way. */
export function packStoredIntentWeights(stored: StoredIntentWeights): IntentTable {
  const rows = new Map(featureNames(stored).map((f, i) => [f, i] as const));
  return { labels: stored.labels, scale: stored.scale, rows, q: storedBytes(stored) };
}

export class IntentClassifier {
  readonly #t: IntentTable;
  readonly #lexicons: readonly (readonly [string, CompiledLexicon])[];

  constructor(table: IntentTable, lexicons: readonly (readonly [string, CompiledLexicon])[]) {
    this.#t = table;
    this.#lexicons = lexicons;
  }

  classify(words: readonly string[]): IntentGuess {
    const { labels, scale, rows, q } = this.#t;
    const L = labels.length;
    const z = new Float64Array(L);
    for (const f of intentFeatures(words, this.#lexicons)) {
      const row = rows.get(f);
      if (row !== undefined) for (let c = 0; c < L; c++) z[c] = (z[c] as number) + (q[row * L + c] as number);
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
