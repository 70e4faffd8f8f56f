import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RelayHttpError } from "../../src/errors.js";
import { RelayClient } from "../../src/relay/client.js";
import { SHARED_NUMBER } from "../../src/sandbox/index.js";
import { SANDBOX_PAID_PREFIX, SANDBOX_WALLET } from "../../src/sandbox/phrases.js";
import { hits, type RunningSandbox, relayRequests, startSandbox } from "../helpers/sandbox.js";
import { body, startScriptedServer } from "../helpers/scripted-server.js";

/** Every endpoint's happy path against the sandbox relay: request shapes in, response shapes out. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RFC1123 = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

let relay: RunningSandbox;
const clients: RelayClient[] = [];
function client(apiKey: string, extra: Partial<ConstructorParameters<typeof RelayClient>[0]> = {}) {
  const c = new RelayClient({ apiUrl: relay.url, apiKey, ...extra });
  clients.push(c);
  return c;
}
const requests = () => relayRequests(relay.sb);
const store = () => relay.sb.core.store;

beforeEach(async () => {
  relay = await startSandbox({ timeScale: 1, logBodies: true });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close(100)));
  await relay.close();
});

describe("RelayClient — no-auth endpoints", () => {
  it("health", async () => {
    await expect(client("").health()).resolves.toMatchObject({ ok: true, service: "clawcall" });
    expect(requests()[0]!.headers!.authorization).toBeUndefined();
  });

  it("register (case A, new email) returns the key, email, shared number and free tier", async () => {
    const r = await client("").register({
      email: "Me@Example.com",
      phone_number: "+14155550100",
      agent_name: "Jarvis",
    });
    expect(r.api_key).toMatch(UUID);
    expect(r.email).toBe("me@example.com");
    expect(r.phone_number).toBe(SHARED_NUMBER);
    expect(r.tier).toBe("free");
    expect(r.agent_id).toMatch(UUID);
    expect(r.user_id).toMatch(UUID);
    const req = hits(relay.sb, "POST", "/api/v1/register")[0]!;
    expect(req.headers!.authorization).toBeUndefined();
    expect(req.headers!["content-type"]).toBe("application/json");
    expect(req.json).toEqual({ email: "Me@Example.com", phone_number: "+14155550100", agent_name: "Jarvis" });
  });

  it("register (case B, same email) rotates the key, has no email field, and the old key gets 401", async () => {
    const first = await client("").register({ email: "me@example.com", phone_number: "+14155550100" });
    const old = client(first.api_key);
    await expect(old.account()).resolves.toMatchObject({ email: "me@example.com" });

    const again = await client("").register({ email: "me@example.com" });
    expect(again).not.toHaveProperty("email");
    expect(again.message).toBe("Re-registered. New API key issued.");
    expect(again.api_key).not.toBe(first.api_key);
    expect(again.agent_id).toBe(first.agent_id);

    const err = await old.account().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelayHttpError);
    expect(err).toMatchObject({ code: "E_RELAY_AUTH", status: 401, relayMessage: "Invalid API key" });
    await expect(client(again.api_key).account()).resolves.toMatchObject({ agent_id: first.agent_id });
  });
});

describe("RelayClient — account and agents", () => {
  it("sends the bearer key and reads the account", async () => {
    const { api_key: apiKey, agent_id } = relay.sb.sim.addAccount({ email: "a@b.co", minutes_used: 3 });
    const acc = await client(apiKey).account();
    expect(acc).toMatchObject({
      ok: true,
      email: "a@b.co",
      tier: "free",
      phone_number: SHARED_NUMBER,
      is_dedicated: false,
      minutes_used: 3,
      minutes_limit: 10,
      minutes_remaining: 7,
      agent_id,
      agent_name: "My Agent",
    });
    // The sandbox found the agent by its key; the log keeps only the scheme.
    expect(requests()[0]!.headers!.authorization).toBe("Bearer [redacted]");
    expect(requests()[0]!.headers!.accept).toBe("application/json");
  });

  it("setPhone and setVoice", async () => {
    const { api_key: apiKey, user_id, agent_id } = relay.sb.sim.addAccount();
    const c = client(apiKey);
    await expect(c.setPhone("+447700900123")).resolves.toEqual({ ok: true, phone_number: "+447700900123" });
    expect(store().user(user_id)!.phone_number).toBe("+447700900123");
    await expect(c.setVoice("matthew")).resolves.toEqual({ ok: true, voice: "Polly.Matthew-Neural" });
    expect(store().agent(agent_id)!.voice).toBe("Polly.Matthew-Neural");
    expect(hits(relay.sb, "POST", "/api/v1/account/voice")[0]!.json).toEqual({ voice: "matthew" });
  });

  it("listAgents (RFC 1123 dates) and createAgent (201, Team)", async () => {
    const { api_key: apiKey } = relay.sb.sim.addAccount({ tier: "team" });
    const c = client(apiKey);
    const created = await c.createAgent({ agent_name: "Second", agent_webhook_url: "http://127.0.0.1:9/x" });
    expect(created.api_key).toMatch(UUID);
    expect(created.name).toBe("Second");
    const list = await c.listAgents();
    expect(list.agents).toHaveLength(2);
    expect(list.agents[0]!.created_at).toMatch(RFC1123);
  });
});

describe("RelayClient — outbound, schedules, history", () => {
  it("callback sends allow_followup as a real boolean", async () => {
    const { api_key: apiKey } = relay.sb.sim.addAccount({ tier: "pro", phone_number: "+14155550100" });
    const c = client(apiKey);
    const r = await c.callback("Your build finished", false);
    expect(r.call_sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(r.callback_id).toMatch(UUID);
    const req = hits(relay.sb, "POST", "/api/v1/calls/outbound/callback")[0]!;
    expect(req.json).toEqual({ message: "Your build finished", allow_followup: false });
    expect(req.body).toContain('"allow_followup":false');
    await c.callback("again");
    expect(hits(relay.sb, "POST", "/api/v1/calls/outbound/callback")[1]!.json.allow_followup).toBe(true);
    expect(store().t.callbacks.map((x) => x.allow_followup)).toEqual([false, true]);
  });

  it("thirdParty", async () => {
    const { api_key: apiKey } = relay.sb.sim.addAccount({ tier: "pro" });
    const r = await client(apiKey).thirdParty({
      to_number: "+14155550123",
      objective: "Book a table for two",
      context: "",
    });
    expect(r.job_id).toMatch(UUID);
    expect(r.call_sid).toMatch(/^CA/);
    expect(hits(relay.sb, "POST", "/api/v1/calls/outbound/third-party")[0]!.json).toEqual({
      to_number: "+14155550123",
      objective: "Book a table for two",
      context: "",
    });
  });

  it("createSchedule, listSchedules (cron_expression) and deleteSchedule", async () => {
    const { api_key: apiKey } = relay.sb.sim.addAccount({ tier: "pro" });
    const c = client(apiKey);
    const created = await c.createSchedule({
      cron: "0 8 * * mon-fri",
      label: "Morning",
      task_context: "news",
      timezone: "Europe/Berlin",
    });
    expect(created).toMatchObject({
      ok: true,
      label: "Morning",
      cron: "0 8 * * mon-fri",
      timezone: "Europe/Berlin",
    });
    const list = await c.listSchedules();
    expect(list.schedules[0]).toMatchObject({
      id: created.id,
      cron_expression: "0 8 * * mon-fri",
      task_context: "news",
      is_active: true,
      last_run_at: null,
    });
    expect(list.schedules[0]!.created_at).toMatch(RFC1123);
    await expect(c.deleteSchedule(created.id)).resolves.toEqual({ ok: true });
    expect((await c.listSchedules()).schedules).toEqual([]);
  });

  it("history: limit is clamped to 0..100, transcripts=true only when asked", async () => {
    const { api_key: apiKey, agent_id } = relay.sb.sim.addAccount();
    relay.sb.sim.addCallLog({
      agent_id,
      started_at: "2026-03-24T11:40:05Z",
      transcript: [
        { role: "user", text: "hi" },
        { role: "agent", text: "hello" },
      ],
    });
    relay.sb.sim.addCallLog({
      agent_id,
      started_at: "2026-03-24T11:40:05Z",
      direction: "outbound",
      call_type: "scheduled",
      from_number: null,
      to_number: null,
    });
    const c = client(apiKey);
    const plain = await c.history();
    expect(plain.calls).toHaveLength(2);
    expect(plain.calls[0]).not.toHaveProperty("transcript");
    expect(plain.calls[0]!.started_at).toMatch(RFC1123);
    expect(requests().at(-1)!.query.toString()).toBe("");

    const withT = await c.history({ limit: 500, transcripts: true });
    expect(requests().at(-1)!.query.get("limit")).toBe("100");
    expect(requests().at(-1)!.query.get("transcripts")).toBe("true");
    expect(withT.calls.find((x) => x.transcript)?.transcript).toEqual([
      { role: "user", text: "hi" },
      { role: "agent", text: "hello" },
    ]);

    await c.history({ limit: -4 });
    expect(requests().at(-1)!.query.get("limit")).toBe("0");
    // NaN would be an HTML 500 on the relay: it is not sent at all.
    await c.history({ limit: Number.NaN });
    expect(requests().at(-1)!.query.has("limit")).toBe(false);
  });
});

describe("RelayClient — billing", () => {
  it("checkout, verify, status, cancel", async () => {
    const { api_key: apiKey, user_id } = relay.sb.sim.addAccount({ overage_minutes: 2 });
    const c = client(apiKey);
    const co = await c.billingCheckout("pro");
    expect(co.payment).toMatchObject({
      chain: "solana-mainnet",
      wallet: SANDBOX_WALLET,
      token: "USDC",
      decimals: 6,
    });
    expect(co.payment.amount).toBeCloseTo(9.1);
    expect(co.overage).toMatchObject({ minutes: 2, rate_per_min: 0.05 });

    // The sandbox confirms signatures with its documented prefix instead of asking Solana.
    const v = await c.billingVerify(`${SANDBOX_PAID_PREFIX}5sigok`, "pro");
    expect(v).toMatchObject({ tier: "pro", minutes_limit: 120 });
    expect(v.valid_until).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(store().user(user_id)!.tier).toBe("pro");

    const st = await c.billingStatus();
    expect(st).toMatchObject({ tier: "pro", minutes_limit: 120, accepted_tokens: ["USDC"] });
    expect(st.days_remaining).toBeGreaterThanOrEqual(29);

    const cancel = await c.billingCancel();
    expect(cancel.message).toMatch(/^Auto-renew cancelled/);
  });
});

describe("RelayClient — base path", () => {
  it("keeps a path prefix of the API URL", async () => {
    // A relay mounted under a path (behind a proxy): the sandbox has no such mount.
    const proxy = await startScriptedServer(body(200, '{"ok":true,"service":"clawcall"}\n'));
    const c = new RelayClient({ apiUrl: `${proxy.url}/prefix/`, apiKey: "" });
    clients.push(c);
    await expect(c.health()).resolves.toMatchObject({ service: "clawcall" });
    expect(c.apiUrl).toBe(`${proxy.url}/prefix`);
    expect(proxy.seen).toEqual(["GET /prefix/health"]);
    await c.close(100);
    await proxy.close();
  });
});
