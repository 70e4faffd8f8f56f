import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * A small stateful fake of the ClawCall relay for client and CLI tests, on 127.0.0.1:0. It answers
 * the agent-facing endpoints with the contract's paths, shapes, status codes, error strings and check
 * order (relay contract §2–4, §6), encodes JSON the way Flask does (sorted keys, compact, trailing
 * newline, RFC 1123 dates outside billing) and answers HTML pages where Flask would crash. Every
 * request is recorded; `override` swaps in a fault for one route (see relay-fake-faults.ts).
 */

export type Tier = "free" | "pro" | "team";

export interface FakeUser {
  id: string;
  email: string;
  tier: Tier;
  phone: string | null;
  minutesUsed: number;
  minutesLimit: number;
  overage: number;
  validUntil: string | null;
}

export interface FakeAgent {
  id: string;
  userId: string;
  name: string;
  keyHash: string;
  voice: string;
  webhookUrl: string;
  createdAt: Date;
}

export interface FakeSchedule {
  id: string;
  agentId: string;
  label: string;
  cron: string;
  context: string;
  timezone: string;
  createdAt: Date;
}

export interface FakeCall {
  id: string;
  agentId: string;
  sid: string;
  direction: "inbound" | "outbound";
  callType: "user_initiated" | "task_callback" | "scheduled" | "third_party";
  from: string | null;
  to: string | null;
  duration: number | null;
  status: string;
  startedAt: Date;
  endedAt: Date | null;
  transcript?: { role: string; text: string }[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  rawBody: string;
  /** `request.get_json(silent=True) or {}`: only with a JSON content type, else `{}`. */
  json: Record<string, unknown>;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, rec: RecordedRequest) => void;

export const SHARED_NUMBER = "+14155550199";
export const WALLET = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";
const USDC_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
const LIMITS: Record<Tier, number> = { free: 10, pro: 120, team: 500 };
const PRICES: Record<"pro" | "team", number> = { pro: 9, team: 29 };
const VOICES: Record<string, string> = {
  aria: "Polly.Aria-Neural",
  joanna: "Polly.Joanna-Neural",
  matthew: "Polly.Matthew-Neural",
  amy: "Polly.Amy-Neural",
  brian: "Polly.Brian-Neural",
  emma: "Polly.Emma-Neural",
  olivia: "Polly.Olivia-Neural",
};
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const FLASK_500 =
  "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.</p>\n";
export const FLASK_404 =
  "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n";

/** Flask 3's JSON: keys sorted at every level, compact separators, a trailing newline. */
export function flaskJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v instanceof Date) return v.toUTCString();
    if (v && typeof v === "object") {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return `${JSON.stringify(sort(value))}\n`;
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = flaskJson(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(html),
  });
  res.end(html);
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** Python `(body.get(k) or "").strip()`; a non-string truthy value is an AttributeError (HTML 500). */
class Crash extends Error {}
function str(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (v === undefined || v === null || v === "" || v === 0 || v === false) return "";
  if (typeof v !== "string") throw new Crash(`'${typeof v}' object has no attribute 'strip'`);
  return v.trim();
}
/** Python `bool(value)`: the string "false" is true. */
function pyBool(v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v === "string") return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === "object") return Object.keys(v).length > 0;
  return Boolean(v);
}

export interface FakeRelayOptions {
  /** Unset means checkout answers 503 "Payments not configured on this server". */
  wallet?: string | null;
  sharedNumber?: string | null;
}

export class FakeRelay {
  readonly server: Server;
  url = "";
  readonly requests: RecordedRequest[] = [];
  readonly users = new Map<string, FakeUser>();
  readonly agents = new Map<string, FakeAgent>();
  readonly schedules = new Map<string, FakeSchedule>();
  readonly calls: FakeCall[] = [];
  readonly queues = new Map<string, { callSid: string; message: string }[]>();
  readonly waiters = new Map<string, (() => void)[]>();
  /** call_sid → the last respond body the fake accepted. */
  readonly slots = new Map<string, { response?: string; endCall?: boolean }>();
  readonly usedSignatures = new Set<string>();
  wallet: string | null;
  sharedNumber: string | null;
  readonly #overrides = new Map<string, { handler: RouteHandler; times: number }>();
  readonly #sockets = new Set<Socket>();

