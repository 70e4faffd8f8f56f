/**
 * Other people's words inside our sentences: a question quoted back, a task title, a caller's
 * message. They are shaped like everything else, but not ended as sentences of their own, and
 * clipped so one long title cannot take over an answer.
 */
import { speakableText } from "./shape.js";

/** Cuts at the last word before `max` characters (with "…" when anything was cut). */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  const head = s.slice(0, max);
  const space = head.lastIndexOf(" ");
  return `${head.slice(0, space > max / 2 ? space : max).replace(/[,;:.\s]+$/, "")}…`;
}

/** Text made speakable for use inside a sentence: no stop added at its end, clipped to `max`. */
export function fragment(text: string, max: number): string {
  const spoken = speakableText(text);
  const open =
    /[^.]\.$/.test(spoken) && !/[.!?]["'”’)]?\s*$/.test(text.trim()) ? spoken.slice(0, -1) : spoken;
  return clip(open, max);
}

/** A quoted phrase inside a sentence, with the closing stop only when the quote lacks one. */
export function quoted(s: string): string {
  const t = s.trim();
  return /[.!?…]$/.test(t) ? `"${t}"` : `"${t}".`;
}
