/**
 * The one speech shaper: every string the caller hears goes through `shapeSpeech` (the bridge's
 * replies, the listener's CLI mode). Each step lives in its own module; the order matters:
 * reasoning goes before anything could leak out of it, characters before patterns that would be
 * broken by them, code before markdown (code is full of markup characters), tables and links
 * before the markup characters they are made of, numbers before sentences are split on their dots.
 */
import { dropUnspeakableCharacters } from "./characters.js";
import { replaceCode } from "./code.js";
import { speakLinks } from "./links.js";
import { dropBlockMarkup, dropInlineMarkup } from "./markdown.js";
import { speakNumbers } from "./numbers.js";
import { isPlain } from "./plain.js";
import { dropReasoning } from "./reasoning.js";
import { linesToSentences, sentence, splitSentences, tidy } from "./sentences.js";
import { speakSymbols } from "./symbols.js";
import { tellTables } from "./tables.js";
import { GO_ON_OFFER, takeWords, wordCount } from "./words.js";

/** Longest input read: a model that writes a book is cut before the regexes see it. */
const MAX_INPUT_CHARS = 20_000;

export interface ShapeOptions {
  /** Word budget; past it the text is cut at a sentence and the rest kept. Default: no budget. */
  words?: number;
  /** Say the go-on offer after a cut (off where the listener cannot say "go on", e.g. third parties). */
  offer?: boolean;
  /**
   * A sentence that must be heard after the answer even when the budget cuts it (a pointer to
   * news waiting): said after the part that fits, before the offer, and counted in the budget.
   */
  after?: string;
}

export interface Shaped {
  /** What the caller hears now ("" when nothing speakable was left). */
  spoken: string;
  /** What the budget held back, already shaped ("" when nothing). */
  rest: string;
  /** The whole answer shaped, without the budget (what "repeat" says). */
  whole: string;
}

/** The whole text made speakable, without a word budget. */
export function speakableText(input: string): string {
  return speakableSentences(input).join(" ");
}

/** The whole text made speakable, as its sentences; plain text (plain.ts) skips the steps. */
function speakableSentences(input: string): string[] {
  if (typeof input !== "string" || input === "") return [];
  if (input.length < 2_000 && isPlain(input)) return splitSentences(sentence(input));
  return everyStep(input);
}

/** Every step, in order (exported so tests can hold the plain-text shortcut to it). */
export function everyStep(input: string): string[] {
  let t = input.length > MAX_INPUT_CHARS ? input.slice(0, MAX_INPUT_CHARS) : input;
  t = dropReasoning(t);
  t = dropUnspeakableCharacters(t);
  t = replaceCode(t);
  t = tellTables(t);
  t = speakLinks(t);
  t = dropBlockMarkup(t);
  t = speakNumbers(t);
  t = speakSymbols(t);
  t = dropInlineMarkup(t);
  t = linesToSentences(t);
  t = tidy(t);
  return splitSentences(t);
}

/** Shapes text for the phone: speakable, and cut to the word budget at a sentence boundary. */
export function shapeSpeech(input: string, o: ShapeOptions = {}): Shaped {
  const sentences = speakableSentences(input);
  const whole = sentences.join(" ");
  const after = o.after ? speakableText(o.after) : "";
  const withAfter = (t: string) => (after && t ? `${t} ${after}` : t);
  if (o.words === undefined || whole === "") return { spoken: withAfter(whole), rest: "", whole };
  // The sentence after the answer takes its words from the budget, leaving the answer at least ten.
  const words = Math.max(10, o.words - wordCount(after));
  const { head, rest } = takeWords(sentences, words);
  if (rest.length === 0) return { spoken: withAfter(head.join(" ")), rest: "", whole };
  const said = withAfter(head.join(" "));
  const spoken = o.offer === false ? said : `${said} ${GO_ON_OFFER}`;
  return { spoken, rest: rest.join(" "), whole };
}

/**
 * The floor for text another program already shaped (the listener's HTTP mode: the bridge shaped
 * it): only characters a voice cannot say go, and an answer past `maxWords` is cut at a sentence.
 * Anything else is left as that program wrote it.
 */
export function speechFloor(input: string, maxWords: number): string {
  if (typeof input !== "string") return "";
  const t = dropUnspeakableCharacters(input.slice(0, MAX_INPUT_CHARS)).replace(/\s+/g, " ").trim();
  if (t === "") return "";
  const sentences = splitSentences(t);
  const { head, rest } = takeWords(sentences, maxWords);
  return rest.length === 0 ? t : head.join(" ");
}
