import { Pool } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ClawcallError } from "../../src/errors.js";
import { LISTEN_MAX_TIMEOUT_S, LISTEN_READ_MARGIN_MS, RelayClient } from "../../src/relay/client.js";
import { parseRelayMessage } from "../../src/relay/messages.js";
import { eventually } from "../helpers/proc.js";
import { hits, type RunningSandbox, relayRequests, startSandbox } from "../helpers/sandbox.js";

/** The bridge pair: the long poll's timeouts, and respond's sid checks, encoding and booleans. */

const SID = "CA0123456789abcdef0123456789abcdef";
const NOTIFY = "notify-0b7c0a2e-1111-4222-8333-444455556666";

let relay: RunningSandbox;
let key: string;
let agentId: string;
let email: string;
const clients: RelayClient[] = [];
const pools: Pool[] = [];
function client(extra: Partial<ConstructorParameters<typeof RelayClient>[0]> = {}) {
  const c = new RelayClient({ apiUrl: relay.url, apiKey: key, ...extra });
  clients.push(c);
  return c;
}
/** What a caller's turn does on the relay: the message is queued for the agent and its slot opened. */
const queueMessage = (callSid: string, message: string) =>
  relay.sb.sim.inject({ agent_id: agentId, call_sid: callSid, message });

beforeEach(async () => {
  // Real seconds for `timeout=` (no time scale): the tests hold polls against client timeouts.
  relay = await startSandbox({ timeScale: 1, logBodies: true });
  ({ api_key: key, agent_id: agentId, email } = relay.sb.sim.addAccount());
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close(100)));
  await Promise.all(pools.splice(0).map((p) => p.destroy()));
  await relay.close();
});

describe("listen", () => {
  it("returns a queued message, or the relay's {ok:true,timeout:true}", async () => {
    const c = client();
    queueMessage(SID, "what's on my calendar");
    const msg = await c.listen(1);
    expect(msg).toEqual({ ok: true, call_sid: SID, message: "what's on my calendar" });
    expect(parseRelayMessage(SID, (msg as { message: string }).message)).toMatchObject({ kind: "caller" });
    await expect(c.listen(0)).resolves.toEqual({ ok: true, timeout: true });
  });

  it("wakes up when a message arrives during the poll", async () => {
    const c = client();
    const t0 = Date.now();
    const poll = c.listen(5);
    // Once the poll waits on the relay, queue the message: it is delivered to that poll.
    await eventually(() => relay.sb.sim.queues().waiting[agentId] === 1, 5_000, 5);
    queueMessage(SID, "[SCHEDULED] morning briefing");
    const msg = await poll;
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
    queueMessage(SID, "hi"); // answer at once, whatever the timeout
    await client().listen(asked);
    const t = hits(relay.sb, "GET", "/api/v1/calls/listen")[0]!.query.get("timeout")!;
    expect(t).toBe(sent);
    expect(Number.isFinite(Number(t))).toBe(true);
    expect(Number(t)).toBeLessThanOrEqual(LISTEN_MAX_TIMEOUT_S);
  });

  it("uses a read timeout of at least timeout + 10 s (independent of the default headers timeout)", async () => {
    const seen: { headersTimeout?: number | null; path: string }[] = [];
    const pool = new Pool(relay.url, { connections: 1 });
    pools.push(pool);
    const orig = pool.request.bind(pool) as (o: unknown) => Promise<unknown>;
    (pool as unknown as { request: (o: unknown) => Promise<unknown> }).request = (o) => {
      seen.push(o as { headersTimeout?: number; path: string });
      return orig(o);
    };
    const c = client({ pool, headersTimeoutMs: 200 });
    for (const t of [0, 5, 25, 100]) {
      queueMessage(SID, "hi");
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
    relay.sb.sim.addFault({ endpoint: "account", kind: "hang" });
    await expect(c.account()).rejects.toMatchObject({ code: "E_TRANSPORT_TIMEOUT" });
  });

  it("a rotated key gets 401 on every poll (the listener must stop, not loop)", async () => {
    const c = client();
    const rotated = await client({ apiKey: "" }).register({ email });
    expect(rotated.api_key).not.toBe(key);
    for (let i = 0; i < 3; i++) {
      await expect(c.listen(0)).rejects.toMatchObject({ code: "E_RELAY_AUTH", status: 401 });
    }
    // The queue is keyed by agent and survives the rotation.
    queueMessage(SID, "still here");
    await expect(client({ apiKey: rotated.api_key }).listen(0)).resolves.toMatchObject({
      message: "still here",
    });
  });
});

describe("respond", () => {
  it("posts to the URL-encoded sid with end_call as a real JSON boolean", async () => {
    queueMessage(SID, "hello");
    queueMessage(NOTIFY, '[THIRD PARTY COMPLETE]\n{"job_id": "x"}');
    const c = client();
    await expect(c.respond(SID, "Hi there", false)).resolves.toEqual({ ok: true });
    await expect(c.respond(SID, "Bye", true)).resolves.toEqual({ ok: true });
    await expect(c.respond(NOTIFY, "noted", false)).resolves.toEqual({ ok: true });
    const [a, b, n] = relayRequests(relay.sb).filter((r) => r.pathname.startsWith("/api/v1/calls/respond/"));
    expect(a!.pathname).toBe(`/api/v1/calls/respond/${SID}`);
    expect(a!.body).toBe('{"response":"Hi there","end_call":false}');
    expect(b!.body).toBe('{"response":"Bye","end_call":true}');
    expect(typeof a!.json.end_call).toBe("boolean");
    expect(n!.pathname).toBe(`/api/v1/calls/respond/${encodeURIComponent(NOTIFY)}`);
    expect(relay.sb.core.queues.slots.get(SID)).toMatchObject({
      status: "done",
      result: "Bye",
      end_call: true,
    });
  });

  it("never sends the string 'false' (the relay's bool() would hang up)", async () => {
    queueMessage(SID, "hello");
    await client().respond(SID, "Still here", "false" as unknown as boolean);
    const req = hits(relay.sb, "POST", `/api/v1/calls/respond/${SID}`)[0]!;
    expect(req.json.end_call).toBe(false);
    expect(relay.sb.core.queues.slots.get(SID)!.end_call).toBe(false);
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
    expect(relayRequests(relay.sb)).toHaveLength(0);
  });
});
