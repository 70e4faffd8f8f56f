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

/** Phrases as a tree of words: "what time" is the node "time" under "what", holding its role (0: none). */
interface PhraseNode {
  role: number;
  next: Map<string, PhraseNode> | undefined;
}

export interface CompiledLexicon {
  readonly phrases: PhraseNode;
  readonly needsCue: boolean;
  readonly maxWords: number;
  /** Every word of every phrase: the words outside it are unknown in any reading. */
  readonly known: ReadonlySet<string>;
}

/** Each intent that has a vocabulary, with it compiled, in the intents' order. */
export function compileIntentLexicons(intents: readonly Intent[]): [Intent, CompiledLexicon][] {
  return intents.flatMap((i) =>
    i.lexicon ? [[i, compileLexicon(i.lexicon)] as [Intent, CompiledLexicon]] : [],
  );
}

export function compileLexicon(lex: Lexicon): CompiledLexicon {
  const roles = new Map<string, number>();
  const add = (list: readonly string[], role: number) => {
    for (const p of list) roles.set(p, (roles.get(p) ?? 0) | role);
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
  const phrases: PhraseNode = { role: 0, next: undefined };
  const known = new Set<string>();
  for (const [phrase, role] of roles) {
    let node = phrases;
    for (const w of phrase.split(" ")) {
      known.add(w);
      node.next ??= new Map();
      const child = node.next.get(w) ?? { role: 0, next: undefined };
      node.next.set(w, child);
      node = child;
    }
    node.role |= role;
  }
  return { phrases, needsCue: (lex.cues?.length ?? 0) > 0, maxWords: lex.maxWords ?? 14, known };
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
  // Words no phrase holds are unknown in every reading: counting them first spares most searches
  // (the classifier asks 13 intents per turn, and most utterances are far from most of them).
  let outside = 0;
  for (const w of words) if (!lex.known.has(w) && ++outside > maxUnknown) return NO_FIT;
  // best[i * 4 + m]: fewest unknown words in a cut of words[0..i) whose phrases saw roles m (NONE: no cut).
  const best = new Uint8Array((n + 1) * 4).fill(NONE);
  best[0] = 0;
  for (let i = 0; i < n; i++) {
    const from = i * 4;
    if (Math.min(best[from]!, best[from + 1]!, best[from + 2]!, best[from + 3]!) === NONE) continue;
    for (let m = 0; m < 4; m++) {
      const b = best[from + m] as number;
      if (b < maxUnknown && b + 1 < (best[from + 4 + m] as number)) best[from + 4 + m] = b + 1;
    }
    // Each phrase that starts here, walked down the tree once for all four m.
    let node: PhraseNode | undefined = lex.phrases;
    for (let end = i + 1; end <= n; end++) {
      node = node.next?.get(words[end - 1] as string);
      if (!node) break;
      if (node.role === 0) continue;
      const seen = node.role & (ANCHOR | CUE);
      for (let m = 0; m < 4; m++) {
        const b = best[from + m] as number;
        const at = end * 4 + (m | seen);
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

const NO_FIT: LexiconFit = { complete: Number.POSITIVE_INFINITY, anchored: Number.POSITIVE_INFINITY };
