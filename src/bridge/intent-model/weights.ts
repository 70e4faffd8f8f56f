import { z } from "zod";

/** The trained classifier in memory (what trainIntentWeights() returns). */
export interface IntentWeights {
  readonly format: 1;
  readonly labels: readonly string[];
  /** A weight is its integer times this. */
  readonly scale: number;
  /** sha256 of the training utterances (label and text, in file order): stale weights are caught. */
  readonly data: string;
  readonly examples: number;
  /** Per feature, one small integer (-127..127) per label. */
  readonly features: Readonly<Record<string, readonly number[]>>;
}

/**
 * weights.json, as `npm run train:router` writes it: the feature names one per line in one string and
 * their weights as signed bytes in one base64 string (row by row, a label per byte). Two strings parse
 * into almost no garbage, where 13,000 small arrays cost the bridge some megabytes of memory at start.
 */
export const StoredIntentWeightsSchema = z
  .object({
    format: z.literal(2),
    labels: z.array(z.string()).min(2),
    scale: z.number().positive(),
    data: z.string(),
    examples: z.number().int().nonnegative(),
    features: z.string(),
    weights: z.base64(),
  })
  .refine((s) => Buffer.byteLength(s.weights, "base64") === featureCount(s) * s.labels.length, {
    message: "one weight per feature and label",
  });

export type StoredIntentWeights = z.infer<typeof StoredIntentWeightsSchema>;

/** How many features a stored table names, counted without splitting the string. */
export function featureCount(stored: { readonly features: string }): number {
  if (stored.features === "") return 0;
  let n = 1;
  for (let i = stored.features.indexOf("\n"); i >= 0; i = stored.features.indexOf("\n", i + 1)) n++;
  return n;
}

export function featureNames(stored: { readonly features: string }): string[] {
  return stored.features === "" ? [] : stored.features.split("\n");
}

/** The bytes of a stored table: row i, label c at i * labels + c. */
export function storedBytes(stored: StoredIntentWeights): Int8Array {
  const b = Buffer.from(stored.weights, "base64");
  return new Int8Array(b.buffer, b.byteOffset, b.length);
}

export function encodeIntentWeights(w: IntentWeights): StoredIntentWeights {
  const names = Object.keys(w.features);
  const bytes = new Int8Array(names.length * w.labels.length);
  names.forEach((f, i) => {
    (w.features[f] as readonly number[]).forEach((q, c) => {
      if (!Number.isInteger(q) || q < -127 || q > 127)
        throw new RangeError(`weight ${q} of ${f} is not a signed byte`);
      bytes[i * w.labels.length + c] = q;
    });
  });
  const { features: _, format: __, ...head } = w;
  return {
    format: 2,
    ...head,
    labels: [...w.labels],
    features: names.join("\n"),
    weights: Buffer.from(bytes.buffer).toString("base64"),
  };
}

export function decodeIntentWeights(stored: StoredIntentWeights): IntentWeights {
  const bytes = storedBytes(stored);
  const L = stored.labels.length;
  const features: Record<string, number[]> = {};
  featureNames(stored).forEach((f, i) => {
    features[f] = Array.from(bytes.subarray(i * L, (i + 1) * L));
  });
  const { weights: _, format: __, ...head } = stored;
  return { ...head, format: 1, features };
}
