import { describe, expect, it } from "vitest";
import type { RelayLike } from "../../src/bridge/context/index.js";
import type { ModelRequest } from "../../src/bridge/model/index.js";
import type { BridgeDeps } from "../../src/bridge/server.js";
import { ClawcallError, RelayHttpError } from "../../src/errors.js";
import { ownerCall, scriptedModel } from "../helpers/bridge-fakes.js";
import { closeBridgesAfterEach, testBridge } from "./in-process.js";

const SID = `CA${"a".repeat(32)}`;
const sid = (n: number) => `CA${n.toString(16).padStart(32, "0")}`;

function fakeRelay(tier: "free" | "pro" = "pro") {
  const callbacks: string[] = [];
  /** Calls the caller has hung up (history shows them completed). */
  const ended = new Set<string>();
  const relay: RelayLike = {
    account: async () => ({
      ok: true,
      email: "a@b.c",
      tier,
      phone_number: "+1555",
      is_dedicated: false,
      minutes_used: 1,
      minutes_limit: 60,
      minutes_remaining: 59,
      agent_id: "x",
      agent_name: null,
    }),
    listSchedules: async () => ({ schedules: [] }),
    // Every call here is the owner's: from their phone to the shared number.
    history: async () => ({
      calls: [SID, sid(1), sid(2), sid(3)].map((c) => ({
        ...ownerCall(c),
        status: ended.has(c) ? "completed" : "in-progress",
      })),
    }),
    callback: async (message: string) => {
      if (tier === "free") {
        throw new RelayHttpError({
          status: 403,
          relayMessage: "Outbound calls require Pro tier or above",
          endpoint: "outbound/callback",
        });
      }
      callbacks.push(message);
      return { ok: true };
    },
  };
  return { relay, callbacks, ended };
}

const abortable = (ms: number, req: ModelRequest, text = "late answer") =>
  new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => resolve(text), ms);
    req.signal.addEventListener("abort", () => {
      clearTimeout(t);
      reject(new ClawcallError("E_DEADLINE", "aborted"));
    });
  });

closeBridgesAfterEach();

/** Pinchy, working for Sam, in UTC. */
const make = (env: Record<string, string> = {}, deps: BridgeDeps = {}) =>
  testBridge(
    { CLAWCALL_AGENT_NAME: "Pinchy", CLAWCALL_USER_NAME: "Sam", CLAWCALL_TIMEZONE: "UTC", ...env },
    deps,
  );

