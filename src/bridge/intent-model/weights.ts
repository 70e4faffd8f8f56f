import { z } from "zod";

/**
 * The trained classifier as stored in weights.json (written by `npm run train:router`): per feature,
 * one small integer per label; a weight is that integer times `scale`.
 */
export const IntentWeightsSchema = z.object({
  format: z.literal(1),
  labels: z.array(z.string()).min(2),
  scale: z.number().positive(),
  /** sha256 of the training utterances (label and text, in file order): stale weights are caught. */
  data: z.string(),
  examples: z.number().int().nonnegative(),
  features: z.record(z.string(), z.array(z.number().int())),
});

export type IntentWeights = z.infer<typeof IntentWeightsSchema>;
