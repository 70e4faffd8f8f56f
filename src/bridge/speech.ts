/**
 * Making text speakable: the relay reads `response` aloud with Polly, so markdown, URLs, emoji,
 * control characters and long lists must go, and the length is capped well under the relay's
 * ~3,000 character limit.
 */

/** Soft cap: cut at a sentence boundary before this many characters. */
export const SPOKEN_SOFT_CAP = 600;
/** Hard cap: never send more than this. */
export const SPOKEN_HARD_CAP = 1_000;

const CODE_BLOCK = /```[\s\S]*?(?:```|$)/g;
const INLINE_CODE = /`([^`]*)`/g;
const MD_LINK = /!?\[([^\]]*)\]\([^)]*\)/g;
const URL = /\b(?:https?:\/\/|www\.)[^\s<>()]+/gi;
const EMAIL_LINK = /<(?:mailto:)?([^>\s]+@[^>\s]+)>/g;
const HTML_TAG = /<\/?[a-z][^>]*>/gi;
const HEADING = /^\s{0,3}#{1,6}\s+/gm;
const BULLET = /^\s*(?:[-*+•]|\d+[.)])\s+/gm;
const EMPHASIS = /(\*\*|__|\*|_|~~)(?=\S)([\s\S]*?\S)\1/g;
const TABLE_RULE = /^\s*\|?[\s:-]+\|[\s|:-]*$/gm;
const PIPES = /\s*\|\s*/g;
const BLOCKQUOTE = /^\s*>\s?/gm;
const HR = /^\s*(?:[-*_]\s*){3,}$/gm;
// Emoji, pictographs, variation selectors, zero-width joiners, keycaps, flags.
const EMOJI =
  /\p{Extended_Pictographic}|\p{Regional_Indicator}|[\u{1F3FB}-\u{1F3FF}]|\u{FE0F}|\u{FE0E}|\u{200D}|\u{20E3}/gu;
// C0/C1 controls (newlines become sentence breaks first), bidi overrides, BOM.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFEFF]/g;
const NEWLINES = /\s*\n+\s*/g;
const STRAY = /[*_#`~^<>{}[\]\\|]+/g;
const SPACES = /[ \t\u00A0]+/g;

/** Strips markdown, URLs, emoji and control characters; collapses whitespace; caps the length. */
export function speakable(input: string, softCap = SPOKEN_SOFT_CAP): string {
  if (typeof input !== "string") return "";
  let s = input.length > 20_000 ? input.slice(0, 20_000) : input;
  s = s.replace(/\r\n?/g, "\n");
  s = s.replace(CODE_BLOCK, " ");
  s = s.replace(MD_LINK, "$1");
  s = s.replace(EMAIL_LINK, "$1");
  s = s.replace(URL, "");
  s = s.replace(HTML_TAG, " ");
  s = s.replace(INLINE_CODE, "$1");
  s = s.replace(TABLE_RULE, "");
  s = s.replace(HR, "");
  s = s.replace(HEADING, "");
  s = s.replace(BLOCKQUOTE, "");
  s = s.replace(BULLET, "\n");
  s = s.replace(EMPHASIS, "$2");
  s = s.replace(EMOJI, "");
  s = s.replace(CONTROL, "");
  s = s.replace(PIPES, ", ");
  // Lines become sentences: a full stop where a line (but the last) ends without punctuation.
  const lines = s
    .split(NEWLINES)
    .map((line) => line.trim())
    .filter((line) => line !== "");
  s = lines
    .map((line, i) => (i === lines.length - 1 || /[.!?:;,]$/.test(line) ? line : `${line}.`))
    .join(" ");
  s = s.replace(STRAY, " ").replace(SPACES, " ");
  s = s
    .replace(/\s+([.,!?;:])/g, "$1")
    .replace(/([.!?]){2,}/g, "$1")
    .replace(/^[\s.,;:!?-]+/, "");
  return capLength(s.trim(), softCap);
}

/** Cuts at the last sentence end before `softCap` (or a word boundary), never past the hard cap. */
export function capLength(s: string, softCap = SPOKEN_SOFT_CAP): string {
  const cap = Math.min(softCap, SPOKEN_HARD_CAP);
  if (s.length <= cap) return s;
  const head = s.slice(0, cap);
  const sentenceEnd = Math.max(head.lastIndexOf(". "), head.lastIndexOf("! "), head.lastIndexOf("? "));
  if (sentenceEnd >= cap * 0.4) return head.slice(0, sentenceEnd + 1);
  const space = head.lastIndexOf(" ");
  return `${head.slice(0, space > cap * 0.5 ? space : cap).replace(/[,;:\s]+$/, "")}…`;
}

const NUMBER_WORDS = [
  "no",
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "ten",
  "eleven",
  "twelve",
];

/** Ends the text with a full stop unless it already ends a sentence. */
export function sentence(s: string): string {
  const t = s.trim();
  return t === "" || /[.!?…]["')]?$/.test(t) ? t : `${t}.`;
}

/** A quoted phrase inside a sentence, with the closing stop only when the quote lacks one. */
export function quoted(s: string): string {
  const t = s.trim();
  return /[.!?…]$/.test(t) ? `"${t}"` : `"${t}".`;
}

/** "two scheduled jobs", "one task", "13 tasks". */
export function countWords(n: number, singular: string, plural = `${singular}s`): string {
  const word = n >= 0 && n < NUMBER_WORDS.length ? NUMBER_WORDS[n] : String(n);
  return `${word} ${n === 1 ? singular : plural}`;
}

/** "a, b and c". */
export function joinAnd(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
