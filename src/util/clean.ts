/**
 * One printable line: control characters (terminal escapes included) become spaces, runs of
 * whitespace collapse, and the text is cut at `max` characters.
 */
export function clean(text: unknown, max = 300): string {
  const s = typeof text === "string" ? text : text === null || text === undefined ? "" : String(text);
  const flat = s
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
