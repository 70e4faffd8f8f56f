import { Pool } from "undici";
import { ClawcallError } from "../../errors.js";
import type { Logger } from "../../log.js";
import type { RelayEvent } from "../../relay/messages.js";
import { speechFloor } from "../../speech/index.js";
import { settledWithin } from "../../util/async.js";
import { MAX_SPOKEN_WORDS } from "../speech.js";
import { BRIDGE_HTTP } from "../timings.js";
import type { Agent, AgentAnswer, AgentRequest } from "../types.js";

export interface HttpAgentOptions {
  /** `CLAWCALL_AGENT_URL`: the bridge's base URL; its path prefix and query string are kept. */
  agentUrl: string;
  token?: string | undefined;
  logger: Logger;
  /** Sockets to the bridge (the dispatcher's turn cap). */
  connections?: number;
  /** Injected dispatcher (tests). */
  pool?: Pool;
}

/** Limit on the bridge's answer body; a reply is a few hundred bytes. */
const MAX_BODY_BYTES = 256 * 1024;

export class AgentError extends ClawcallError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_BRIDGE_INTERNAL", message, options);
  }
}

/**
 * HTTP mode: POST `{call_sid, message, kind}` to `<agentUrl>/clawcall/message` with the bridge token
 * when set. Only a 2xx JSON body with a non-empty `response` string counts; anything else (non-2xx,
 * HTML, malformed JSON, empty text) is a failure the dispatcher turns into a spoken apology. The
 * deadline is the caller's signal.
 */
export class HttpAgent implements Agent {
  readonly mode = "HTTP" as const;
  readonly #pool: Pool;
  readonly #ownsPool: boolean;
  readonly #path: string;
  readonly #headers: Record<string, string>;
  readonly #log: Logger;

  constructor(opts: HttpAgentOptions) {
    const url = new URL(opts.agentUrl);
    this.#path = `${url.pathname.replace(/\/+$/, "")}/clawcall/message${url.search}`;
    this.#headers = { "content-type": "application/json", accept: "application/json" };
    if (opts.token) this.#headers.authorization = `Bearer ${opts.token}`;
    this.#log = opts.logger;
    this.#ownsPool = !opts.pool;
    this.#pool =
      opts.pool ??
      new Pool(url.origin, {
        connections: opts.connections ?? 32,
        keepAliveTimeout: BRIDGE_HTTP.keepAliveMs,
        // The per-turn signal is the deadline; these only catch a socket that went silent.
        headersTimeout: 0,
        bodyTimeout: BRIDGE_HTTP.bodyTimeoutMs,
        connect: { timeout: BRIDGE_HTTP.connectTimeoutMs },
      });
  }

  async answer(req: AgentRequest, signal: AbortSignal): Promise<AgentAnswer> {
    const body = await this.#post({ call_sid: req.callSid, message: req.message, kind: req.kind }, signal);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new AgentError("bridge answered with a body that is not JSON");
    }
    if (!json || typeof json !== "object") throw new AgentError("bridge answered with a non-object");
    const j = json as Record<string, unknown>;
    const raw = [j.response, j.reply, j.text].find(
      (v): v is string => typeof v === "string" && v.trim() !== "",
    );
    if (raw === undefined) throw new AgentError("bridge answer has no response text");
    // The bridge shaped it already; this floor only removes what a voice cannot say and bounds the
    // length (the relay's voice stops near 3,000 characters) for any agent behind this URL.
    const text = speechFloor(raw, MAX_SPOKEN_WORDS);
    if (text === "") throw new AgentError("bridge answer is empty once cleaned");
    return { text, endCall: j.end_call === true };
  }

  async notify(callSid: string, message: string, _event: RelayEvent, signal: AbortSignal): Promise<void> {
    await this.#post({ call_sid: callSid, message, kind: "third_party_complete" }, signal);
  }

  async close(): Promise<void> {
    if (!this.#ownsPool) return;
    if (!(await settledWithin(this.#pool.close(), BRIDGE_HTTP.closeMs)))
      await this.#pool.destroy().catch(() => {});
  }

  async #post(payload: Record<string, string>, signal: AbortSignal): Promise<string> {
    let res: Awaited<ReturnType<Pool["request"]>>;
    try {
      res = await this.#pool.request({
        method: "POST",
        path: this.#path,
        headers: this.#headers,
        body: JSON.stringify(payload),
        signal,
      });
    } catch (err) {
      throw new AgentError(`bridge request failed: ${errName(err)}`, { cause: err });
    }
    let text = "";
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) {
          res.body.destroy();
          throw new AgentError("bridge answer is too large");
        }
        text += (chunk as Buffer).toString("utf8");
      }
    } catch (err) {
      if (err instanceof AgentError) throw err;
      throw new AgentError(`bridge answer was cut off: ${errName(err)}`, { cause: err });
    }
    if (res.statusCode < 200 || res.statusCode > 299) {
      let code: unknown;
      try {
        code = (JSON.parse(text) as { code?: unknown; error?: { code?: unknown } }).error?.code;
      } catch {}
      this.#log.debug({ status: res.statusCode, code }, "bridge refused the turn");
      throw new AgentError(`bridge answered ${res.statusCode}${typeof code === "string" ? ` ${code}` : ""}`);
    }
    return text;
  }
}

function errName(err: unknown): string {
  const e = err as { code?: string; name?: string; message?: string };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return "deadline passed";
  return e?.code ?? e?.name ?? String(err);
}
