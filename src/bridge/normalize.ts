/**
 * Text normalisation for the intent router: lower case, contractions expanded, speech-to-text
 * spellings folded, punctuation dropped, filler words removed. Pure and allocation-light: a handful
 * of regex replacements over a short string.
 */

const APOSTROPHES = /[\u2018\u2019\u02bc\u0060\u00b4]/g;
// `what's` → `what is` for the words where 's means "is"; other 's (today's, wife's) just lose the mark.
const IS_CONTRACTION = /\b(what|who|how|it|that|there|where|when|here|this|he|she|everything|nothing)'s\b/g;
const NT = /\b(ca|wo|do|does|did|is|are|was|were|have|has|had|could|would|should|must|need)n't\b/g;
const RE = /'re\b/g;
const VE = /'ve\b/g;
const LL = /'ll\b/g;
const D = /'d\b/g;
const IM = /\bi'm\b/g;
const POSSESSIVE = /'s\b/g;
// Speech-to-text often drops the apostrophe entirely.
const BARE: Record<string, string> = {
  whats: "what is",
  hows: "how is",
  whos: "who is",
  thats: "that is",
  theres: "there is",
  wheres: "where is",
  whens: "when is",
  im: "i am",
  dont: "do not",
  doesnt: "does not",
  didnt: "did not",
  cant: "can not",
  cannot: "can not",
  wont: "will not",
  isnt: "is not",
  arent: "are not",
  youre: "you are",
  ive: "i have",
  ok: "okay",
  alright: "all right",
  goodbye: "goodbye",
  gonna: "going to",
  wanna: "want to",
  gotta: "got to",
  ya: "you",
  wat: "what",
  wot: "what",
  wots: "what is",
  whit: "what",
  doin: "doing",
  goin: "going",
  minits: "minutes",
  minuets: "minutes",
  thyme: "time",
  its: "it is",
  u: "you",
  ur: "your",
  r: "are",
  thx: "thanks",
  pls: "please",
  plz: "please",
};
const BARE_RE = new RegExp(`\\b(${Object.keys(BARE).join("|")})\\b`, "g");
const NON_WORD = /[^a-z0-9 ]+/g;
const SPACES = /\s+/g;
// "heyyy", "sooo": no English word has a letter three times in a row.
const DRAWN_OUT = /([a-z])\1{2,}/g;
// Filler words anywhere, and "please" (politeness carries no intent).
const FILLERS = /\b(?:um+|uh+|uhm+|erm*|hmm+|mm+|ah+|eh|please|kindly)\b/g;
// Discourse markers at the start ("okay so what time is it").
const LEADING =
  /^(?:(?:okay|all right|so|well|oh|and|hey so|yeah|yes|right|now|actually|sorry to bother you)\s+)+/;
// Speech-to-text spellings of product words.
const STT: [RegExp, string][] = [
  [/\b(?:crown|chron|kron|crone|corn|cron|khan)\s?jobs?\b/g, "cron jobs"],
  [/\bcronjobs?\b/g, "cron jobs"],
  [/\bcrons\b/g, "cron jobs"],
  [/\bgood bye\b/g, "goodbye"],
  [/\b(?:bye bye|buh bye|bye-bye|by by|bye by)\b/g, "bye"],
  [/\bgood night\b/g, "goodnight"],
  [/\bto day\b/g, "today"],
  [/\bto-do\b/g, "to do"],
  [/\bclaw call\b/g, "clawcall"],
  // "uh huh", "mm hmm": a yes, not a filler followed by "huh?" (which asks to repeat).
  [/\b(?:uh huh|mm hmm|mhm|uh hum)\b/g, "yes"],
  [/\bby bye\b/g, "bye"],
  [/\btimes it\b/g, "time is it"],
  [/\bwhat times\b/g, "what time is"],
  [/\bcrown schedule\b/g, "cron schedule"],
];

// "am i am i talking to": a false start said twice.
const STUTTER_PAIR = /\b([a-z]+ [a-z]+)( \1\b)+/g;
const STUTTER = /\b(what|when|who|how|is|the|my|i|can|do|are|did|it)( \1\b)+/g;

/** Normalises an utterance for matching. Returns "" for speech with no words. */
export function normalize(input: string): string {
  return dropLeadingMarkers(normalizeKeepingLead(input));
}

/**
 * The discourse markers normalize() drops from the start of an utterance, as words: "okay then" and
 * "and then" both leave "then", yet one is a yes and the other asks the assistant to go on.
 */
export function leadingMarkers(input: string): string[] {
  return leadingMarkersOf(normalizeKeepingLead(input));
}

/** The last step of normalize(): "okay so what time is it" → "what time is it" (never to ""). */
export function dropLeadingMarkers(whole: string): string {
  const stripped = whole.replace(LEADING, "");
  return stripped === "" ? whole : stripped;
}

/** What dropLeadingMarkers() takes off, as words. */
export function leadingMarkersOf(whole: string): string[] {
  const lead = LEADING.exec(whole)?.[0] ?? "";
  return lead === "" || lead.length >= whole.length ? [] : lead.trim().split(" ");
}

/** normalize() less its last step, for a caller that wants both the result and the markers. */
export function normalizeKeepingLead(input: string): string {
  let s = input.toLowerCase();
  if (s.length > 400) s = s.slice(0, 400);
  s = s.replace(APOSTROPHES, "'");
  if (s.includes("'")) {
    s = s
      .replace(IM, "i am")
      .replace(IS_CONTRACTION, "$1 is")
      .replace(NT, (_m, w: string) => `${w === "ca" ? "can" : w === "wo" ? "will" : w} not`)
      .replace(RE, " are")
      .replace(VE, " have")
      .replace(LL, " will")
      .replace(D, " would")
      .replace(POSSESSIVE, "s");
  }
  s = s.replace(NON_WORD, " ").replace(DRAWN_OUT, "$1");
  s = s.replace(BARE_RE, (w) => BARE[w] ?? w);
  for (const [re, to] of STT) s = s.replace(re, to);
  s = s.replace(FILLERS, " ").replace(SPACES, " ").trim();
  // Speech-to-text stutters: "what what time is it" (not "bye bye", folded above, or "no no").
  return s.replace(STUTTER, "$1").replace(STUTTER_PAIR, "$1");
}
