/**
 * The shaper's rules as an executable check. Every string the caller hears must pass it; tests run
 * it on every spoken reply, so a new path that skips the shaper is caught by any test that reaches
 * it. `speechProblems` says which rule failed (test messages); `isSpeakable` is the yes or no.
 */
import { hasUnspeakableCharacter } from "./characters.js";
import { hasLinkOrPath } from "./links.js";
import { hasMarkup } from "./markdown.js";
import { hasReasoning } from "./reasoning.js";
import { GO_ON_OFFER, wordCount } from "./words.js";

export interface SpeakableOptions {
  /** The word budget the text must fit (the go-on offer is not counted). Default: no limit. */
  maxWords?: number;
}

/** Every rule the text breaks, in words; empty when it is fit to be spoken. */
export function speechProblems(text: string, o: SpeakableOptions = {}): string[] {
  const p: string[] = [];
  if (typeof text !== "string" || text.trim() === "") return ["nothing to say"];
  if (text !== text.trim()) p.push("leading or trailing space");
  if (/\n/.test(text)) p.push("a line break");
  if (/\s{2,}/.test(text)) p.push("a run of spaces");
  if (hasUnspeakableCharacter(text)) p.push("a control, invisible, ANSI or emoji character");
  if (hasReasoning(text)) p.push("reasoning markup");
  if (hasMarkup(text)) p.push("markup or a citation token");
  if (hasLinkOrPath(text)) p.push("a URL or a file path");
  if (/\b(?:0\d|1[3-9]|2[0-3]):[0-5]\d\b(?!\s*[AP]M)/.test(text)) p.push("a 24-hour time");
  if (/\b\d{4}-\d{2}-\d{2}\b/.test(text)) p.push("an ISO date");
  if (!/[.!?]["'”’)]?$/.test(text.trim())) p.push("does not end on a full sentence");
  if (!/[\p{L}]/u.test(text)) p.push("no words");
  if (o.maxWords !== undefined) {
    const body = text.endsWith(GO_ON_OFFER) ? text.slice(0, -GO_ON_OFFER.length) : text;
    const n = wordCount(body);
    if (n > o.maxWords) p.push(`${n} words, over the budget of ${o.maxWords}`);
  }
  return p;
}

/** True when the text breaks none of the shaper's rules. */
export function isSpeakable(text: string, o: SpeakableOptions = {}): boolean {
  return speechProblems(text, o).length === 0;
}
