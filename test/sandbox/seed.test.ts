import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type RunningSandbox, relayRequests, startSandbox } from "../helpers/sandbox.js";

/** The test hooks that seed the sandbox (`/sandbox/accounts`, `/sandbox/call-logs`, `/sandbox/shared-number`). */

let rs: RunningSandbox;
beforeEach(async () => {
  rs = await startSandbox({ timeScale: 1, logBodies: true });
});
afterEach(() => rs.close());

async function call(method: string, path: string, body?: unknown, key?: string) {
  const res = await fetch(`${rs.url}${path}`, {
    method,
    headers: {
      "content-type": "application/json",
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
  return { status: res.status, json: (await res.json()) as any };
}

describe("seeding the sandbox over HTTP", () => {
  it("an account in a chosen state answers the relay API with its key", async () => {
    const until = new Date(Date.now() + 5 * 86_400_000).toISOString();
    const made = await call("POST", "/sandbox/accounts", {
      email: "Sam@Example.com",
      phone_number: "+14155550100",
      tier: "pro",
      minutes_used: 130,
      overage_minutes: 2,
      subscription_valid_until: until,
    });
    expect(made.status).toBe(200);
    expect(made.json).toMatchObject({ ok: true, email: "sam@example.com" });
    const acc = await call("GET", "/api/v1/account", undefined, made.json.api_key);
    expect(acc.json).toMatchObject({
      email: "sam@example.com",
      tier: "pro",
      minutes_used: 130,
      minutes_limit: 120,
      minutes_remaining: 0,
      agent_id: made.json.agent_id,
    });
    const billing = await call("GET", "/api/v1/billing/status", undefined, made.json.api_key);
    expect(billing.json).toMatchObject({ overage_minutes: 2, days_remaining: 4 });
    // The same email twice, and a bad tier, are refused.
    expect((await call("POST", "/sandbox/accounts", { email: "sam@example.com" })).status).toBe(409);
    expect((await call("POST", "/sandbox/accounts", { tier: "gold" })).status).toBe(400);
  });

  it("a past call shows in the agent's history, with its transcript on request", async () => {
    const { json: acc } = await call("POST", "/sandbox/accounts", { phone_number: "+14155550100" });
    const log = await call("POST", "/sandbox/call-logs", {
      agent_id: acc.agent_id,
      started_at: "2026-03-24T11:40:05Z",
      duration_seconds: 42,
      transcript: [{ role: "user", text: "hi" }],
    });
    expect(log.json.call_sid).toMatch(/^CA[0-9a-f]{32}$/);
    const h = await call("GET", "/api/v1/calls/history?transcripts=true", undefined, acc.api_key);
    expect(h.json.calls).toEqual([
      expect.objectContaining({
        twilio_call_sid: log.json.call_sid,
        from_number: "+14155550100",
        duration_seconds: 42,
        started_at: "Tue, 24 Mar 2026 11:40:05 GMT",
        ended_at: "Tue, 24 Mar 2026 11:40:47 GMT",
        transcript: [{ role: "user", text: "hi" }],
      }),
    ]);
    expect((await call("POST", "/sandbox/call-logs", { agent_id: "nobody", started_at: "x" })).status).toBe(
      400,
    );
  });

  it("without a shared number, register hands out none; it can be given back", async () => {
    expect((await call("POST", "/sandbox/shared-number", { number: null })).json).toEqual({
      ok: true,
      number: null,
    });
    const r = await call("POST", "/api/v1/register", { phone_number: "+14155550100" });
    expect(r.json.phone_number).toBeNull();
    await call("POST", "/sandbox/shared-number", { number: "+15555550199" });
    const again = await call("POST", "/api/v1/register", { phone_number: "+14155550101" });
    expect(again.json.phone_number).toBe("+15555550199");
  });
});

describe("the request log with bodies", () => {
  it("keeps what the client sent, never the key", async () => {
    const { json: acc } = await call("POST", "/sandbox/accounts", {});
    await call("POST", "/api/v1/account/voice", { voice: "emma" }, acc.api_key);
    const [req] = relayRequests(rs.sb);
    expect(req).toMatchObject({ endpoint: "voice", status: 200, json: { voice: "emma" } });
    expect(req!.headers!.authorization).toBe("Bearer [redacted]");
    expect(JSON.stringify(rs.sb.sim.stats())).not.toContain(acc.api_key);
  });
});
