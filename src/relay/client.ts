import { Pool } from "undici";
import type { z } from "zod";
import { ClawcallError, DeadlineError, RelayTransportError, type TransportCode } from "../errors.js";
import type { Logger } from "../log.js";
import { settledWithin } from "../util/async.js";
import { assertCallSid } from "./call-sid.js";
import { LISTEN_MAX_TIMEOUT_S, LISTEN_READ_MARGIN_MS } from "./deadlines.js";
import { decodeResponse } from "./response.js";
import * as s from "./schemas.js";

export interface RelayClientOptions {
  apiUrl: string;
  apiKey: string;
  /** Injected dispatcher (tests); by default one undici Pool per relay origin. */
  pool?: Pool;
  logger?: Logger;
  /** Headers timeout for ordinary requests; the long poll computes its own. */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  connections?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
}

interface RequestSpec<T extends z.ZodType> {
  endpoint: string;
  method: "GET" | "POST" | "DELETE" | "PATCH";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  auth?: boolean;
  schema: T;
  signal?: AbortSignal | undefined;
  headersTimeoutMs?: number;
}

export { parseRetryAfter } from "./response.js";
export { LISTEN_MAX_TIMEOUT_S, LISTEN_READ_MARGIN_MS };

/**
 * A typed client for every relay endpoint. Errors split by decision: RelayHttpError (the relay
 * said no), RelayTransportError (no usable answer), DeadlineError (the caller's timeout signal).
 * Bodies are always consumed so connections return to the pool.
 */
export class RelayClient {
  readonly apiUrl: string;
  readonly #apiKey: string;
  readonly #pool: Pool;
  readonly #ownsPool: boolean;
  readonly #log: Logger | undefined;
  readonly #headersTimeoutMs: number;
  readonly #bodyTimeoutMs: number;
  readonly #basePath: string;
  /** Set by close(): whatever fails after it was cancelled by our own shutdown. */
  #closing = false;
  #closed: Promise<void> | undefined;

  constructor(opts: RelayClientOptions) {
    const url = new URL(opts.apiUrl);
    this.apiUrl = opts.apiUrl.replace(/\/+$/, "");
    this.#basePath = url.pathname.replace(/\/+$/, "");
    this.#apiKey = opts.apiKey;
    this.#log = opts.logger;
    this.#headersTimeoutMs = opts.headersTimeoutMs ?? 20_000;
    this.#bodyTimeoutMs = opts.bodyTimeoutMs ?? 10_000;
    this.#ownsPool = !opts.pool;
    this.#pool =
      opts.pool ??
      new Pool(url.origin, {
        connections: opts.connections ?? 8,
        keepAliveTimeout: 4_000,
        headersTimeout: this.#headersTimeoutMs,
        bodyTimeout: this.#bodyTimeoutMs,
        connect: { timeout: 10_000 },
      });
  }