describe("buildBridge.handleMessage", () => {
  it("answers fast intents without touching the model", async () => {
    const m = scriptedModel();
    const b = make({}, { model: m.model });
    const r = await b.handleMessage({ call_sid: SID, message: "what's your name?" });
    expect(r).toMatchObject({
      response: "I'm Pinchy, Sam's AI assistant.",
      intent: "identity",
      source: "fast",
      end_call: false,
    });
    expect(m.requests).toHaveLength(0);
  });

  it("rejects wrong types with 400s", async () => {
    const b = make();
    await expect(b.handleMessage({ call_sid: 5, message: "x" })).rejects.toMatchObject({ status: 400 });
    await expect(b.handleMessage({ call_sid: SID })).rejects.toMatchObject({ status: 400 });
    await expect(b.handleMessage({ call_sid: SID, message: "x", kind: 3 })).rejects.toMatchObject({
      status: 400,
    });
  });

  it("gives the model the phone prompt and this call's recent turns", async () => {
    const m = scriptedModel();
    const b = make({}, { model: m.model });
    await b.handleMessage({ call_sid: SID, message: "what is your name" });
    const r = await b.handleMessage({ call_sid: SID, message: "what's the capital of Peru" });
    expect(r).toMatchObject({ source: "model", response: "echo: what's the capital of Peru." });
    const req = m.requests[0]!;
    expect(req.system).toMatch(/You are Pinchy.*Sam.*UTC.*one to three short spoken sentences/);
    expect(req.history.map((t) => t.role)).toEqual(["user", "assistant"]);
    expect(req.purpose).toBe("caller");
  });

  it("defers past the phone deadline, then calls back once the call has ended, never during it", async () => {
    const m = scriptedModel();
    m.set((req) => abortable(400, req, "The answer is **42**."));
    const { relay, callbacks, ended } = fakeRelay("pro");
    const b = make({ CLAWCALL_PHONE_TIMEOUT_MS: "100" }, { model: m.model, relay, callbackQuietMs: 200 });
    await b.context.refresh("account");
    const r = await b.handleMessage({ call_sid: SID, message: "what is the meaning of life" });
    expect(r.source).toBe("deferred");
    expect(r.response).toMatch(/call you back/);
    // The answer is ready and the line has been quiet, but the relay still shows the call going on.
    await expect.poll(() => b.deliveries.pending[0]?.attempts ?? 0, { timeout: 10_000 }).toBeGreaterThan(2);
    expect(callbacks).toHaveLength(0);
    ended.add(SID);
    await expect.poll(() => callbacks.length, { timeout: 10_000 }).toBe(1);
    expect(callbacks[0]).toBe(
      `Hi Sam, it's Pinchy with the answer to your question, "what is the meaning of life". The answer is 42.`,
    );
    expect(b.deliveries.pending).toHaveLength(0);
  });

  it("where callbacks are forbidden (403), keeps the answer for the next call", async () => {
    const m = scriptedModel();
    m.set((req) => abortable(200, req, "It is sunny."));
    const { relay, callbacks, ended } = fakeRelay("free");
    ended.add(SID);
    // The tier stays unknown (so a callback is tried); the owner is known by their number.
    relay.account = () => Promise.reject(new Error("account unavailable"));
    const b = make(
      { CLAWCALL_PHONE_TIMEOUT_MS: "100", CLAWCALL_OWNER_PHONE: "+15555550100" },
      { model: m.model, relay, callbackQuietMs: 50 },
    );
    const r = await b.handleMessage({ call_sid: SID, message: "what's the weather" });
    expect(r.source).toBe("deferred");
    await expect.poll(() => b.context.callbackForbidden, { timeout: 5_000 }).toBe(true);
    expect(callbacks).toHaveLength(0);
    // The next call: its first answer points at the late one, which is then told on its own turn.
    const next = await b.handleMessage({ call_sid: sid(2), message: "hello" });
    expect(next.response).toBe(
      `Hi Sam, it's Pinchy. What can I do for you? I also have the answer to your earlier question about "what's the weather". Say "tell me" to hear it.`,
    );
    const told = await b.handleMessage({ call_sid: sid(2), message: "tell me" });
    expect(told.response).toBe(`About your earlier question, "what's the weather": It is sunny.`);
    expect(b.deliveries.pending).toHaveLength(0);
  });

  it("cuts third-party turns at their budget and aborts the model call", async () => {
    const m = scriptedModel();
    let aborted = false;
    m.set(
      (req) =>
        new Promise((_, reject) => {
          req.signal.addEventListener("abort", () => {
            aborted = true;
            reject(new ClawcallError("E_DEADLINE", "aborted"));
          });
        }),
    );
    const b = make({}, { model: m.model, thirdPartyBudgetMs: 150 });
    const r = await b.handleMessage({ call_sid: SID, message: "[THIRD PARTY SAYS]: hello?" });
    expect(r).toMatchObject({
      kind: "third_party_says",
      source: "fallback",
      response: "Sorry, could you say that once more?",
    });
    expect(aborted).toBe(true);
  });

  it("caps concurrent model calls with a fallback line", async () => {
    const m = scriptedModel();
    m.set((req) => abortable(300, req));
    const b = make({ CLAWCALL_PHONE_TIMEOUT_MS: "5000" }, { model: m.model, maxModelCalls: 1 });
    const first = b.handleMessage({ call_sid: sid(1), message: "question one" });
    const second = await b.handleMessage({ call_sid: sid(2), message: "question two" });
    expect(second.source).toBe("fallback");
    expect((await first).source).toBe("model");
  });

  it("forgets a call after it goes idle", async () => {
    let now = Date.parse("2026-11-26T09:00:00Z");
    const b = make({}, { now: () => now });
    await b.handleMessage({ call_sid: SID, message: "what is your name" });
    now += 11 * 60_000;
    const r = await b.handleMessage({ call_sid: SID, message: "repeat that" });
    expect(r.response).toMatch(/haven't said anything yet/);
  });

  it("fast answers take a small fraction of a millisecond of handler time (reported, not asserted)", async () => {
    const b = make();
    const samples: number[] = [];
    const texts = ["what is your name", "hello", "what time is it", "how are you", "bye"];
    for (let i = 0; i < 5000; i++) {
      const r = await b.handleMessage({ call_sid: sid(i % 50), message: texts[i % texts.length]! });
      if (i >= 1000) samples.push(r.ms);
    }
    samples.sort((a, b) => a - b);
    const median = samples[Math.floor(samples.length / 2)]!;
    const p99 = samples[Math.floor(samples.length * 0.99)]!;
    console.log(
      `fast-path handler time over ${samples.length} turns: median ${median.toFixed(4)} ms, p99 ${p99.toFixed(4)} ms`,
    );
    expect(median).toBeGreaterThanOrEqual(0);
  });
});
