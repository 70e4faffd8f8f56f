import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_KEY, http, type Running, relay, simHttp, startSandbox } from "./helpers.js";

let rs: Running;
let base: string;
beforeAll(async () => {
  rs = await startSandbox();
  base = rs.url;
});
afterAll(async () => {
  await rs.close();
});

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function registerFree(extra: Record<string, unknown> = {}) {
  const r = await http(base, "POST", "/api/v1/register", { body: extra });
  expect(r.status).toBe(200);
  return r.json as { api_key: string; agent_id: string; user_id: string; email: string };
}

describe("conventions", () => {
  it("encodes JSON like Flask: sorted keys, compact, trailing newline, ASCII escapes", async () => {
    const r = await http(base, "POST", "/api/v1/register", { body: {} });
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.text.endsWith("}\n")).toBe(true);
    const keys = [...r.text.matchAll(/"([a-z_]+)":/g)].map((m) => m[1]);
    expect(keys).toEqual([...keys].sort());
    expect(r.text).toContain("\\u2014"); // the em dash in the setup message
    expect(r.text).not.toMatch(/", "|": "/);
  });

  it("answers unknown routes with Werkzeug's HTML 404 and wrong methods with HTML 405", async () => {
    const nf = await http(base, "GET", "/api/v1/nope");
    expect(nf.status).toBe(404);
    expect(nf.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(nf.text).toContain("<title>404 Not Found</title>");
    const slash = await http(base, "GET", "/api/v1/account/");
    expect(slash.status).toBe(404);
    const m = await http(base, "GET", "/api/v1/register");
    expect(m.status).toBe(405);
    expect(m.headers.allow).toBe("OPTIONS, POST");
    expect(m.text).toContain("<title>405 Method Not Allowed</title>");
    const webhooks = await http(base, "POST", "/webhooks/twilio/gather");
    expect(webhooks.status).toBe(404);
  });

  it("GET /health", async () => {
    const r = await http(base, "GET", "/health");
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true, service: "clawcall" });
  });

  it("serves a placeholder page at / that the softphone can replace", async () => {
    const r = await http(base, "GET", "/");
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toContain("text/html");
  });
});

describe("authentication", () => {
  it("needs exactly 'Bearer ' and a known key, with the relay's strings", async () => {
    const missing = await http(base, "GET", "/api/v1/account");
    expect(missing.status).toBe(401);
    expect(missing.text).toBe('{"error":"Missing Authorization header","ok":false}\n');
    const lower = await http(base, "GET", "/api/v1/account", {
      headers: { authorization: `bearer ${DEMO_KEY}` },
    });
    expect(lower.json).toEqual({ ok: false, error: "Missing Authorization header" });
    const bad = await http(base, "GET", "/api/v1/account", { key: "00000000-0000-4000-8000-000000000000" });
    expect(bad.status).toBe(401);
    expect(bad.json).toEqual({ ok: false, error: "Invalid API key" });
    const padded = await http(base, "GET", "/api/v1/account", {
      headers: { authorization: `Bearer   ${DEMO_KEY}  ` },
    });
    expect(padded.status).toBe(200);
  });

  it("checks auth before anything else (listen with a bad timeout and no key is 401)", async () => {
    const r = await http(base, "GET", "/api/v1/calls/listen?timeout=abc");
    expect(r.status).toBe(401);
  });
});