  // --- no auth ------------------------------------------------------------------------------------
  async health(o: CallOptions = {}) {
    return this.#call({
      endpoint: "health",
      method: "GET",
      path: "/health",
      auth: false,
      schema: s.healthResponse,
      ...o,
    });
  }

  async register(body: s.RegisterRequest, o: CallOptions = {}) {
    return this.#call({
      endpoint: "register",
      method: "POST",
      path: "/api/v1/register",
      auth: false,
      body: input(s.registerRequest, body),
      schema: s.registerResponse,
      ...o,
    });
  }

  // --- account ------------------------------------------------------------------------------------
  async account(o: CallOptions = {}) {
    return this.#call({
      endpoint: "account",
      method: "GET",
      path: "/api/v1/account",
      schema: s.accountResponse,
      ...o,
    });
  }

  async setPhone(phoneNumber: string, o: CallOptions = {}) {
    return this.#call({
      endpoint: "account/phone",
      method: "POST",
      path: "/api/v1/account/phone",
      body: input(s.phoneRequest, { phone_number: phoneNumber }),
      schema: s.phoneResponse,
      ...o,
    });
  }

  async setVoice(voice: string, o: CallOptions = {}) {
    return this.#call({
      endpoint: "account/voice",
      method: "POST",
      path: "/api/v1/account/voice",
      body: input(s.voiceRequest, { voice }),
      schema: s.voiceResponse,
      ...o,
    });
  }

  /** Team only: the relay POSTs each call's status to this URL; `null` clears it. */
  async setPushWebhook(url: string | null, o: CallOptions = {}) {
    return this.#call({
      endpoint: "account/webhook",
      method: "POST",
      path: "/api/v1/account/webhook",
      body: input(s.pushWebhookRequest, { webhook_push_url: url }),
      schema: s.pushWebhookResponse,
      ...o,
    });
  }

  async listAgents(o: CallOptions = {}) {
    return this.#call({
      endpoint: "agents",
      method: "GET",
      path: "/api/v1/agents",
      schema: s.agentsResponse,
      ...o,
    });
  }

  async createAgent(body: z.input<typeof s.createAgentRequest>, o: CallOptions = {}) {
    return this.#call({
      endpoint: "agents",
      method: "POST",
      path: "/api/v1/agents",
      body: input(s.createAgentRequest, body),
      schema: s.createAgentResponse,
      ...o,
    });
  }

  /** Renames an agent or changes its webhook URL (no tier check on the relay). */
  async updateAgent(id: string, body: s.UpdateAgentRequest, o: CallOptions = {}) {
    return this.#call({
      endpoint: "agents",
      method: "PATCH",
      path: `/api/v1/agents/${encodeURIComponent(uuidArg(id, "agent id"))}`,
      body: input(s.updateAgentRequest, body),
      schema: s.okResponse,
      ...o,
    });
  }

  /** Team only; the relay refuses the primary (oldest) agent. */
  async deleteAgent(id: string, o: CallOptions = {}) {
    return this.#call({
      endpoint: "agents",
      method: "DELETE",
      path: `/api/v1/agents/${encodeURIComponent(uuidArg(id, "agent id"))}`,
      schema: s.deleteAgentResponse,
      ...o,
    });
  }

  // --- the bridge: listen and respond ---------------------------------------------------------------
  /**
   * One long poll. Always sends a finite timeout (≤ 25 s; NaN would busy-loop a relay thread) and
   * waits at least 10 s longer than it before calling the socket dead, so a popped message is not
   * written into a socket we already closed.
   */
  async listen(timeoutS: number, signal?: AbortSignal) {
    const t = Number.isFinite(timeoutS)
      ? Math.min(Math.max(0, Math.floor(timeoutS)), LISTEN_MAX_TIMEOUT_S)
      : 10;
    return this.#call({
      endpoint: "listen",
      method: "GET",
      path: "/api/v1/calls/listen",
      query: { timeout: t },
      schema: s.listenResponse,
      signal,
      headersTimeoutMs: t * 1000 + LISTEN_READ_MARGIN_MS,
    });
  }

  /** Posts the spoken answer for a call. `endCall` is sent as a real JSON boolean. */
  async respond(callSid: string, response: string, endCall: boolean, o: CallOptions = {}) {
    assertCallSid(callSid);
    return this.#call({
      endpoint: "respond",
      method: "POST",
      path: `/api/v1/calls/respond/${encodeURIComponent(callSid)}`,
      body: input(s.respondRequest, { response, end_call: endCall === true }),
      schema: s.okResponse,
      ...o,
    });
  }

  // --- outbound -----------------------------------------------------------------------------------
  async callback(message: string, allowFollowup = true, o: CallOptions = {}) {
    return this.#call({
      endpoint: "outbound/callback",
      method: "POST",
      path: "/api/v1/calls/outbound/callback",
      body: input(s.callbackRequest, { message, allow_followup: allowFollowup === true }),
      schema: s.callbackResponse,
      ...o,
    });
  }

  async thirdParty(body: s.ThirdPartyRequest, o: CallOptions = {}) {
    return this.#call({
      endpoint: "outbound/third-party",
      method: "POST",
      path: "/api/v1/calls/outbound/third-party",
      body: input(s.thirdPartyRequest, body),
      schema: s.thirdPartyResponse,
      ...o,
    });
  }

  // --- schedules ----------------------------------------------------------------------------------
  /** Sends the cron as given: rewrite numeric day-of-week first (see cron.ts, relay counts Monday as 0). */
  async createSchedule(body: s.ScheduleCreateRequest, o: CallOptions = {}) {
    return this.#call({
      endpoint: "schedule",
      method: "POST",
      path: "/api/v1/calls/schedule",
      body: input(s.scheduleCreateRequest, body),
      schema: s.scheduleCreateResponse,
      ...o,
    });
  }

  async listSchedules(o: CallOptions = {}) {
    return this.#call({
      endpoint: "schedule",
      method: "GET",
      path: "/api/v1/calls/schedule",
      schema: s.scheduleListResponse,
      ...o,
    });
  }

  async deleteSchedule(id: string, o: CallOptions = {}) {
    return this.#call({
      endpoint: "schedule",
      method: "DELETE",
      path: `/api/v1/calls/schedule/${encodeURIComponent(uuidArg(id, "schedule id"))}`,
      schema: s.okResponse,
      ...o,
    });
  }

  // --- history ------------------------------------------------------------------------------------
  async history(opts: { limit?: number; transcripts?: boolean } = {}, o: CallOptions = {}) {
    // A non-numeric or negative limit makes the relay fail with an HTML 500: never send one.
    const limit =
      opts.limit === undefined || !Number.isFinite(opts.limit)
        ? undefined
        : Math.min(100, Math.max(0, Math.floor(opts.limit)));
    return this.#call({
      endpoint: "history",
      method: "GET",
      path: "/api/v1/calls/history",
      query: { limit, transcripts: opts.transcripts ? "true" : undefined },
      schema: s.historyResponse,
      ...o,
    });
  }

  // --- billing ------------------------------------------------------------------------------------
  async billingCheckout(tier: "pro" | "team", o: CallOptions = {}) {
    return this.#call({
      endpoint: "billing/checkout",
      method: "POST",
      path: "/api/v1/billing/checkout",
      body: input(s.checkoutRequest, { tier }),
      schema: s.checkoutResponse,
      ...o,
    });
  }

  async billingVerify(txSignature: string, tier: "pro" | "team", o: CallOptions = {}) {
    return this.#call({
      endpoint: "billing/verify",
      method: "POST",
      path: "/api/v1/billing/verify",
      body: input(s.verifyRequest, { tx_signature: txSignature, tier }),
      schema: s.verifyResponse,
      ...o,
    });
  }

  async billingStatus(o: CallOptions = {}) {
    return this.#call({
      endpoint: "billing/status",
      method: "GET",
      path: "/api/v1/billing/status",
      schema: s.billingStatusResponse,
      ...o,
    });
  }

  async billingCancel(o: CallOptions = {}) {
    return this.#call({
      endpoint: "billing/cancel",
      method: "POST",
      path: "/api/v1/billing/cancel",
      body: {},
      schema: s.cancelResponse,
      ...o,
    });
  }

  /** Lets in-flight requests finish, then closes sockets; `destroy` after `graceMs`. */
  async close(graceMs = 2_000): Promise<void> {
    this.#closing = true;
    if (!this.#ownsPool) return;
    // Idempotent: a second close (two shutdown paths) waits for the first instead of rejecting.
    this.#closed ??= (async () => {
      if (!(await settledWithin(this.#pool.close(), graceMs))) await this.#pool.destroy().catch(() => {});
    })();
    return this.#closed;
  }

  // --- internals ----------------------------------------------------------------------------------
  async #call<T extends z.ZodType>(spec: RequestSpec<T>): Promise<z.output<T>> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) qs.set(k, String(v));
    const path = `${this.#basePath}${spec.path}${qs.size > 0 ? `?${qs}` : ""}`;
    const headers: Record<string, string> = { accept: "application/json" };
    if (spec.auth !== false) headers.authorization = `Bearer ${this.#apiKey}`;
    let body: string | undefined;
    if (spec.body !== undefined) {
      body = JSON.stringify(spec.body);
      headers["content-type"] = "application/json";
    }

    // A deadline signal does not carry its budget: what this request waited is the budget it had.
    const started = performance.now();
    let res: Awaited<ReturnType<Pool["request"]>>;
    try {
      res = await this.#pool.request({
        method: spec.method,
        path,
        headers,
        body,
        signal: spec.signal,
        headersTimeout: spec.headersTimeoutMs ?? this.#headersTimeoutMs,
        bodyTimeout: this.#bodyTimeoutMs,
      });
    } catch (err) {
      throw this.#transportError(spec.endpoint, err, spec.signal, undefined, started);
    }

    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw this.#transportError(spec.endpoint, err, spec.signal, res.statusCode, started);
    }

    return decodeResponse(spec.endpoint, res.statusCode, res.headers, text, spec.schema);
  }

  #transportError(
    endpoint: string,
    err: unknown,
    signal?: AbortSignal,
    status?: number,
    started = performance.now(),
  ): Error {
    if (signal?.aborted) {
      const reason = signal.reason as { name?: string } | undefined;
      if (reason?.name === "TimeoutError") {
        const waitedMs = Math.round(performance.now() - started);
        return new DeadlineError(`relay ${endpoint}`, waitedMs, { cause: err });
      }
      return new RelayTransportError({
        code: "E_TRANSPORT_ABORTED",
        endpoint,
        message: "request cancelled",
        cause: err,
        ...(status !== undefined ? { status } : {}),
      });
    }
    const e = err as { code?: string; name?: string; message?: string };
    let code = classifyTransport(e);
    // The pool was closed or destroyed under the request by our own close(): a shutdown, not a fault.
    if (this.#closing && code !== "E_TRANSPORT_TIMEOUT") code = "E_TRANSPORT_ABORTED";
    // The status line arrived but the body was cut short: a truncated answer, not a failed connection.
    else if (status !== undefined && code === "E_TRANSPORT_RESET") code = "E_TRANSPORT_BAD_BODY";
    this.#log?.debug({ endpoint, errCode: e.code, errName: e.name }, "relay transport error");
    return new RelayTransportError({
      code,
      endpoint,
      message: `${e.code ?? e.name ?? "error"}: ${e.message ?? String(err)}`,
      cause: err,
      ...(status !== undefined ? { status } : {}),
    });
  }
}

