import { Pool } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ClawcallError } from "../../src/errors.js";
import { LISTEN_MAX_TIMEOUT_S, LISTEN_READ_MARGIN_MS, RelayClient } from "../../src/relay/client.js";
import { parseRelayMessage } from "../../src/relay/messages.js";
import { type FakeAgent, type FakeRelay, startFakeRelay } from "../helpers/relay-fake-server.js";

/** The bridge pair: the long poll's timeouts, and respond's sid checks, encoding and booleans. */

const SID = "CA0123456789abcdef0123456789abcdef";
const NOTIFY = "notify-0b7c0a2e-1111-4222-8333-444455556666";

let fake: FakeRelay;
let key: string;
let agent: FakeAgent;
const clients: RelayClient[] = [];
const pools: Pool[] = [];
function client(extra: Partial<ConstructorParameters<typeof RelayClient>[0]> = {}) {
  const c = new RelayClient({ apiUrl: fake.url, apiKey: key, ...extra });
  clients.push(c);
  return c;
}

beforeEach(async () => {
  fake = await startFakeRelay();
  ({ apiKey: key, agent } = fake.addAccount());
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close(100)));
  await Promise.all(pools.splice(0).map((p) => p.destroy()));
  await fake.close();
});

describe("listen", () => {
  it("returns a queued message, or the relay's {ok:true,timeout:true}", async () => {
    const c = client();
    fake.queueMessage(agent.id, SID, "what's on my calendar");
    const msg = await c.listen(1);
    expect(msg).toEqual({ ok: true, call_sid: SID, message: "what's on my calendar" });
    expect(parseRelayMessage(SID, (msg as { message: string }).message)).toMatchObject({ kind: "caller" });
    await expect(c.listen(0)).resolves.toEqual({ ok: true, timeout: true });
  });

  it("wakes up when a message arrives during the poll", async () => {
    const c = client();
    setTimeout(() => fake.queueMessage(agent.id, SID, "[SCHEDULED] morning briefing"), 150);
    const t0 = Date.now();
    const msg = await c.listen(5);
    expect(Date.now() - t0).toBeLessThan(4_000);
    expect(msg).toMatchObject({ call_sid: SID, message: "[SCHEDULED] morning briefing" });
  });

  it.each([
    [10, "10"],
    [25, "25"],
    [26, "25"],
    [1e9, "25"],
    [2.7, "2"],
    [0, "0"],
    [-3, "0"],
    [Number.NaN, "10"],
    [Number.POSITIVE_INFINITY, "10"],
    [Number.NEGATIVE_INFINITY, "10"],
  ])("listen(%s) always sends a finite timeout ≤ 25 (sent %s)", async (asked, sent) => {
    fake.queueMessage(agent.id, SID, "hi"); // answer at once, whatever the timeout
    await client().listen(asked);
    const t = fake.hits("GET", "/api/v1/calls/listen")[0]!.query.get("timeout")!;
    expect(t).toBe(sent);
    expect(Number.isFinite(Number(t))).toBe(true);
    expect(Number(t)).toBeLessThanOrEqual(LISTEN_MAX_TIMEOUT_S);
  });

  it("uses a read timeout of at least timeout + 10 s (independent of the default headers timeout)", async () => {
    const seen: { headersTimeout?: number | null; path: string }[] = [];
    const pool = new Pool(fake.url, { connections: 1 });
    pools.push(pool);
    const orig = pool.request.bind(pool) as (o: unknown) => Promise<unknown>;
    (pool as unknown as { request: (o: unknown) => Promise<unknown> }).request = (o) => {
      seen.push(o as { headersTimeout?: number; path: string });
      return orig(o);
    };
    const c = client({ pool, headersTimeoutMs: 200 });
    for (const t of [0, 5, 25, 100]) {
      fake.queueMessage(agent.id, SID, "hi");
      await c.listen(t);
    }
    await c.account();
    const listens = seen.filter((s) => s.path.includes("/listen"));
    expect(listens.map((s) => s.headersTimeout)).toEqual([10_000, 15_000, 35_000, 35_000]);
    for (const s of listens) {
      const asked = Number(new URLSearchParams(s.path.split("?")[1]).get("timeout"));
      expect(s.headersTimeout).toBeGreaterThanOrEqual(asked * 1000 + LISTEN_READ_MARGIN_MS);
    }
    expect(seen.at(-1)!.headersTimeout).toBe(200);
  });

  it("an empty long poll outlasting the default headers timeout is not a timeout error", async () => {
    // Default headers timeout 300 ms; the relay holds the poll 1 s and answers {timeout:true}.
    const c = client({ headersTimeoutMs: 300 });
    await expect(c.listen(1)).resolves.toEqual({ ok: true, timeout: true });
    // …while an ordinary request to a silent relay does time out at 300 ms.
    fake.override("GET /api/v1/account", () => {});
    await expect(c.account()).rejects.toMatchObject({ code: "E_TRANSPORT_TIMEOUT" });
  });

  it("a rotated key gets 401 on every poll (the listener must stop, not loop)", async () => {
    const c = client();
    const rotated = await client({ apiKey: "" }).register({
      email: fake.users.get(agent.userId)!.email,
    });
    expect(rotated.api_key).not.toBe(key);
    for (let i = 0; i < 3; i++) {
      await expect(c.listen(0)).rejects.toMatchObject({ code: "E_RELAY_AUTH", status: 401 });
    }
    // The queue is keyed by agent and survives the rotation.
    fake.queueMessage(agent.id, SID, "still here");
    await expect(client({ apiKey: rotated.api_key }).listen(0)).resolves.toMatchObject({
      message: "still here",
    });
  });
});

