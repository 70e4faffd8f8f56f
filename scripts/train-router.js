// `npm run train:router`: trains the router's intent classifier on the labelled tuning parts in
// test/fixtures/router/ (never the held-out parts) and writes src/bridge/intent-model/weights.json.
// Deterministic: the same data gives the same file. Run after changing the data, an intent's
// vocabulary or the features; the router's unit test says when the weights are stale.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { trainIntentWeights } from "../dist/bridge/intent-model/train.js";
import { trainingSet } from "../dist/bridge/intent-model/training-set.js";
import { encodeIntentWeights } from "../dist/bridge/intent-model/weights.js";

const dir = new URL("../test/fixtures/router/", import.meta.url);
const files = readdirSync(dir)
  .filter((f) => /^tuning.*\.jsonl$/.test(f))
  .sort();
const cases = files.flatMap((f) =>
  readFileSync(new URL(f, dir), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l)),
);
const started = performance.now();
const set = trainingSet(cases);
const weights = trainIntentWeights(set.labels, set.examples, set.hash);
const out = new URL("../src/bridge/intent-model/weights.json", import.meta.url);
writeFileSync(out, `${JSON.stringify(encodeIntentWeights(weights), null, 2)}\n`);
console.log(
  `trained on ${cases.length} utterances (${files.join(", ")}) in ${((performance.now() - started) / 1000).toFixed(1)} s: ${Object.keys(weights.features).length} features → ${out.pathname}`,
);
