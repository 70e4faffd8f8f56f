import { readFileSync } from "node:fs";
import type { CompiledLexicon } from "../lexicon.js";
import { intentFeatures } from "./features.js";
import { softmaxInPlace } from "./train.js";
import { type IntentWeights, IntentWeightsSchema } from "./weights.js";

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
export class IntentClassifier {
  readonly #labels: readonly string[];
  readonly #scale: number;
  readonly #features: ReadonlyMap<string, readonly number[]>;
  readonly #lexicons: readonly (readonly [string, CompiledLexicon])[];

  constructor(weights: IntentWeights, lexicons: readonly (readonly [string, CompiledLexicon])[]) {
    this.#labels = weights.labels;
    this.#scale = weights.scale;
    this.#features = new Map(Object.entries(weights.features));
    this.#lexicons = lexicons;
  }

  classify(words: readonly string[]): IntentGuess {
    const z = new Float64Array(this.#labels.length);
    for (const f of intentFeatures(words, this.#lexicons)) {
      const q = this.#features.get(f);
      if (q) for (let c = 0; c < z.length; c++) z[c] = (z[c] as number) + (q[c] as number) * this.#scale;
    }
    softmaxInPlace(z);
    let best = 0;
    for (let c = 1; c < z.length; c++) if ((z[c] as number) > (z[best] as number)) best = c;
    return { label: this.#labels[best] as string, confidence: z[best] as number };
  }
}

let shipped: IntentWeights | undefined;

/** The weights that ship with the bridge (src/bridge/intent-model/weights.json), read once. */
export function shippedIntentWeights(): IntentWeights {
  shipped ??= IntentWeightsSchema.parse(
    JSON.parse(readFileSync(new URL("./weights.json", import.meta.url), "utf8")),
  );
  return shipped;
}
