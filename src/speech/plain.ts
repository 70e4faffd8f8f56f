/**
 * Text no rule would change: letters, digits, spaces and sentence punctuation, nothing any step of
 * the shaper acts on. Most fast-path answers are like this ("I'm Pinchy, Sam's AI assistant."), so
 * the shaper skips its steps for them and only splits sentences: the bridge answers a fast question
 * in a few microseconds instead of fifteen. test/speech/plain.test.ts holds this to the full pipeline.
 */

// Characters only: anything else (markup, symbols, currency, emoji, controls, newlines) goes the long way.
const PLAIN_CHARS = /^[\p{L}\p{N} .,!?'’"“”():;-]*$/u;
// Plain characters that some step still changes: 24-hour times, ranges and ISO dates, "3 x 4",
// abbreviations said in words, "www." hosts, list numbers at the start, "(source: 3)" citations,
// runs of punctuation, spacing that tidy() repairs, a trailing colon.
const CHANGED =
  /\b(?:0\d|1[3-9]|2[0-4]):|\d\s?[-–]\s?\d|\d\s?x\s?\d|\b(?:e\.g|i\.e|vs|etc|www)\b|^\s*\d{1,3}[.)]\s|^\s*-\s|\((?:source|ref|cite)|[.!?:;,]\s*[.!?,;:]|\s\s|^\s|\s$|\s[.,!?;:)]|\(\s|\(\)|[,;:][^\s\d]|---|:\s*$|^[^\p{L}\p{N}"“('’]/iu;

/** True when shaping would leave the text as it is, but for sentence splitting and a final stop. */
export function isPlain(s: string): boolean {
  return PLAIN_CHARS.test(s) && !CHANGED.test(s);
}
