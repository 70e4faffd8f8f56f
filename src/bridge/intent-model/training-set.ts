import { INTENTS } from "../intents/index.js";
import { compileIntentLexicons } from "../lexicon.js";
import { dropLeadingMarkers, leadingMarkersOf, normalize, normalizeKeepingLead } from "../normalize.js";
import { classifierWords, clausesOf, intentFeatures } from "./features.js";
import { type TrainingExample, trainingDataHash } from "./train.js";

/** The agents' names the labelled phrasings use (test/fixtures/router/README.md): each is the agent. */
const DATA_AGENT_NAMES = /\b(?:nova|pinchy|juniper|max|claw|atlas|echo|sage)\b/g;

/** The router's intent lexicons, compiled, in the router's order: the classifier's features need them. */
export function intentLexicons() {
  return compileIntentLexicons(INTENTS).map(([i, lex]) => [i.name as string, lex] as const);
}

/** Labelled utterances → what trainIntentWeights() takes, and the data's fingerprint. */
export function trainingSet(cases: readonly { readonly text: string; readonly intent: string }[]): {
  labels: string[];
  examples: TrainingExample[];
  hash: string;
} {
  const lexicons = intentLexicons();
  const labels = ["none", ...INTENTS.map((i) => i.name as string)];
  const examples = cases.map((c) => {
    // Normalised once, as the router does: the words without the leading markers, and the markers.
    const whole = normalizeKeepingLead(c.text);
    return {
      label: c.intent,
      features: intentFeatures(
        classifierWords(dropLeadingMarkers(whole), DATA_AGENT_NAMES),
        lexicons,
        clausesOf(c.text, normalize, DATA_AGENT_NAMES),
        leadingMarkersOf(whole),
      ),
    };
  });
  return { labels, examples, hash: labelledDataHash(cases) };
}

/** The fingerprint of labelled utterances the shipped weights record (weights.json's `data`). */
export function labelledDataHash(
  cases: readonly { readonly text: string; readonly intent: string }[],
): string {
  return trainingDataHash(cases.map((c) => ({ label: c.intent, text: c.text })));
}
