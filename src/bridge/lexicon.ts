/**
 * The router's second pass: an intent's words as a closed vocabulary. An utterance is the intent when
 * every word of it belongs to the intent's phrases, one of them is an anchor (the subject: "minutes",
 * "reminders") and, where the intent asks for one, one is a cue (the asking: "what", "how many").
 * Any word outside the vocabulary ("set a timer for five minutes") sends the turn to the model, so
 * word order and phrasing may vary freely while the subject cannot.
 */

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
];

const ANCHOR = 1;
const CUE = 2;
const WORD = 4;

export interface CompiledLexicon {
  readonly roles: ReadonlyMap<string, number>;
  readonly needsCue: boolean;
  readonly maxWords: number;
  /** The longest phrase, in words: phrases are matched longest first. */
  readonly longest: number;
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
  return { roles, needsCue: (lex.cues?.length ?? 0) > 0, maxWords: lex.maxWords ?? 14, longest };
}

/**
 * Whether the words (a normalised utterance split on spaces) are all this lexicon's, with an
 * anchor and, when asked for, a cue. Greedy longest phrase first, so "set up" is one phrase where a
 * lexicon has it and "set" alone stays unknown.
 */
export function lexiconAccepts(lex: CompiledLexicon, words: readonly string[]): boolean {
  if (words.length === 0 || words.length > lex.maxWords) return false;
  let seen = 0;
  let i = 0;
  while (i < words.length) {
    let role = 0;
    for (let len = Math.min(lex.longest, words.length - i); len > 0; len--) {
      const phrase = len === 1 ? words[i] : words.slice(i, i + len).join(" ");
      const r = lex.roles.get(phrase as string);
      if (r !== undefined) {
        role = r;
        i += len;
        break;
      }
    }
    if (role === 0) return false;
    seen |= role;
  }
  return (seen & ANCHOR) !== 0 && (!lex.needsCue || (seen & CUE) !== 0);
}