describe("respond", () => {
  it("posts to the URL-encoded sid with end_call as a real JSON boolean", async () => {
    fake.queueMessage(agent.id, SID, "hello");
    fake.queueMessage(agent.id, NOTIFY, '[THIRD PARTY COMPLETE]\n{"job_id": "x"}');
    const c = client();
    await expect(c.respond(SID, "Hi there", false)).resolves.toEqual({ ok: true });
    await expect(c.respond(SID, "Bye", true)).resolves.toEqual({ ok: true });
    await expect(c.respond(NOTIFY, "noted", false)).resolves.toEqual({ ok: true });
    const [a, b, n] = fake.requests.filter((r) => r.path.startsWith("/api/v1/calls/respond/"));
    expect(a!.path).toBe(`/api/v1/calls/respond/${SID}`);
    expect(a!.rawBody).toBe('{"response":"Hi there","end_call":false}');
    expect(b!.rawBody).toBe('{"response":"Bye","end_call":true}');
    expect(typeof a!.json.end_call).toBe("boolean");
    expect(n!.path).toBe(`/api/v1/calls/respond/${encodeURIComponent(NOTIFY)}`);
    expect(fake.slots.get(SID)).toEqual({ response: "Bye", endCall: true });
  });

  it("never sends the string 'false' (the relay's bool() would hang up)", async () => {
    fake.queueMessage(agent.id, SID, "hello");
    await client().respond(SID, "Still here", "false" as unknown as boolean);
    const req = fake.hits("POST", `/api/v1/calls/respond/${SID}`)[0]!;
    expect(req.json.end_call).toBe(false);
    expect(fake.slots.get(SID)!.endCall).toBe(false);
  });

  it.each([
    [""],
    ["CA123"],
    [`CA${"0".repeat(31)}`],
    [`CA${"0".repeat(33)}`],
    [`CA${"A".repeat(32)}`],
    [`ca${"0".repeat(32)}`],
    [`CA${"0".repeat(31)}g`],
    [`${SID}/../../account`],
    [`${SID}?x=1`],
    [`${SID}#frag`],
    [`${SID}\n`],
    [` ${SID}`],
    [`${SID}; rm -rf ~`],
    ["../account"],
    ["notify-"],
    ["notify-not-a-uuid"],
    [`notify-${"0".repeat(36)}`],
    ["notify-0B7C0A2E-1111-4222-8333-444455556666"],
    [`${NOTIFY}x`],
    ["CА0123456789abcdef0123456789abcdef"], // Cyrillic А
    [null],
    [123],
    [undefined],
  ])("rejects the sid %j before any request", async (sid) => {
    const c = client();
    let p: Promise<unknown> | undefined;
    expect(() => {
      p = c.respond(sid as string, "hello", false);
    }).not.toThrow();
    const err = await p!.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ClawcallError);
    expect((err as ClawcallError).code).toBe("E_INVALID_CALL_SID");
    expect(fake.requests).toHaveLength(0);
  });
});
