/**
 * Code is written for a screen: read aloud, `const x = await f()` is noise. A block becomes one
 * short note that says code was left out (so the caller knows to look elsewhere); inline code that
 * is just words (`git status`, `npm install`) is kept as those words.
 */

/** Said in place of a code block. */
export const CODE_NOTE = "I've left out a code example that is better read on a screen.";
/** Said in place of inline code that is not plain words. */
export const INLINE_CODE_NOTE = "a short piece of code";

// Fenced blocks (``` or ~~~), closed or running to the end; indented blocks after a blank line.
const FENCED = /(^|\n)[ \t]*(```|~~~)[^\n]*\n?[\s\S]*?(?:\n[ \t]*\2[ \t]*(?=\n|$)|$)/g;
const INDENTED = /(^|\n\n)((?:(?: {4}|\t)[^\n]*(?:\n|$))+)/g;
const INLINE = /`+([^`\n]+?)`+/g;
// Plain words: letters, digits, and the joiners a word may have (git-status, v1.2, node_modules).
const WORDY = /^[\p{L}\p{N}][\p{L}\p{N} .'-]*$/u;

/** Replaces code blocks by one spoken note (once per run of blocks) and unwraps wordy inline code. */
export function replaceCode(s: string): string {
  let t = s.replace(FENCED, (_m, lead: string) => `${lead}\n\u0000CODE\u0000\n`);
  t = t.replace(INDENTED, (m, lead: string, body: string) =>
    /[;{}()=<>]/.test(body) ? `${lead}\u0000CODE\u0000\n` : m,
  );
  // Several blocks in a row are one note.
  t = t.replace(/\u0000CODE\u0000(?:\s*\u0000CODE\u0000)+/g, "\u0000CODE\u0000");
  t = t.replace(/\u0000CODE\u0000/g, CODE_NOTE);
  return t.replace(INLINE, (_m, inner: string) => {
    const w = inner.trim();
    // A link or a path in backticks is still a link or a path: links.ts says it by name.
    if (/:\/\/|^www\.|[\\/]/.test(w)) return w;
    return WORDY.test(w) && w.split(/\s+/).length <= 4 ? w : INLINE_CODE_NOTE;
  });
}