describe("register", () => {
  it("Case A: a new account on the free tier with a UUID key and the shared number", async () => {
    const r = await http(base, "POST", "/api/v1/register", {
      body: { email: "  New.User@Example.COM ", agent_name: "Bob", phone_number: "+14155550111" },
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      ok: true,
      email: "new.user@example.com",
      phone_number: "+15555550123",
      tier: "free",
      message:
        "Setup complete! Your agent number is +15555550123. Store the api_key securely — it won't be shown again.",
    });
    expect(r.json.api_key).toMatch(UUID_RE);
    expect(r.json.agent_id).toMatch(UUID_RE);
    const acct = await relay(base, r.json.api_key).get("/api/v1/account");
    expect(acct.json).toEqual({
      ok: true,
      email: "new.user@example.com",
      tier: "free",
      phone_number: "+15555550123",
      is_dedicated: false,
      minutes_used: 0,
      minutes_limit: 10,
      minutes_remaining: 10,
      agent_id: r.json.agent_id,
      agent_name: "Bob",
      webhook_url: "",
    });
  });

  it("generates an email when none is given; stores only the SHA-256 of the key", async () => {
    const r = await registerFree();
    expect(r.email).toMatch(/^agent-[0-9a-f]{12}@clawcall\.app$/);
    const hash = createHash("sha256").update(r.api_key).digest("hex");
    const stored = rs.sb.core.store.t.agents.find((a) => a.id === r.agent_id)!;
    expect(stored.api_key_hash).toBe(hash);
    expect(JSON.stringify(rs.sb.core.store.t)).not.toContain(r.api_key);
  });

  it("Case B: the same email rotates the key (old one dies), keeps the agent, has no email field", async () => {
    const first = await registerFree({ email: "rot@example.com", agent_webhook_url: "http://x" });
    const second = await http(base, "POST", "/api/v1/register", {
      body: { email: "ROT@example.com", phone_number: "+14155550199", agent_name: "ignored" },
    });
    expect(second.status).toBe(200);
    expect(second.json).toEqual({
      ok: true,
      api_key: second.json.api_key,
      phone_number: "+15555550123",
      tier: "free",
      agent_id: first.agent_id,
      user_id: first.user_id,
      message: "Re-registered. New API key issued.",
    });
    expect(second.json.api_key).not.toBe(first.api_key);
    expect((await relay(base, first.api_key).get("/api/v1/account")).json).toEqual({
      ok: false,
      error: "Invalid API key",
    });
    const acct = await relay(base, second.json.api_key).get("/api/v1/account");
    expect(acct.json.webhook_url).toBe("");
    expect(acct.json.agent_name).toBe("My Agent");
  });

  it("crashes (HTML 500) on non-string truthy fields and non-object bodies; ignores bad JSON", async () => {
    const num = await http(base, "POST", "/api/v1/register", { body: { email: 42 } });
    expect(num.status).toBe(500);
    expect(num.text).toContain("<title>500 Internal Server Error</title>");
    const list = await http(base, "POST", "/api/v1/register", { body: [1] });
    expect(list.status).toBe(500);
    const zero = await http(base, "POST", "/api/v1/register", { body: { email: 0 } });
    expect(zero.status).toBe(200);
    const broken = await http(base, "POST", "/api/v1/register", { raw: "{not json" });
    expect(broken.status).toBe(200);
    const noType = await http(base, "POST", "/api/v1/register", {
      raw: JSON.stringify({ email: "notype@example.com" }),
      contentType: "text/plain",
    });
    expect(noType.json.email).toMatch(/^agent-/);
  });
});

describe("account", () => {
  it("phone: required, no validation, echoes the trimmed value", async () => {
    const { api_key } = await registerFree();
    const api = relay(base, api_key);
    expect((await api.post("/api/v1/account/phone", {})).json).toEqual({
      ok: false,
      error: "phone_number is required",
    });
    expect((await api.post("/api/v1/account/phone", {})).status).toBe(400);
    expect((await api.post("/api/v1/account/phone", { phone_number: " not a phone " })).json).toEqual({
      ok: true,
      phone_number: "not a phone",
    });
  });

  it("voice: seven names, the polly. passthrough quirk, and the error text", async () => {
    const { api_key } = await registerFree();
    const api = relay(base, api_key);
    expect((await api.post("/api/v1/account/voice", { voice: " Matthew " })).json).toEqual({
      ok: true,
      voice: "Polly.Matthew-Neural",
    });
    expect((await api.post("/api/v1/account/voice", { voice: "Polly.Matthew-Neural" })).json).toEqual({
      ok: true,
      voice: "Polly.matthew-neural",
    });
    const bad = await api.post("/api/v1/account/voice", { voice: "hal" });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe(
      "Unknown voice. Valid options: aria, joanna, matthew, amy, brian, emma, olivia",
    );
    expect((await api.post("/api/v1/account/voice", {})).json.error).toBe("voice is required");
  });

  it("webhook push: Team only, checked before the body", async () => {
    const { api_key } = await registerFree();
    const r = await http(base, "POST", "/api/v1/account/webhook", { key: api_key, body: [1] });
    expect(r.status).toBe(403);
    expect(r.json.error).toBe("Webhook push requires Team tier");
  });
});

