/**
 * Markup is layout for a screen. Headings, list items and quoted lines become sentences of their
 * own (sentences.ts ends each line that has no stop); emphasis keeps its words; citation tokens
 * ("[1]", "[^2]", "【3†source】") and HTML go; stray markup characters that Polly would read as
 * "asterisk" or "pipe" go last.
 */

const HTML_COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
const HTML_BREAK = /<(?:br|\/p|\/div|\/li|\/h[1-6])\s*\/?>/gi;
const HTML_TAG = /<\/?[a-z][\w-]*(?:\s[^<>]*)?\/?>/gi;
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };
const ENTITY = /&(amp|lt|gt|quot|apos|nbsp|#\d+|#x[0-9a-f]+);/gi;
const HEADING = /^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t#]*$/gm;
const SETEXT_RULE = /^[ \t]*(?:=+|-+)[ \t]*$/gm;
const HR = /^[ \t]*(?:[-*_][ \t]*){3,}$/gm;
const BLOCKQUOTE = /^[ \t]*(?:>[ \t]?)+/gm;
const TASK_BOX = /^([ \t]*(?:[-*+•]|\d+[.)])[ \t]+)\[[ xX]\][ \t]+/gm;
const BULLET = /^[ \t]*(?:[-*+•▪◦‣–—]|\d{1,3}[.)]|[a-z]\))[ \t]+/gm;
const EMPHASIS = /(\*\*\*|\*\*|__|\*|_|~~|==)(?=\S)([\s\S]*?\S)\1(?![\w*])/g;
// Citations: [1], [1, 2], [^note], 【1†source】, (source: 3), [citation needed].
const CITATIONS =
  /\s?\[\^?[\w-]{1,12}\](?!\()|\s?\[\d+(?:\s*[,–-]\s*\d+)*\]|\s?【[^】]*】|\s?\[citation needed\]|\s?\((?:source|ref|cite)s?:?\s*\d+\)/gi;
const FOOTNOTE_DEF = /^[ \t]*\[\^[\w-]+\]:.*$/gm;
// Characters only markup uses. "_" only between non-letters, so snake_case names are left alone.
const STRAY = /[*#`^|\\{}[\]<>~=]+|(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])/gu;

function entity(_m: string, name: string): string {
  const lower = name.toLowerCase();
  if (lower.startsWith("#x")) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16) || 32);
  if (lower.startsWith("#")) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10) || 32);
  return ENTITIES[lower] ?? " ";
}

/** Block-level markup: each heading, item and quote on its own line, markers gone. */
export function dropBlockMarkup(s: string): string {
  return s
    .replace(HTML_COMMENT, " ")
    .replace(HTML_BREAK, "\n")
    .replace(HTML_TAG, " ")
    .replace(ENTITY, entity)
    .replace(FOOTNOTE_DEF, "")
    .replace(HR, "\n")
    .replace(SETEXT_RULE, "\n")
    .replace(HEADING, "$1")
    .replace(BLOCKQUOTE, "")
    .replace(TASK_BOX, "$1")
    .replace(BULLET, "\n\u0002");
}

/** Inline markup: emphasis unwrapped, citation tokens and stray markup characters dropped. */
export function dropInlineMarkup(s: string): string {
  let t = s.replace(CITATIONS, "");
  // Nested emphasis (***x***, **_x_**) unwraps in two passes.
  t = t.replace(EMPHASIS, "$2").replace(EMPHASIS, "$2");
  return t.replace(STRAY, " ");
}

/** Marks the start of a list item (sentences.ts gives the list's items their stops). */
export const ITEM = "\u0002";

/** True when markup characters or citation tokens are still in the text. */
export function hasMarkup(s: string): boolean {
  CITATIONS.lastIndex = 0;
  const cite = CITATIONS.test(s);
  CITATIONS.lastIndex = 0;
  return cite || /[*#`^|\\{}[\]<>~=]|(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/u.test(s);
}
