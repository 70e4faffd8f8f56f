/**
 * A model's reasoning is for the model. Reasoning models (DeepSeek R1, Qwen, gpt-oss through
 * llama.cpp or Ollama) put it in `<think>` blocks or separate fields; the caller must hear none of
 * it, not even the words between the tags. A block the model never closed (cut by `max_tokens`)
 * runs to the end of the text, and a closing tag with no opening (templates that put `<think>` in
 * the prompt) means everything before it was reasoning.
 */

const TAGS = "think|thinking|thought|thoughts|reasoning|reflection|scratchpad|analysis|inner_monologue";
const BLOCK = new RegExp(`<(${TAGS})\\b[^>]*>[\\s\\S]*?(?:</\\1\\s*>|$)`, "gi");
const LEFTOVER = new RegExp(
  `</?(?:${TAGS})\\b[^>]*>|<\\|(?:channel|begin_of_thought|end_of_thought)\\|>`,
  "i",
);
const OPEN = new RegExp(`<(?:${TAGS})\\b`, "i");
const LONE_CLOSE = new RegExp(`^[\\s\\S]*?</(?:${TAGS})\\s*>`, "i");
// gpt-oss "harmony" channels: everything up to the final channel's message is analysis.
const HARMONY = /^[\s\S]*<\|channel\|>\s*final\s*<\|message\|>/i;
const HARMONY_TOKENS = /<\|[a-z_]+\|>/gi;
// "<|begin_of_thought|> … <|end_of_thought|>" (Sky-T1 style).
const THOUGHT_MARKERS = /<\|begin_of_thought\|>[\s\S]*?(?:<\|end_of_thought\|>|$)/gi;

/** Removes every reasoning block, closed or not, and the reasoning before a lone closing tag. */
export function dropReasoning(s: string): string {
  let t = s.replace(HARMONY, "").replace(THOUGHT_MARKERS, " ");
  // A closing tag with its opening before it is a whole block, which BLOCK removes below.
  t = t.replace(LONE_CLOSE, (m) => (OPEN.test(m) ? m : " "));
  t = t.replace(BLOCK, " ");
  return t.replace(HARMONY_TOKENS, " ");
}

/** True when reasoning markup is still in the text. */
export function hasReasoning(s: string): boolean {
  return LEFTOVER.test(s);
}

const REASONING_PART_TYPES = new Set([
  "reasoning",
  "thinking",
  "redacted_thinking",
  "reasoning_text",
  "analysis",
]);

/**
 * A content part of a chat completion that carries reasoning (`{type: "thinking", …}`), or one
 * marked as such by a `thought: true` flag (Gemini). Its text is never spoken.
 */
export function isReasoningPart(part: unknown): boolean {
  if (!part || typeof part !== "object") return false;
  const p = part as { type?: unknown; thought?: unknown };
  return (typeof p.type === "string" && REASONING_PART_TYPES.has(p.type)) || p.thought === true;
}
