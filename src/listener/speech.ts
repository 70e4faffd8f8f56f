/** What the caller hears when we have nothing better, and the last clean-up before text is spoken. */
export const PHRASES = {
  /** The agent failed or passed its deadline. */
  agentFailed: "Sorry, I ran into a problem with that. Could you say it again?",
  /** A third-party turn whose agent missed the 12 s budget: short, neutral, keeps the call going. */
  thirdPartyFailed: "Sorry, could you repeat that, please?",
  /** After a restart, for a turn the previous process took but never answered. */
  lostTrain: "Sorry, I lost my train of thought. Could you say that again?",
  /** More turns waiting than the listener will queue. */
  busy: "Sorry, I'm a little busy right now. Could you say that again in a moment?",
} as const;

/** Twilio's Polly voices stop around 3,000 characters; stay well under it. */
export const MAX_SPOKEN_CHARS = 2_000;

/**
 * Removes what a voice cannot say (control and XML-illegal characters), collapses whitespace and caps
 * the length at a sentence end where possible. With `markdown` (CLI output, which nobody else
 * cleans) it also drops code blocks and markdown markers. The bridge does the full job in HTTP mode;
 * this is the floor for every answer the listener posts.
 */
export function speakable(text: string, opts: { markdown?: boolean; max?: number } = {}): string {
  const max = opts.max ?? MAX_SPOKEN_CHARS;
  // A UTF-8 round trip turns lone surrogates into U+FFFD, removed with the control characters.
  let t = Buffer.from(text, "utf8")
    .toString("utf8")
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd\ufffe\uffff]/g, " ");
  if (opts.markdown) {
    t = t
      .replace(/```[\s\S]*?```/g, " ")
      .replace(/`([^`]*)`/g, "$1")
      .replace(/\*\*([^*]+)\*\*/g, "$1")
      .replace(/__([^_]+)__/g, "$1")
      .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
      .replace(/https?:\/\/\S+/g, "")
      .replace(/^[ \t]*(?:#{1,6}|>|[-*+]|\d+[.)])[ \t]+/gm, "");
  }
  t = t.replace(/\s+/g, " ").trim();
  if (t.length > max) {
    const cut = t.slice(0, max);
    const end = Math.max(cut.lastIndexOf(". "), cut.lastIndexOf("? "), cut.lastIndexOf("! "));
    const space = cut.lastIndexOf(" ");
    t = end > max / 2 ? cut.slice(0, end + 1) : `${cut.slice(0, space > 0 ? space : max)}…`;
  }
  return t;
}