  constructor(opts: FakeRelayOptions = {}) {
    this.wallet = opts.wallet === undefined ? WALLET : opts.wallet;
    this.sharedNumber = opts.sharedNumber === undefined ? SHARED_NUMBER : opts.sharedNumber;
    this.server = createServer((req, res) => this.#handle(req, res));
    // Node's default (5 s). undici subtracts 1 s from the advertised hint, so a 1 s keep-alive would
    // make every request open a new socket. close() destroys whatever is still open.
    this.server.keepAliveTimeout = 5_000;
    this.server.on("connection", (s) => {
      this.#sockets.add(s);
      s.on("close", () => this.#sockets.delete(s));
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Replace one route (`"GET /api/v1/account"`) for the next `times` requests (default: always). */
  override(route: string, handler: RouteHandler, times = Number.POSITIVE_INFINITY): void {
    this.#overrides.set(route, { handler, times });
  }

  clearOverrides(): void {
    this.#overrides.clear();
  }

  /** Requests to one path (no query), in order. */
  hits(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  // --- test hooks -----------------------------------------------------------------------------------
  /** Creates an account directly (as a successful register would) and returns its key. */
  addAccount(init: Partial<Omit<FakeUser, "id">> & { name?: string } = {}): {
    user: FakeUser;
    agent: FakeAgent;
    apiKey: string;
  } {
    const tier = init.tier ?? "free";
    const user: FakeUser = {
      id: randomUUID(),
      email: (init.email ?? `agent-${randomBytes(6).toString("hex")}@clawcall.app`).toLowerCase(),
      tier,
      phone: init.phone ?? null,
      minutesUsed: init.minutesUsed ?? 0,
      minutesLimit: init.minutesLimit ?? LIMITS[tier],
      overage: init.overage ?? 0,
      validUntil: init.validUntil ?? null,
    };
    this.users.set(user.id, user);
    const apiKey = randomUUID();
    const agent: FakeAgent = {
      id: randomUUID(),
      userId: user.id,
      name: init.name ?? "My Agent",
      keyHash: sha256(apiKey),
      voice: "Polly.Aria-Neural",
      webhookUrl: "",
      createdAt: new Date(),
    };
    this.agents.set(agent.id, agent);
    return { user, agent, apiKey };
  }

  userByEmail(email: string): FakeUser | undefined {
    return [...this.users.values()].find((u) => u.email === email.toLowerCase());
  }

  agentOf(user: FakeUser): FakeAgent {
    return [...this.agents.values()]
      .filter((a) => a.userId === user.id)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())[0]!;
  }

  /** Queues a listen message for an agent and opens its response slot, waking one waiting poll. */
  queueMessage(agentId: string, callSid: string, message: string): void {
    const q = this.queues.get(agentId) ?? [];
    q.push({ callSid, message });
    this.queues.set(agentId, q);
    this.slots.set(callSid, {});
    this.waiters.get(agentId)?.shift()?.();
  }

  addCall(agentId: string, init: Partial<FakeCall> = {}): FakeCall {
    const started = init.startedAt ?? new Date(Date.UTC(2026, 2, 24, 11, 40, 5));
    const call: FakeCall = {
      id: randomUUID(),
      agentId,
      sid: `CA${randomBytes(16).toString("hex")}`,
      direction: "inbound",
      callType: "user_initiated",
      from: "+14155550100",
      to: SHARED_NUMBER,
      duration: 42,
      status: "completed",
      startedAt: started,
      endedAt: new Date(started.getTime() + 42_000),
      ...init,
    };
    this.calls.push(call);
    return call;
  }

  // --- dispatch -----------------------------------------------------------------------------------
  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://relay.invalid");
      const rawBody = Buffer.concat(chunks).toString("utf8");
      let json: Record<string, unknown> = {};
      if ((req.headers["content-type"] ?? "").split(";")[0]?.trim() === "application/json") {
        try {
          const v = JSON.parse(rawBody) as unknown;
          if (v && typeof v === "object" && !Array.isArray(v)) json = v as Record<string, unknown>;
        } catch {}
      }
      const rec: RecordedRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        rawBody,
        json,
      };
      this.requests.push(rec);
      const key = `${rec.method} ${rec.path}`;
      const ov = this.#overrides.get(key) ?? this.#overrides.get(`* ${rec.path}`);
      if (ov && ov.times > 0) {
        ov.times -= 1;
        ov.handler(req, res, rec);
        return;
      }
      try {
        this.#route(rec, res);
      } catch (err) {
        if (err instanceof Crash) sendHtml(res, 500, FLASK_500);
        else throw err;
      }
    });
  }

  #auth(rec: RecordedRequest, res: ServerResponse): { agent: FakeAgent; user: FakeUser | undefined } | null {
    const h = rec.headers.authorization;
    if (typeof h !== "string" || !h.startsWith("Bearer ")) {
      sendJson(res, 401, { ok: false, error: "Missing Authorization header" });
      return null;
    }
    const hash = sha256(h.slice(7).trim());
    const agent = [...this.agents.values()].find((a) => a.keyHash === hash);
    if (!agent) {
      sendJson(res, 401, { ok: false, error: "Invalid API key" });
      return null;
    }
    return { agent, user: this.users.get(agent.userId) };
  }