describe("agents", () => {
  it("lists agents with RFC 1123 dates; only Team may add or delete, in the contract's order", async () => {
    const reg = await registerFree();
    const api = relay(base, reg.api_key);
    const list = await api.get("/api/v1/agents");
    expect(list.json.agents).toHaveLength(1);
    expect(list.json.agents[0].created_at).toMatch(
      /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
    );
    expect(list.json.agents[0].voice).toBe("Polly.Aria-Neural");
    const add = await api.post("/api/v1/agents", {});
    expect(add.status).toBe(403);
    expect(add.json.error).toBe("Multi-agent support requires Team tier");
    expect((await api.del(`/api/v1/agents/${reg.agent_id}`)).json.error).toBe("Team tier required");

    await simHttp(base).post("/accounts/tier", { api_key: reg.api_key, tier: "team" });
    expect((await api.post("/api/v1/agents", {})).json).toEqual({
      ok: false,
      error: "agent_webhook_url is required",
    });
    const created = await api.post("/api/v1/agents", {
      agent_webhook_url: "http://hook",
      agent_name: "Second",
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      ok: true,
      name: "Second",
      phone_number: expect.stringMatching(/^\+1415555\d{4}$/),
    });
    expect(created.json.message).toBe("Agent 'Second' created. Store the api_key — it won't be shown again.");
    for (let i = 0; i < 3; i++) await api.post("/api/v1/agents", { agent_webhook_url: "http://hook" });
    const sixth = await api.post("/api/v1/agents", { agent_webhook_url: "http://hook" });
    expect(sixth.status).toBe(403);
    expect(sixth.json.error).toBe("Team tier allows up to 5 agents");

    expect((await api.del("/api/v1/agents/not-a-uuid")).status).toBe(500);
    expect((await api.del("/api/v1/agents/00000000-0000-4000-8000-000000000001")).json.error).toBe(
      "Agent not found",
    );
    const primary = await api.del(`/api/v1/agents/${reg.agent_id}`);
    expect(primary.status).toBe(400);
    expect(primary.json.error).toBe("Cannot remove the primary agent. Downgrade your account instead.");
    expect((await api.del(`/api/v1/agents/${created.json.agent_id}`)).json).toEqual({
      ok: true,
      message: "Agent removed.",
    });
    expect((await relay(base, created.json.api_key).get("/api/v1/account")).status).toBe(401);
  });

  it("PATCH: same user only, needs a field, non-UUID is an HTML 500", async () => {
    const reg = await registerFree();
    const api = relay(base, reg.api_key);
    expect((await api.patch("/api/v1/agents/xyz", { agent_name: "a" })).status).toBe(500);
    expect((await api.patch(`/api/v1/agents/${reg.agent_id}`, {})).json).toEqual({
      ok: false,
      error: "No fields to update",
    });
    expect((await api.patch(`/api/v1/agents/${reg.agent_id}`, { agent_name: null })).json).toEqual({
      ok: true,
    });
    expect((await api.get("/api/v1/account")).json.agent_name).toBe("Agent");
    const other = await registerFree();
    expect(
      (await relay(base, other.api_key).patch(`/api/v1/agents/${reg.agent_id}`, { agent_name: "x" })).status,
    ).toBe(404);
  });
});

describe("listen and respond", () => {
  it("timeout parameter: capped, 0 checks once, non-numeric is HTML 500, nan is a JSON 400", async () => {
    const { api_key } = await registerFree();
    const api = relay(base, api_key);
    expect((await api.listen(0)).json).toEqual({ ok: true, timeout: true });
    expect((await api.listen(-3)).json).toEqual({ ok: true, timeout: true });
    expect((await api.listen("0.05")).text).toBe('{"ok":true,"timeout":true}\n');
    const abc = await api.listen("abc");
    expect(abc.status).toBe(500);
    expect(abc.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect((await api.listen("")).status).toBe(500);
    const nan = await api.listen("nan");
    expect(nan.status).toBe(400);
    expect(nan.json.ok).toBe(false);
    // inf is capped at the 25 s maximum (0.5 s at 50×).
    const t0 = Date.now();
    expect((await api.listen("inf")).json).toEqual({ ok: true, timeout: true });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
  });

  it("respond: 400 for empty text, 404 for unknown sids, bool() coercion of end_call", async () => {
    const { api_key, agent_id } = await registerFree();
    const api = relay(base, api_key);
    expect((await api.respond("CAxyz", "")).json).toEqual({ ok: false, error: "response is required" });
    expect((await api.respond("CAxyz", "   ")).status).toBe(400);
    const noType = await http(base, "POST", "/api/v1/calls/respond/CAxyz", {
      key: api_key,
      raw: '{"response":"hi"}',
      contentType: null,
    });
    expect(noType.json.error).toBe("response is required");
    const unknown = await api.respond("CA00000000000000000000000000000000", "hi");
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ ok: false, error: "Unknown or expired call_sid" });
    expect((await api.respond("CAxyz", 5)).status).toBe(500);

    await simHttp(base).post("/inject", { agent_id, call_sid: "CAinjected", message: "hello" });
    expect((await api.listen(0)).json).toEqual({ ok: true, call_sid: "CAinjected", message: "hello" });
    expect((await api.respond("CAinjected", "  x  ", "false")).json).toEqual({ ok: true });
    expect(rs.sb.core.queues.slots.get("CAinjected")).toMatchObject({
      status: "done",
      result: "x",
      end_call: true,
    });
    await api.respond("CAinjected", "y", null);
    expect(rs.sb.core.queues.slots.get("CAinjected")?.end_call).toBe(false);
    // Ownership is not checked: any valid key can answer any sid.
    const other = await registerFree();
    expect((await relay(base, other.api_key).respond("CAinjected", "z")).status).toBe(200);
  });
});

