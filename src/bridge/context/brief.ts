/** Fast-path answers stay short: whole sentences up to a word budget, the first one always. */
import { wordCount } from "../../speech/words.js";

export const FAST_ANSWER_WORDS = 40;

/** Joins sentences while the total stays within `max` words; never cuts inside one. */
export function brief(sentences: readonly string[], max = FAST_ANSWER_WORDS): string {
  const out: string[] = [];
  let used = 0;
  for (const s of sentences) {
    const n = wordCount(s);
    if (out.length > 0 && used + n > max) break;
    out.push(s);
    used += n;
  }
  return out.join(" ");
}

/** "a backup", "an update", "an hourly job". */
export function withArticle(noun: string): string {
  return `${/^(?:[aeio]|u(?![nr]i|s[eu])|hour|honest)/i.test(noun) ? "an" : "a"} ${noun}`;
}
