/**
 * A small client for the sandbox's simulation API (`/sandbox/...`), used by `clawcall phone` and
 * `clawcall say`. It exists only on the sandbox relay: the real relay has no phone simulator.
 */
import { Agent, request } from "undici";

/** One entry of a call's event log (see telephony.ts `CallEvent`). */
export interface SimEvent {
  index: number;
  type: string;
  /** Real ms since the call was created. */
  ms: number;
  /** Simulated seconds since the call was created. */
  sim_s?: number;
  text?: string;
  [key: string]: unknown;
}

export interface SimCallView {
  sid: string;
  kind: string;
  state: string;
  phase?: string;
  status?: string | null;
  from?: string;
  to?: string;
  events: SimEvent[];
}

/** Nothing answers at the URL (connection refused, timeout): the sandbox is not running. */
export class SandboxUnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`the sandbox relay is not running at ${url}: start it with \`npm start\` (${reason})`);
    this.name = "SandboxUnreachableError";
  }
}

/** The sandbox answered with an error (or something that is not the sandbox answered). */
export class SimApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "SimApiError";
  }
}

export interface SimClientOptions {
  /** Per-request timeout. Default 10 s. */
  timeoutMs?: number;
}

const ENDED_STATES = new Set(["ended", "completed", "failed", "busy", "no-answer", "canceled"]);

export function isEnded(call: SimCallView): boolean {
  return ENDED_STATES.has(call.state) || call.events.some((e) => e.type === "hangup");
}

export class SimClient {
  readonly baseUrl: string;
  readonly #timeoutMs: number;
  readonly #agent = new Agent({ keepAliveTimeout: 2_000, connections: 4 });

  constructor(baseUrl: string, opts: SimClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** Closes the connections so the process can exit. */
  async close(): Promise<void> {
    await this.#agent.close().catch(() => {});
  }

  async #req(method: "GET" | "POST", path: string, body?: unknown): Promise<Record<string, unknown>> {
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(`${this.baseUrl}${path}`, {
        method,
        dispatcher: this.#agent,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
        signal: AbortSignal.timeout(this.#timeoutMs + 1_000),
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new SandboxUnreachableError(this.baseUrl, e.code ?? e.message);
    }
    const text = await res.body.text();
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
    const obj =
      data && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
    if (res.statusCode === 404 && data === undefined) {
      throw new SimApiError(
        404,
        `${this.baseUrl} answers but has no simulation API (${path}): is it the sandbox relay? ` +
          "`clawcall phone` and `clawcall say` only work against the sandbox.",
      );
    }
    if (res.statusCode >= 400 || obj.ok === false) {
      const msg = typeof obj.error === "string" ? obj.error : `HTTP ${res.statusCode}`;
      throw new SimApiError(res.statusCode, `${method} ${path}: ${msg}`);
    }
    return obj;
  }

  /** Checks that the simulation API answers. */
  async probe(): Promise<void> {
    await this.#req("GET", "/sandbox/calls");
  }

  /** Gives the demo account its month's minutes back (and clears its overage). */
  async refillMinutes(): Promise<{ email: string; minutes_limit: number }> {
    const r = await this.#req("POST", "/sandbox/accounts/refill", {});
    return { email: String(r.email ?? ""), minutes_limit: Number(r.minutes_limit ?? 0) };
  }

  /** Starts an inbound call (the demo user dialling the shared number unless told otherwise). */
  async startCall(opts: { from?: string | undefined; to?: string | undefined } = {}): Promise<string> {
    const body: Record<string, string> = {};
    if (opts.from) body.from = opts.from;
    if (opts.to) body.to = opts.to;
    const r = await this.#req("POST", "/sandbox/calls", body);
    const sid = r.call_sid ?? (r.call as { sid?: unknown } | undefined)?.sid;
    if (typeof sid !== "string") throw new SimApiError(500, "POST /sandbox/calls returned no call_sid");
    return sid;
  }

  /** The caller speaks. `captured` is false when nobody was listening (the line lost it). */
  async say(sid: string, text: string): Promise<{ captured: boolean }> {
    const r = await this.#req("POST", `/sandbox/calls/${encodeURIComponent(sid)}/say`, { text });
    return { captured: r.captured !== false };
  }

  async silence(sid: string): Promise<void> {
    await this.#req("POST", `/sandbox/calls/${encodeURIComponent(sid)}/silence`, {});
  }

  async hangup(sid: string): Promise<void> {
    await this.#req("POST", `/sandbox/calls/${encodeURIComponent(sid)}/hangup`, {});
  }

  async call(sid: string): Promise<SimCallView> {
    const r = await this.#req("GET", `/sandbox/calls/${encodeURIComponent(sid)}`);
    const c = (r.call && typeof r.call === "object" ? r.call : r) as Record<string, unknown>;
    return {
      sid: String(c.sid ?? c.call_sid ?? sid),
      kind: String(c.kind ?? "inbound"),
      state: String(c.state ?? "unknown"),
      phase: typeof c.phase === "string" ? c.phase : undefined,
      status: typeof c.status === "string" ? c.status : null,
      from: typeof c.from === "string" ? c.from : undefined,
      to: typeof c.to === "string" ? c.to : undefined,
      events: Array.isArray(c.events) ? (c.events as SimEvent[]) : [],
    };
  }
}