/** A path id: a non-UUID one makes the relay fail with an HTML 500, so say what is wrong instead. */
function uuidArg(id: string, what: string): string {
  if (!s.UUID_RE.test(id)) throw new ClawcallError("E_INVALID_INPUT", `${what} must be a UUID`);
  return id;
}

/** Internal. Validates a request body locally: a typed E_INVALID_INPUT instead of a ZodError. */
function input<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  throw new ClawcallError("E_INVALID_INPUT", `${where}${issue?.message ?? "invalid request"}`);
}

function classifyTransport(e: { code?: string; name?: string }): TransportCode {
  switch (e.code) {
    case "ECONNREFUSED":
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "UND_ERR_CONNECT_TIMEOUT":
      return "E_TRANSPORT_CONNECT";
    case "ECONNRESET":
    case "EPIPE":
    case "UND_ERR_SOCKET":
    case "UND_ERR_CLOSED":
    case "UND_ERR_DESTROYED":
    case "UND_ERR_RES_CONTENT_LENGTH_MISMATCH":
      return "E_TRANSPORT_RESET";
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
    case "ETIMEDOUT":
      return "E_TRANSPORT_TIMEOUT";
    case "UND_ERR_ABORTED":
      return "E_TRANSPORT_ABORTED";
    default:
      return "E_TRANSPORT";
  }
}

export function createRelayClient(opts: RelayClientOptions): RelayClient {
  return new RelayClient(opts);
}
