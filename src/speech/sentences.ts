/**
 * Turning cleaned text into spoken sentences: lines and list items become sentences with stops,
 * spacing and punctuation are repaired, and every answer ends on a full sentence (a voice that
 * stops mid-phrase sounds cut off, and a list's last item without a stop runs into what follows).
 */
import { ITEM } from "./markdown.js";

// Abbreviations whose dot does not end a sentence.
const ABBREVIATIONS =
  /\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Mt|vs|etc|e\.g|i\.e|approx|No|Inc|Ltd|Co|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|a\.m|p\.m|U\.S|U\.K)\.$/i;

/** Ends the text with a full stop unless it already ends a sentence. */
export function sentence(s: string): string {
  const t = s.trim().replace(/[,;:\s–—-]+$/, "");
  return t === "" || /[.!?…]["'”’)]?$/.test(t) ? t : `${t}.`;
}

/**
 * Lines to sentences: a line (a heading, a list item, a paragraph's end) that does not end with
 * punctuation gets a stop. A line ending in ":" that opens a list keeps being the list's lead-in.
 */
export function linesToSentences(s: string): string {
  const lines = s
    .split(/\n+/)
    .map((l) => l.replace(/[ \t]+/g, " ").trim())
    .filter((l) => l !== "" && l !== ITEM);
  return lines
    .map((line) => {
      const item = line.startsWith(ITEM);
      const text = item ? line.slice(1).trim() : line;
      if (text === "") return "";
      const capped = item ? text.charAt(0).toUpperCase() + text.slice(1) : text;
      return /[:]$/.test(capped) ? `${capped.slice(0, -1)}.` : sentence(capped);
    })
    .filter(Boolean)
    .join(" ");
}

/** Spacing and punctuation a voice would stumble on, repaired. */
export function tidy(s: string): string {
  return s
    .replace(/\s+/g, " ")
    .replace(/\(\s*\)/g, "")
    .replace(/\s+([.,!?;:)])/g, "$1")
    .replace(/([(])\s+/g, "$1")
    .replace(/([.!?])(?:\s*[.!?,;:])+/g, "$1")
    .replace(/,(?:\s*,)+/g, ",")
    .replace(/([,;:])(?=[^\s\d])/g, "$1 ")
    .replace(/\.{2,}/g, ".")
    .replace(/^[\s.,;:!?)–—-]+/, "")
    .trim();
}

/** Splits text into sentences, keeping abbreviations, decimals and times inside theirs. */
export function splitSentences(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  const re = /[.!?…]+["'”’)]?(?=\s+|$)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const end = m.index + m[0].length;
    const piece = s.slice(start, end);
    if (ABBREVIATIONS.test(piece) && end < s.length) continue;
    out.push(piece.trim());
    start = end;
  }
  const tail = s.slice(start).trim();
  if (tail) out.push(sentence(tail));
  return out.filter((x) => x !== "" && /[\p{L}\p{N}]/u.test(x));
}
