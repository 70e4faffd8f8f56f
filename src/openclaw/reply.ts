/**
 * Reading a reply out of OpenClaw's JSON output, and the end-of-call sentinel the agent and the
 * bridge's model prompt both use (OpenClaw emits no end_call field of its own).
 */

/** The agent appends this to a reply that should end the call. */
export const END_CALL_SENTINEL = "[[END_CALL]]";

const SENTINEL_RE = /\[\[\s*END[_ ]CALL\s*\]\]/gi;

/** Strips every sentinel from the text; `endCall` is true when one was present. */
export function extractEndCall(text: string): { text: string; endCall: boolean } {
  const endCall = SENTINEL_RE.test(text);
  SENTINEL_RE.lastIndex = 0;
  return { text: endCall ? text.replace(SENTINEL_RE, " ").replace(/\s+/g, " ").trim() : text, endCall };
}

type Json = unknown;

function texts(list: Json): string[] {
  if (!Array.isArray(list)) return [];
  return list
    .map((p) => (p && typeof p === "object" ? (p as { text?: unknown }).text : undefined))
    .filter((t): t is string => typeof t === "string" && t.trim() !== "");
}

/**
 * Finds the reply in one parsed JSON document from `openclaw agent --json` (`result.payloads[].text`,
 * or `payloads[].text`) or `openclaw infer model run --json` (`outputs[].text`), or a plain
 * `{reply|response|text|content}` object. Returns undefined when there is none.
 */
export function replyFromJson(doc: Json): string | undefined {
  if (!doc || typeof doc !== "object") return undefined;
  const d = doc as Record<string, Json>;
  const result = d.result && typeof d.result === "object" ? (d.result as Record<string, Json>) : undefined;
  const candidates = [texts(result?.payloads), texts(d.payloads), texts(d.outputs)];
  for (const c of candidates) if (c.length > 0) return c.join(" ").trim();
  for (const key of ["reply", "response", "text", "content"]) {
    const v = d[key];
    if (typeof v === "string" && v.trim() !== "") return v.trim();
  }
  if (typeof d.result === "string" && d.result.trim() !== "") return d.result.trim();
  return undefined;
}

/**
 * Parses CLI stdout: the whole output as JSON first, then each line from the last (the CLI may log
 * before its JSON). Never returns raw log text: no JSON reply means undefined.
 */
export function replyFromCliOutput(stdout: string): string | undefined {
  const trimmed = stdout.trim();
  if (trimmed === "") return undefined;
  try {
    const r = replyFromJson(JSON.parse(trimmed));
    if (r !== undefined) return r;
  } catch {}
  // A pretty-printed document after log lines: try from each line that opens an object.
  const lines = trimmed.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]?.trim() ?? "";
    if (!line.startsWith("{")) continue;
    for (const candidate of [line, lines.slice(i).join("\n")]) {
      try {
        const r = replyFromJson(JSON.parse(candidate));
        if (r !== undefined) return r;
      } catch {}
    }
  }
  return undefined;
}