describe("outbound calls need Pro", () => {
  it("callback: check order and strings", async () => {
    const { api_key } = await registerFree();
    const api = relay(base, api_key);
    expect((await api.post("/api/v1/calls/outbound/callback", {})).json).toEqual({
      ok: false,
      error: "message is required",
    });
    const free = await api.post("/api/v1/calls/outbound/callback", { message: "hi" });
    expect(free.status).toBe(403);
    expect(free.json.error).toBe("Outbound calls require Pro tier or above");
    await simHttp(base).post("/accounts/tier", { api_key, tier: "pro", overage_minutes: 5 });
    const limit = await api.post("/api/v1/calls/outbound/callback", { message: "hi" });
    expect(limit.status).toBe(429);
    expect(limit.json.error).toBe("Monthly minute limit reached");
    await simHttp(base).post("/accounts/tier", { api_key, tier: "pro", overage_minutes: 0 });
    const nophone = await api.post("/api/v1/calls/outbound/callback", { message: "hi" });
    expect(nophone.status).toBe(400);
    expect(nophone.json.error).toBe("No personal phone number registered. POST /api/v1/account/phone first");
    await api.post("/api/v1/account/phone", { phone_number: "+14155550123" });
    const okr = await api.post("/api/v1/calls/outbound/callback", { message: "hi" });
    expect(okr.json).toEqual({
      ok: true,
      call_sid: expect.stringMatching(/^CA[0-9a-f]{32}$/),
      callback_id: expect.stringMatching(UUID_RE),
    });
  });

  it("third-party: check order and strings, no number validation beyond what Twilio refuses", async () => {
    const { api_key } = await registerFree();
    const api = relay(base, api_key);
    const p = "/api/v1/calls/outbound/third-party";
    expect((await api.post(p, {})).json.error).toBe("to_number is required");
    expect((await api.post(p, { to_number: "+1" })).json.error).toBe("objective is required");
    const free = await api.post(p, { to_number: "+14155550100", objective: "x" });
    expect(free.status).toBe(403);
    expect(free.json.error).toBe("Third party calls require Pro tier or above");
    await simHttp(base).post("/accounts/tier", { api_key, tier: "pro" });
    const okr = await api.post(p, { to_number: "911", objective: "x" });
    expect(okr.status).toBe(500);
    expect(okr.json.ok).toBe(false);
    const good = await api.post(p, {
      to_number: "+1 (415) 555-0100",
      objective: "book",
      context: "2 people",
    });
    expect(good.json).toEqual({
      ok: true,
      job_id: expect.stringMatching(UUID_RE),
      call_sid: expect.stringMatching(/^CA/),
    });
  });
});

