/**
 * Words: counting them, joining them, and the word budget. A phone answer is heard once, at about
 * 150 words a minute, so past ~50 words callers lose the thread; the budget cuts at a sentence
 * boundary and the rest waits for "go on".
 */

/** Said after an answer the budget cut. Short, and it names the words that get the rest. */
export const GO_ON_OFFER = "Say go on to hear more.";

/** Default word budget (`CLAWCALL_SPEECH_WORDS`). */
export const DEFAULT_SPEECH_WORDS = 50;

/** Words as a listener counts them (numbers and contractions are one word each). */
export function wordCount(s: string): number {
  const m = s.match(/[\p{L}\p{N}][\p{L}\p{N}'’.,:-]*/gu);
  return m ? m.length : 0;
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

/**
 * The first sentences that fit in `budget` words, and the rest. A first sentence longer than the
 * whole budget is cut at its last clause break (or word) inside the budget and ends with a stop,
 * so the caller still hears a complete-sounding sentence; its remainder starts the rest.
 */
export function takeWords(sentences: readonly string[], budget: number): { head: string[]; rest: string[] } {
  const head: string[] = [];
  let used = 0;
  let i = 0;
  for (; i < sentences.length; i++) {
    const s = sentences[i] ?? "";
    const n = wordCount(s);
    if (used + n > budget) break;
    head.push(s);
    used += n;
  }
  if (head.length === 0 && sentences.length > 0) {
    const [first = "", ...others] = sentences;
    const { part, remainder } = cutSentence(first, budget);
    return { head: [part], rest: remainder ? [remainder, ...others] : others };
  }
  return { head, rest: sentences.slice(i) };
}

/** Cuts one long sentence at a clause break (or a word) within `budget` words. */
function cutSentence(s: string, budget: number): { part: string; remainder: string } {
  const words = s.split(/\s+/);
  const within = words.slice(0, budget).join(" ");
  const clause = Math.max(within.lastIndexOf(", "), within.lastIndexOf("; "), within.lastIndexOf(": "));
  const at = clause > within.length / 3 ? clause : within.length;
  const part = within.slice(0, at).replace(/[,;:\s]+$/, "");
  const remainder = s.slice(at).replace(/^[,;:\s]+/, "");
  const cap = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);
  return { part: `${part}.`, remainder: remainder ? cap(remainder) : "" };
}
