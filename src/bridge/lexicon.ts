/**
 * The router's second pass: an intent's words as a closed vocabulary. An utterance is the intent when
 * every word of it belongs to the intent's phrases, one of them is an anchor (the subject: "minutes",
 * "reminders") and, where the intent asks for one, one is a cue (the asking: "what", "how many").
 * Any word outside the vocabulary ("set a timer for five minutes") sends the turn to the model, so
 * word order and phrasing may vary freely while the subject cannot.
 */

import type { Intent } from "./intents/types.js";

/** An intent's words, as data (src/bridge/intents/*.ts). Phrases are normalised text (normalize.ts). */
export interface Lexicon {
  /** At least one of these must be said: what the utterance is about. */
  readonly anchors: readonly string[];
  /** When given, at least one of these must be said too: what makes it a question, not an order. */
  readonly cues?: readonly string[];
  /** Everything else that may accompany an anchor. */
  readonly words: readonly string[];
  /** The longest utterance, in words, this pass answers (default 14): long turns carry more. */
  readonly maxWords?: number;
}

/** How a caller asks anything ("could you tell me ..."): intents that take questions spread it in. */
export const ASKING: readonly string[] = ["tell me", "tell", "me", "can you", "could you", "would you"];

/** The days of the week, for intents that take "is it Friday" or "on Monday". */
export const WEEKDAYS: readonly string[] = [
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday",
];

/** Words any intent may carry: fillers speech-to-text keeps and asides that change no question. */
const GLUE = [
  "just",
  "actually",
  "really",
  "like",
  "you know",
  "i mean",
  "real quick",
  "quickly",
  "quick",
  "by the way",
  "so",
  "well",
  "oh",
  "hey",
  "sorry",
  "now then",
  // vocatives: "what time is it mate", "you okay love"
  "mate",
  "buddy",
  "love",
  "dear",
  "bro",
  "dude",
  "pal",
  "my guy",
  "my friend",
  "sir",
  "madam",
  "ma am",
  "y all",
];

const ANCHOR = 1;
const CUE = 2;
const WORD = 4;
/** `lexiconFit`'s "no reading": more unknown words than any budget allows. */
const NONE = 255;

export interface CompiledLexicon {
  readonly roles: ReadonlyMap<string, number>;
  readonly needsCue: boolean;
  readonly maxWords: number;
  /** The longest phrase, in words: phrases are matched longest first. */
  readonly longest: number;
}

/** Each intent that has a vocabulary, with it compiled, in the intents' order. */
export function compileIntentLexicons(intents: readonly Intent[]): [Intent, CompiledLexicon][] {
  return intents.flatMap((i) =>
    i.lexicon ? [[i, compileLexicon(i.lexicon)] as [Intent, CompiledLexicon]] : [],
  );
}

export function compileLexicon(lex: Lexicon): CompiledLexicon {
  const roles = new Map<string, number>();
  let longest = 1;
  const add = (list: readonly string[], role: number) => {
    for (const p of list) {
      longest = Math.max(longest, p.split(" ").length);
      roles.set(p, (roles.get(p) ?? 0) | role);
    }
  };
  add(GLUE, WORD);
  add(lex.words, WORD);
  add(lex.cues ?? [], CUE);
  add(lex.anchors, ANCHOR);
  // A phrase that holds a cue asks by itself: "what can you do" is an anchor and a question.
  for (const [phrase, role] of roles) {
    const w = phrase.split(" ");
    for (let a = 0; a < w.length && !(roles.get(phrase)! & CUE); a++) {
      for (let b = a + 1; b <= w.length; b++) {
        if (b - a === w.length) continue;
        if ((roles.get(w.slice(a, b).join(" ")) ?? 0) & CUE) roles.set(phrase, role | CUE);
      }
    }
  }
  return { roles, needsCue: (lex.cues?.length ?? 0) > 0, maxWords: lex.maxWords ?? 14, longest };
}

/**
 * Whether the words (a normalised utterance split on spaces) can be read as this lexicon's phrases,
 * with an anchor and, when asked for, a cue. Every way of cutting the words into phrases is tried
 * (a few dozen steps), so "what time" may be the anchor while "what" is the cue; a word that is only
 * part of a phrase ("set" of "set up") is still unknown on its own.
 */
export function lexiconAccepts(lex: CompiledLexicon, words: readonly string[]): boolean {
  if (words.length === 0 || words.length > lex.maxWords) return false;
  return lexiconFit(lex, words, 0).complete === 0;
}

/** How near an utterance comes to a lexicon: the fewest words outside it, with and without the cue. */
export interface LexiconFit {
  /** Unknown words in the best reading that has an anchor (and a cue, where needed); Infinity if none. */
  readonly complete: number;
  /** Unknown words in the best reading that has at least an anchor; Infinity if no anchor is said. */
  readonly anchored: number;
}

/**
 * The same cuts as `lexiconAccepts`, counting unknown words (up to `maxUnknown`; readings with more
 * are dropped): the intent model's evidence that "what is the thyme over there" is nearly a time question.
 */
export function lexiconFit(lex: CompiledLexicon, words: readonly string[], maxUnknown = 3): LexiconFit {
  const n = words.length;
  // best[i * 4 + m]: fewest unknown words in a cut of words[0..i) whose phrases saw roles m (NONE: no cut).
  const best = new Uint8Array((n + 1) * 4).fill(NONE);
  best[0] = 0;
  for (let i = 0; i < n; i++) {
    for (let m = 0; m < 4; m++) {
      const b = best[i * 4 + m] as number;
      if (b === NONE) continue;
      const skip = (i + 1) * 4 + m;
      if (b < maxUnknown && b + 1 < (best[skip] as number)) best[skip] = b + 1;
      let phrase = "";
      for (let len = 1; len <= lex.longest && i + len <= n; len++) {
        phrase = len === 1 ? (words[i] as string) : `${phrase} ${words[i + len - 1]}`;
        const role = lex.roles.get(phrase);
        if (role === undefined) continue;
        const at = (i + len) * 4 + (m | (role & (ANCHOR | CUE)));
        if (b < (best[at] as number)) best[at] = b;
      }
    }
  }
  const end = n * 4;
  const count = (v: number) => (v === NONE ? Number.POSITIVE_INFINITY : v);
  const both = count(best[end + (ANCHOR | CUE)] as number);
  const anchored = Math.min(count(best[end + ANCHOR] as number), both);
  return { complete: lex.needsCue ? both : anchored, anchored };
}