  #withinLimit(u: FakeUser): boolean {
    return u.tier === "free" ? u.minutesUsed < u.minutesLimit : u.overage < 5;
  }

  #route(rec: RecordedRequest, res: ServerResponse): unknown {
    const { method, path } = rec;
    const body = rec.json;
    const notFound = () => sendJson(res, 404, { ok: false, error: "User not found" });

    if (method === "GET" && path === "/health") return sendJson(res, 200, { ok: true, service: "clawcall" });

    if (method === "POST" && path === "/api/v1/register") {
      let email = str(body, "email").toLowerCase();
      const webhook = str(body, "agent_webhook_url");
      const name = str(body, "agent_name") || "My Agent";
      const phone = str(body, "phone_number") || null;
      if (!email) email = `agent-${randomBytes(6).toString("hex")}@clawcall.app`;
      const existing = this.userByEmail(email);
      if (existing) {
        const agent = this.agentOf(existing);
        if (!agent) throw new Crash("duplicate key value violates unique constraint");
        const apiKey = randomUUID();
        agent.keyHash = sha256(apiKey);
        agent.webhookUrl = webhook;
        if (phone) existing.phone = phone;
        return sendJson(res, 200, {
          ok: true,
          api_key: apiKey,
          phone_number: this.sharedNumber,
          tier: existing.tier,
          agent_id: agent.id,
          user_id: existing.id,
          message: "Re-registered. New API key issued.",
        });
      }
      const { user, agent, apiKey } = this.addAccount({ email, phone, name });
      agent.webhookUrl = webhook;
      return sendJson(res, 200, {
        ok: true,
        api_key: apiKey,
        email: user.email,
        phone_number: this.sharedNumber,
        tier: "free",
        agent_id: agent.id,
        user_id: user.id,
        message: `Setup complete! Your agent number is ${this.sharedNumber}. Store the api_key securely — it won't be shown again.`,
      });
    }

    if (!path.startsWith("/api/v1/")) return sendHtml(res, 404, FLASK_404);
    const who = this.#auth(rec, res);
    if (!who) return;
    const { agent, user } = who;

    if (method === "GET" && path === "/api/v1/account") {
      if (!user) return notFound();
      return sendJson(res, 200, {
        ok: true,
        email: user.email,
        tier: user.tier,
        phone_number: this.sharedNumber,
        is_dedicated: false,
        minutes_used: user.minutesUsed,
        minutes_limit: user.minutesLimit,
        minutes_remaining: Math.max(0, user.minutesLimit - user.minutesUsed),
        agent_id: agent.id,
        agent_name: agent.name,
        webhook_url: agent.webhookUrl,
      });
    }
    if (method === "POST" && path === "/api/v1/account/phone") {
      const phone = str(body, "phone_number");
      if (!phone) return sendJson(res, 400, { ok: false, error: "phone_number is required" });
      if (!user) return notFound();
      user.phone = phone;
      return sendJson(res, 200, { ok: true, phone_number: phone });
    }
    if (method === "POST" && path === "/api/v1/account/voice") {
      const v = str(body, "voice").toLowerCase();
      if (!v) return sendJson(res, 400, { ok: false, error: "voice is required" });
      let polly: string | undefined = VOICES[v];
      if (!polly && v.startsWith("polly.")) polly = `Polly.${v.slice(6)}`;
      if (!polly) {
        return sendJson(res, 400, {
          ok: false,
          error: "Unknown voice. Valid options: aria, joanna, matthew, amy, brian, emma, olivia",
        });
      }
      agent.voice = polly;
      return sendJson(res, 200, { ok: true, voice: polly });
    }
    if (method === "GET" && path === "/api/v1/agents") {
      const mine = [...this.agents.values()].filter((a) => a.userId === agent.userId);
      return sendJson(res, 200, {
        ok: true,
        agents: mine.map((a) => ({
          id: a.id,
          name: a.name,
          webhook_url: a.webhookUrl,
          voice: a.voice,
          webhook_push_url: null,
          created_at: a.createdAt,
          phone_number: this.sharedNumber,
          is_dedicated: false,
        })),
      });
    }
    if (method === "POST" && path === "/api/v1/agents") {
      if (!user) return notFound();
      if (user.tier !== "team") {
        return sendJson(res, 403, { ok: false, error: "Multi-agent support requires Team tier" });
      }
      const webhook = str(body, "agent_webhook_url");
      if (!webhook) return sendJson(res, 400, { ok: false, error: "agent_webhook_url is required" });
      const count = [...this.agents.values()].filter((a) => a.userId === user.id).length;
      if (count >= 5) return sendJson(res, 403, { ok: false, error: "Team tier allows up to 5 agents" });
      const apiKey = randomUUID();
      const name = str(body, "agent_name") || "Agent";
      const a: FakeAgent = {
        id: randomUUID(),
        userId: user.id,
        name,
        keyHash: sha256(apiKey),
        voice: "Polly.Aria-Neural",
        webhookUrl: webhook,
        createdAt: new Date(),
      };
      this.agents.set(a.id, a);
      return sendJson(res, 201, {
        ok: true,
        agent_id: a.id,
        api_key: apiKey,
        phone_number: "+14155550222",
        name,
        message: `Agent '${name}' created. Store the api_key — it won't be shown again.`,
      });
    }

    if (method === "GET" && path === "/api/v1/calls/listen") {
      const raw = rec.query.get("timeout");
      let t = 25;
      if (raw !== null) {
        const f = raw.trim() === "" ? Number.NaN : Number(raw);
        // float("abc") and float("") raise; float("nan") does not (and busy-loops the real relay).
        if (Number.isNaN(f) && raw.trim().toLowerCase() !== "nan") return sendHtml(res, 500, FLASK_500);
        t = Math.min(f, 25);
      }
      const pop = () => this.queues.get(agent.id)?.shift();
      const first = pop();
      if (first) return sendJson(res, 200, { ok: true, call_sid: first.callSid, message: first.message });
      if (!(t > 0)) return sendJson(res, 200, { ok: true, timeout: true });
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        const list = this.waiters.get(agent.id) ?? [];
        const at = list.indexOf(finish);
        if (at >= 0) list.splice(at, 1);
        const m = pop();
        if (m) sendJson(res, 200, { ok: true, call_sid: m.callSid, message: m.message });
        else sendJson(res, 200, { ok: true, timeout: true });
      };
      const timer = setTimeout(finish, t * 1000);
      const w = this.waiters.get(agent.id) ?? [];
      w.push(finish);
      this.waiters.set(agent.id, w);
      return;
    }
    const respond = /^\/api\/v1\/calls\/respond\/([^/]+)$/.exec(path);
    if (method === "POST" && respond) {
      const sid = decodeURIComponent(respond[1]!);
      const text = str(body, "response");
      if (!text) return sendJson(res, 400, { ok: false, error: "response is required" });
      const slot = this.slots.get(sid);
      if (!slot) return sendJson(res, 404, { ok: false, error: "Unknown or expired call_sid" });
      slot.response = text;
      slot.endCall = pyBool(body.end_call, false);
      return sendJson(res, 200, { ok: true });
    }

    if (method === "POST" && path === "/api/v1/calls/outbound/callback") {
      const message = str(body, "message");
      if (!message) return sendJson(res, 400, { ok: false, error: "message is required" });
      if (!user) return notFound();
      if (user.tier === "free") {
        return sendJson(res, 403, { ok: false, error: "Outbound calls require Pro tier or above" });
      }
      if (!this.#withinLimit(user))
        return sendJson(res, 429, { ok: false, error: "Monthly minute limit reached" });
      if (!user.phone) {
        return sendJson(res, 400, {
          ok: false,
          error: "No personal phone number registered. POST /api/v1/account/phone first",
        });
      }
      const sid = `CA${randomBytes(16).toString("hex")}`;
      this.addCall(agent.id, {
        sid,
        direction: "outbound",
        callType: "task_callback",
        from: null,
        to: null,
        status: "in-progress",
        duration: null,
        endedAt: null,
        startedAt: new Date(),
      });
      return sendJson(res, 200, { ok: true, call_sid: sid, callback_id: randomUUID() });
    }
    if (method === "POST" && path === "/api/v1/calls/outbound/third-party") {
      const to = str(body, "to_number");
      const objective = str(body, "objective");
      str(body, "context");
      if (!to) return sendJson(res, 400, { ok: false, error: "to_number is required" });
      if (!objective) return sendJson(res, 400, { ok: false, error: "objective is required" });
      if (!user) return notFound();
      if (user.tier !== "pro" && user.tier !== "team") {
        return sendJson(res, 403, { ok: false, error: "Third party calls require Pro tier or above" });
      }
      if (!this.#withinLimit(user))
        return sendJson(res, 429, { ok: false, error: "Monthly minute limit reached" });
      return sendJson(res, 200, {
        ok: true,
        job_id: randomUUID(),
        call_sid: `CA${randomBytes(16).toString("hex")}`,
      });
    }

    if (method === "POST" && path === "/api/v1/calls/schedule") {
      const cron = str(body, "cron");
      const label = str(body, "label") || "Scheduled call";
      const context = str(body, "task_context");
      const timezone = str(body, "timezone") || "UTC";
      if (!cron) return sendJson(res, 400, { ok: false, error: "cron is required" });
      if (!user) return notFound();
      if (user.tier === "free") {
        return sendJson(res, 403, { ok: false, error: "Scheduled calls require Pro tier or above" });
      }
      if (cron.split(/\s+/).length !== 5) {
        return sendJson(res, 400, { ok: false, error: `Invalid cron expression (need 5 fields): '${cron}'` });
      }
      const s: FakeSchedule = {
        id: randomUUID(),
        agentId: agent.id,
        label,
        cron,
        context,
        timezone,
        createdAt: new Date(),
      };
      this.schedules.set(s.id, s);
      return sendJson(res, 200, { ok: true, id: s.id, label, cron, timezone });
    }
    if (method === "GET" && path === "/api/v1/calls/schedule") {
      const mine = [...this.schedules.values()]
        .filter((s) => s.agentId === agent.id)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
      return sendJson(res, 200, {
        ok: true,
        schedules: mine.map((s) => ({
          id: s.id,
          label: s.label,
          cron_expression: s.cron,
          task_context: s.context,
          timezone: s.timezone,
          is_active: true,
          last_run_at: null,
          created_at: s.createdAt,
        })),
      });
    }
    const sched = /^\/api\/v1\/calls\/schedule\/([^/]+)$/.exec(path);
    if (method === "DELETE" && sched) {
      const id = decodeURIComponent(sched[1]!);
      if (!UUID_RE.test(id)) return sendHtml(res, 500, FLASK_500);
      const s = this.schedules.get(id);
      if (!s || s.agentId !== agent.id) return sendJson(res, 404, { ok: false, error: "Schedule not found" });
      this.schedules.delete(id);
      return sendJson(res, 200, { ok: true });
    }

    if (method === "GET" && path === "/api/v1/calls/history") {
      const raw = rec.query.get("limit");
      let limit = 20;
      if (raw !== null) {
        if (!/^\s*[-+]?\d+\s*$/.test(raw)) return sendHtml(res, 500, FLASK_500);
        limit = Math.min(Number(raw), 100);
        if (limit < 0) return sendHtml(res, 500, FLASK_500);
      }
      const withTranscripts = (rec.query.get("transcripts") ?? "").toLowerCase() === "true";
      const mine = this.calls
        .filter((c) => c.agentId === agent.id)
        .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime())
        .slice(0, limit);
      return sendJson(res, 200, {
        ok: true,
        calls: mine.map((c) => ({
          id: c.id,
          twilio_call_sid: c.sid,
          direction: c.direction,
          call_type: c.callType,
          from_number: c.from,
          to_number: c.to,
          duration_seconds: c.duration,
          status: c.status,
          started_at: c.startedAt,
          ended_at: c.endedAt,
          ...(withTranscripts && c.transcript ? { transcript: c.transcript } : {}),
        })),
      });
    }

    if (method === "POST" && path === "/api/v1/billing/checkout") {
      if (!this.wallet)
        return sendJson(res, 503, { ok: false, error: "Payments not configured on this server" });
      const tier = str(body, "tier").toLowerCase();
      if (tier !== "pro" && tier !== "team") {
        return sendJson(res, 400, { ok: false, error: "tier must be 'pro' or 'team'" });
      }
      if (!user) return notFound();
      const over = user.overage;
      const amount = PRICES[tier] + over * 0.05;
      return sendJson(res, 200, {
        ok: true,
        tier,
        payment: {
          chain: "solana-mainnet",
          wallet: this.wallet,
          token: "USDC",
          mint: USDC_MINT,
          amount,
          amount_raw: Math.round(amount * 1e6),
          decimals: 6,
        },
        instructions: `Send exactly ${amount} USDC to ${this.wallet} on Solana mainnet, then call POST /api/v1/billing/verify with your tx_signature.`,
        overage: { minutes: over, rate_per_min: 0.05, amount: over * 0.05 },
      });
    }
    if (method === "POST" && path === "/api/v1/billing/verify") {
      const sig = str(body, "tx_signature");
      const tier = str(body, "tier").toLowerCase();
      if (!sig) return sendJson(res, 400, { ok: false, error: "tx_signature is required" });
      if (tier !== "pro" && tier !== "team") {
        return sendJson(res, 400, { ok: false, error: "tier must be 'pro' or 'team'" });
      }
      if (this.usedSignatures.has(sig))
        return sendJson(res, 409, { ok: false, error: "Transaction already used" });
      if (sig.startsWith("missing")) {
        return sendJson(res, 402, { ok: false, error: "Transaction not found or not yet confirmed" });
      }
      if (sig.startsWith("short")) {
        return sendJson(res, 402, {
          ok: false,
          error: `Insufficient amount: received 1.00 USDC, expected ${PRICES[tier].toFixed(2)} USDC.`,
        });
      }
      if (!user) return notFound();
      this.usedSignatures.add(sig);
      const until = new Date(Date.now() + 30 * 86_400_000);
      user.tier = tier;
      user.minutesLimit = LIMITS[tier];
      user.overage = 0;
      user.validUntil = until.toISOString();
      const label = tier === "pro" ? "Pro" : "Team";
      return sendJson(res, 200, {
        ok: true,
        tier,
        token: "USDC",
        chain: "solana-mainnet",
        amount_paid: PRICES[tier],
        minutes_limit: LIMITS[tier],
        valid_until: until.toISOString(),
        message: `Upgraded to ${label}! Valid until ${until.toISOString().slice(0, 10)}.`,
      });
    }
    if (method === "GET" && path === "/api/v1/billing/status") {
      if (!user) return notFound();
      const days = user.validUntil
        ? Math.max(0, Math.floor((Date.parse(user.validUntil) - Date.now()) / 86_400_000))
        : null;
      return sendJson(res, 200, {
        ok: true,
        tier: user.tier,
        minutes_used: user.minutesUsed,
        minutes_limit: user.minutesLimit,
        minutes_remaining: Math.max(0, user.minutesLimit - user.minutesUsed),
        subscription_valid_until: user.validUntil,
        days_remaining: days,
        accepted_tokens: ["USDC"],
        chain: "solana-mainnet",
        payments: [...this.usedSignatures].map((tx) => ({
          tier: user.tier,
          amount: PRICES[user.tier === "team" ? "team" : "pro"],
          status: "confirmed",
          confirmed_at: new Date().toISOString(),
          valid_until: user.validUntil,
          tx,
        })),
        overage_minutes: user.overage,
        overage_owed_usdc: user.overage * 0.05,
      });
    }
    if (method === "POST" && path === "/api/v1/billing/cancel") {
      if (!user) return notFound();
      const until = user.validUntil ? user.validUntil.replace("T", " ").replace("Z", "+00:00") : "None";
      return sendJson(res, 200, {
        ok: true,
        message: `Auto-renew cancelled. Plan stays active until ${until}.`,
      });
    }

    sendHtml(res, method === "GET" || method === "POST" || method === "DELETE" ? 404 : 405, FLASK_404);
  }
}

export async function startFakeRelay(opts: FakeRelayOptions = {}): Promise<FakeRelay> {
  return new FakeRelay(opts).listen();
}