describe("schedules", () => {
  it("create/list/delete with the relay's validation texts", async () => {
    const { api_key } = await registerFree();
    const api = relay(base, api_key);
    const p = "/api/v1/calls/schedule";
    expect((await api.post(p, {})).json).toEqual({ ok: false, error: "cron is required" });
    const free = await api.post(p, { cron: "0 8 * * *" });
    expect(free.status).toBe(403);
    expect(free.json.error).toBe("Scheduled calls require Pro tier or above");
    await simHttp(base).post("/accounts/tier", { api_key, tier: "pro" });
    const four = await api.post(p, { cron: "0 8 * *" });
    expect(four.status).toBe(400);
    expect(four.json.error).toBe("Invalid cron expression (need 5 fields): '0 8 * *'");
    expect((await api.post(p, { cron: "99 8 * * *" })).json.error).toBe(
      "Error validating expression '99': the last value (99) is higher than the maximum value (59)",
    );
    expect((await api.post(p, { cron: "*/0 8 * * *" })).json.error).toBe("Increment must be higher than 0");
    expect((await api.post(p, { cron: "0 8 * dec-d *" })).json.error).toBe('Invalid month name "d"');
    expect((await api.post(p, { cron: "0 8 * * 7" })).json.error).toBe(
      "Error validating expression '7': the last value (7) is higher than the maximum value (6)",
    );
    const created = await api.post(p, { cron: "0 8 * * 1-5", timezone: "Not/AZone", task_context: "news" });
    expect(created.json).toEqual({
      ok: true,
      id: expect.stringMatching(UUID_RE),
      label: "Scheduled call",
      cron: "0 8 * * 1-5",
      timezone: "Not/AZone",
    });
    const second = await api.post(p, { cron: "30 9 * * mon-fri", label: "standup" });
    const list = await api.get(p);
    expect(list.json.schedules.map((s: { id: string }) => s.id)).toEqual([second.json.id, created.json.id]);
    expect(list.json.schedules[1]).toEqual({
      id: created.json.id,
      label: "Scheduled call",
      cron_expression: "0 8 * * 1-5",
      task_context: "news",
      timezone: "Not/AZone",
      is_active: true,
      last_run_at: null,
      created_at: expect.stringMatching(/ GMT$/),
    });
    expect((await api.del(`${p}/nope`)).status).toBe(500);
    expect((await api.del(`${p}/00000000-0000-4000-8000-000000000009`)).json).toEqual({
      ok: false,
      error: "Schedule not found",
    });
    expect((await api.del(`${p}/${created.json.id}`)).json).toEqual({ ok: true });
    expect((await api.get(p)).json.schedules).toHaveLength(1);
  });
});

describe("history", () => {
  it("limit parsing: non-integer and negative crash, 0 is empty", async () => {
    const api = relay(base, DEMO_KEY);
    expect((await api.get("/api/v1/calls/history?limit=abc")).status).toBe(500);
    expect((await api.get("/api/v1/calls/history?limit=1.5")).status).toBe(500);
    expect((await api.get("/api/v1/calls/history?limit=-1")).status).toBe(500);
    expect((await api.get("/api/v1/calls/history?limit=0")).json).toEqual({ ok: true, calls: [] });
    expect((await api.get("/api/v1/calls/history")).json.ok).toBe(true);
  });
});

describe("billing", () => {
  it("checkout, verify with the sandbox signature, 409 on reuse, status, cancel", async () => {
    const { api_key } = await registerFree();
    const api = relay(base, api_key);
    expect((await api.post("/api/v1/billing/checkout", { tier: "gold" })).json).toEqual({
      ok: false,
      error: "tier must be 'pro' or 'team'",
    });
    const co = await api.post("/api/v1/billing/checkout", { tier: "PRO" });
    expect(co.json.payment).toMatchObject({
      chain: "solana-mainnet",
      token: "USDC",
      amount_raw: 9_000_000,
      decimals: 6,
    });
    expect(co.text).toContain('"amount":9.0');
    expect(co.text).toContain('"rate_per_min":0.05');
    expect((await api.post("/api/v1/billing/verify", { tier: "pro" })).json.error).toBe(
      "tx_signature is required",
    );
    const unknown = await api.post("/api/v1/billing/verify", { tier: "pro", tx_signature: "5xyz" });
    expect(unknown.status).toBe(402);
    expect(unknown.json.error).toBe("Transaction not found or not yet confirmed");
    const under = await api.post("/api/v1/billing/verify", {
      tier: "team",
      tx_signature: "sandbox-underpaid-1",
    });
    expect(under.json.error).toBe("Insufficient amount: received 1.00 USDC, expected 29.00 USDC.");
    const paid = await api.post("/api/v1/billing/verify", { tier: "pro", tx_signature: "sandbox-paid-abc" });
    expect(paid.status).toBe(200);
    expect(paid.json).toMatchObject({ ok: true, tier: "pro", minutes_limit: 120, token: "USDC" });
    expect(paid.json.valid_until).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/);
    expect(paid.json.message).toMatch(/^Upgraded to Pro! Valid until \d{4}-\d{2}-\d{2}\.$/);
    const again = await api.post("/api/v1/billing/verify", { tier: "pro", tx_signature: "sandbox-paid-abc" });
    expect(again.status).toBe(409);
    expect(again.json.error).toBe("Transaction already used");
    const st = await api.get("/api/v1/billing/status");
    expect(st.json).toMatchObject({
      tier: "pro",
      minutes_limit: 120,
      days_remaining: 29,
      accepted_tokens: ["USDC"],
    });
    expect(st.json.payments).toHaveLength(1);
    const cancel = await api.post("/api/v1/billing/cancel");
    expect(cancel.json.message).toMatch(
      /^Auto-renew cancelled\. Plan stays active until \d{4}-\d{2}-\d{2} \d{2}:/,
    );
  });
});
