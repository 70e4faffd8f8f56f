import { z } from "zod";

/** Every value an array of `width` integers: a plain loop (zod per element costs ~45 ms at start). */
function isFeatureTable(v: unknown): v is Record<string, number[]> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  for (const q of Object.values(v)) {
    if (!Array.isArray(q)) return false;
    for (const x of q) if (!Number.isInteger(x)) return false;
  }
  return true;
}

/**
 * The trained classifier as stored in weights.json (written by `npm run train:router`): per feature,
 * one small integer per label; a weight is that integer times `scale`.
 */
export const IntentWeightsSchema = z
  .object({
    format: z.literal(1),
    labels: z.array(z.string()).min(2),
    scale: z.number().positive(),
    /** sha256 of the training utterances (label and text, in file order): stale weights are caught. */
    data: z.string(),
    examples: z.number().int().nonnegative(),
    features: z.custom<Record<string, number[]>>(isFeatureTable, "every feature is an array of integers"),
  })
  .refine((w) => Object.values(w.features).every((q) => q.length === w.labels.length), {
    message: "every feature has one weight per label",
  });

export type IntentWeights = z.infer<typeof IntentWeightsSchema>;
