import type { Dispatcher } from "undici";
import { request } from "undici";
import { ClawcallError } from "../../errors.js";
import { isReasoningPart } from "../../speech/reasoning.js";

export interface ChatCall {
  dispatcher: Dispatcher;
  url: string;
  token: string | undefined;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  signal: AbortSignal;
  /**
   * No response headers within this long means the server hangs: the call is cut (E_MODEL_STALLED).
   * The request streams, so a healthy server sends its headers at once however long it thinks.
   */
  stallMs: number;
  /** Longest silence between two chunks of the streamed body. */
  bodyTimeoutMs?: number;
  /** The streamed reply so far, after each chunk (so a deadline can speak what has arrived). */
  onText?: (soFar: string) => void;
}

/** The reply text of an OpenAI-style chat completion (`choices[0].message.content`, string or parts). */
export function chatText(doc: unknown): string | undefined {
  const choice = (doc as { choices?: { message?: { content?: unknown } }[] } | undefined)?.choices?.[0];
  const c = choice?.message?.content;
  if (typeof c === "string") return c.trim() || undefined;
  if (Array.isArray(c)) {
    // Reasoning parts ({type: "thinking"}, Gemini's {thought: true}) are the model's, never the caller's.
    const t = c
      .map((p) =>
        p &&
        typeof p === "object" &&
        !isReasoningPart(p) &&
        typeof (p as { text?: unknown }).text === "string"
          ? (p as { text: string }).text
          : "",
      )
      .join(" ")
      .trim();
    return t || undefined;
  }
  return undefined;
}

/** The text of a streamed chat completion: SSE `data:` chunks of `choices[0].delta.content`, up to `[DONE]`. */
export function sseChatText(body: string): string | undefined {
  let text = "";
  for (const line of body.split(/\r?\n/)) {
    if (!line.startsWith("data:")) continue;
    const data = line.slice(5).trim();
    if (data === "[DONE]") break;
    let chunk: {
      choices?: { delta?: { content?: unknown }; message?: { content?: unknown } }[];
      error?: { message?: unknown };
    };
    try {
      chunk = JSON.parse(data);
    } catch {
      continue;
    }
    if (chunk.error)
      throw new ClawcallError("E_MODEL_HTTP", `model stream error: ${String(chunk.error.message ?? "")}`);
    const choice = chunk.choices?.[0];
    const c = choice?.delta?.content ?? choice?.message?.content;
    if (typeof c === "string") text += c;
  }
  return text.trim() || undefined;
}

/** The content of one SSE `data:` line of a chat stream, if it carries any. */
function deltaText(line: string): string | undefined {
  if (!line.startsWith("data:")) return undefined;
  try {
    const chunk = JSON.parse(line.slice(5).trim()) as { choices?: { delta?: { content?: unknown } }[] };
    const c = chunk.choices?.[0]?.delta?.content;
    return typeof c === "string" ? c : undefined;
  } catch {
    return undefined;
  }
}

const DONE_LINE = /^data:\s*\[DONE\]\s*$/m;

/**
 * The SSE body up to its `data: [DONE]` line. The OpenClaw gateway keeps the connection open for
 * seconds after `[DONE]`; waiting for the end would add that to every turn.
 */
async function readUntilDone(
  body: Dispatcher.ResponseData["body"],
  onText?: (soFar: string) => void,
): Promise<string> {
  const utf8 = new TextDecoder();
  let text = "";
  // Reported incrementally (each line parsed once): a long reply streams thousands of chunks.
  let lineStart = 0;
  let soFar = "";
  for await (const chunk of body) {
    text += typeof chunk === "string" ? chunk : utf8.decode(chunk, { stream: true });
    if (onText) {
      let changed = false;
      for (let nl = text.indexOf("\n", lineStart); nl >= 0; nl = text.indexOf("\n", lineStart)) {
        const piece = deltaText(text.slice(lineStart, nl));
        lineStart = nl + 1;
        if (piece) {
          soFar += piece;
          changed = true;
        }
      }
      if (changed && soFar.trim()) onText(soFar.trim());
    }
    if (DONE_LINE.test(text)) {
      body.destroy();
      break;
    }
  }
  return text;
}

/**
 * One streamed POST to `/chat/completions` (`stream: true`), read up to `[DONE]`; a server that answers
 * with plain JSON instead is read as such. Errors: E_MODEL_DISABLED (404, the gateway's switched-off
 * endpoint), E_MODEL_HTTP (other statuses), E_MODEL_STALLED (no headers in `stallMs`),
 * E_MODEL_TRANSPORT (no answer), E_MODEL_BAD_OUTPUT (no text). The body is always consumed.
 */
export async function postChat(call: ChatCall): Promise<string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json",
    ...call.headers,
  };
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  let res: Dispatcher.ResponseData;
  try {
    res = await request(call.url, {
      method: "POST",
      headers,
      body: JSON.stringify({ ...call.body, stream: true }),
      dispatcher: call.dispatcher,
      signal: call.signal,
      headersTimeout: call.stallMs,
      ...(call.bodyTimeoutMs !== undefined ? { bodyTimeout: call.bodyTimeoutMs } : {}),
    });
  } catch (err) {
    throwIfCutByUs(call);
    if ((err as { code?: string }).code === "UND_ERR_HEADERS_TIMEOUT") {
      throw new ClawcallError(
        "E_MODEL_STALLED",
        `model server sent no response headers within ${call.stallMs} ms`,
        {
          cause: err,
        },
      );
    }
    throw new ClawcallError("E_MODEL_TRANSPORT", `model server: ${describe(err)}`, { cause: err });
  }
  const streamed =
    res.statusCode < 400 && String(res.headers["content-type"] ?? "").includes("text/event-stream");
  let text: string;
  try {
    text = streamed ? await readUntilDone(res.body, call.onText) : await res.body.text();
  } catch (err) {
    throwIfCutByUs(call);
    throw new ClawcallError("E_MODEL_TRANSPORT", `model server: ${describe(err)}`, { cause: err });
  }
  if (res.statusCode === 404) {
    throw new ClawcallError("E_MODEL_DISABLED", "model server answered 404 for /chat/completions");
  }
  if (res.statusCode >= 400) {
    let msg = "";
    try {
      msg = String((JSON.parse(text) as { error?: { message?: unknown } }).error?.message ?? "");
    } catch {}
    // Upstreams echo a bad key ("Incorrect API key provided: sk-…"); this text reaches logs and the
    // status file, so the credential we sent never goes into it.
    if (call.token) msg = msg.split(call.token).join("[Redacted]");
    throw Object.assign(
      new ClawcallError(
        "E_MODEL_HTTP",
        `model server answered ${res.statusCode}${msg ? `: ${msg.slice(0, 200)}` : ""}`,
      ),
      { status: res.statusCode },
    );
  }
  if (streamed) {
    const reply = sseChatText(text);
    if (!reply) throw new ClawcallError("E_MODEL_BAD_OUTPUT", "model stream has no text");
    return reply;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ClawcallError("E_MODEL_BAD_OUTPUT", "model server sent a body that is not JSON");
  }
  const reply = chatText(doc);
  if (!reply) throw new ClawcallError("E_MODEL_BAD_OUTPUT", "model reply has no text");
  return reply;
}

/** A call cut by us (work deadline, third-party budget, shutdown) fails with our reason, not "transport". */
function throwIfCutByUs(call: ChatCall): void {
  if (call.signal.aborted && call.signal.reason instanceof ClawcallError) throw call.signal.reason;
}

function describe(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return "request aborted (deadline)";
  return `${e?.code ?? e?.name ?? "error"}: ${e?.message ?? String(err)}`;
}
