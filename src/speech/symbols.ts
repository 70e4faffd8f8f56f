/**
 * Symbols a screen reader says as names ("ampersand", "slash", "greater than") where a person
 * says a word. Runs after numbers.ts, which handles the symbols that belong to numbers.
 */

const REPLACEMENTS: readonly [RegExp, string][] = [
  [/\s*(?:->|→|=>|⇒|⟶)\s*/g, " to "],
  [/\s*(?:<-|←)\s*/g, " from "],
  [/\s*&&\s*/g, " and "],
  [/\s*\|\|\s*/g, " or "],
  [/\s&\s|&/g, " and "],
  // A dollar sign not before a number (shell, templates) is not money.
  [/\$(?!\s?\d)/g, " "],
  [/(\p{L})\/(\p{L})/gu, "$1 or $2"],
  [/\s\+\s/g, " plus "],
  [/\s[·•]\s/g, ", "],
  [/\be\.g\.,?\s/gi, "for example, "],
  [/\bi\.e\.,?\s/gi, "that is, "],
  [/\bw\/(?=\s)/gi, "with"],
  [/\bvs\.?\s/gi, "versus "],
  [/\betc\.(?=\s+\p{Lu})/gu, "and so on."],
  [/\betc\.?/gi, "and so on"],
];

/** Replaces symbols and screen abbreviations by the words a person would say. */
export function speakSymbols(s: string): string {
  let t = s;
  for (const [re, to] of REPLACEMENTS) t = t.replace(re, to);
  return t;
}
