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
  const n = words.length;
  if (n === 0 || n > lex.maxWords) return false;
  // reach[i]: a 4-bit set of the role masks (anchor/cue seen so far) some cut of words[0..i) gives.
  const reach = new Uint8Array(n + 1);
  reach[0] = 1;
  for (let i = 0; i < n; i++) {
    const from = reach[i] as number;
    if (from === 0) continue;
    let phrase = "";
    for (let len = 1; len <= lex.longest && i + len <= n; len++) {
      phrase = len === 1 ? (words[i] as string) : `${phrase} ${words[i + len - 1]}`;
      const role = lex.roles.get(phrase);
      if (role === undefined) continue;
      const seen = role & (ANCHOR | CUE);
      for (let m = 0; m < 4; m++)
        if (from & (1 << m)) reach[i + len] = (reach[i + len] as number) | (1 << (m | seen));
    }
  }
  const end = reach[n] as number;
  const needed = lex.needsCue ? ANCHOR | CUE : ANCHOR;
  for (let m = 0; m < 4; m++) if (end & (1 << m) && (m & needed) === needed) return true;
  return false;
}
