/**
 * The model gate: slots, the phone budget (defer and finish in the background), the third-party
 * budget (abort) and background work. Models here settle when the test says so.
 */
import { describe, expect, it } from "vitest";
import type { ModelBackend, ModelRequest } from "../../src/bridge/model/index.js";
import { ModelGate } from "../../src/bridge/model-gate.js";
import { ClawcallError, DeadlineError } from "../../src/errors.js";
import { deferred } from "../../src/util/async.js";

const REQ = { callSid: "CA1", system: "s", utterance: "u", history: [], purpose: "caller" } as const;

/** A model whose calls wait for the test: `calls[i].finish(text)` or `.fail(err)`. */
function heldModel() {
  const calls: { req: ModelRequest; finish(text: string): void; fail(err: unknown): void }[] = [];
  const model: ModelBackend = {
    mode: "openai",
    modelName: "held",
    complete: (req) => {
      const d = deferred<{ text: string; via: string }>();
      req.signal.addEventListener("abort", () => d.reject(req.signal.reason), { once: true });
      calls.push({ req, finish: (text) => d.resolve({ text, via: "held" }), fail: d.reject });
      return d.promise;
    },
    gateway: () => ({ reachable: null, chat_completions: null }),
    probe: async () => {},
    close: async () => {},
  };
  return { model, calls };
}

function gate(o: Partial<ConstructorParameters<typeof ModelGate>[0]> = {}) {
  const m = heldModel();
  const late: unknown[] = [];
  const g = new ModelGate({
    model: m.model,
    phoneTimeoutMs: 60_000,
    onLateFailure: (err) => late.push(err),
    ...o,
  });
  return { g, calls: m.calls, late };
}

describe("ModelGate", () => {
  it("answers within the budget with the model's text", async () => {
    const { g, calls } = gate();
    const p = g.run(REQ, "phone", performance.now());
    calls[0]!.finish("hello");
    expect(await p).toEqual({ kind: "ok", text: "hello", via: "held" });
    expect(g.active).toBe(0);
  });

  it("takes at most maxCalls at once; the next gets E_MODEL_BUSY at once, and a freed slot is reused", async () => {
    const { g, calls } = gate({ maxCalls: 2 });
    const a = g.run(REQ, "phone", performance.now());
    const b = g.run(REQ, "phone", performance.now());
    const busy = await g.run(REQ, "phone", performance.now());
    expect(busy.kind).toBe("error");
    expect((busy as { err: ClawcallError }).err.code).toBe("E_MODEL_BUSY");
    expect(calls).toHaveLength(2);
    expect(g.active).toBe(2);
    calls[0]!.finish("one");
    await a;
    const c = g.run(REQ, "phone", performance.now());
    expect(calls).toHaveLength(3);
    calls[1]!.finish("two");
    calls[2]!.finish("three");
    expect((await b).kind).toBe("ok");
    expect(await c).toMatchObject({ kind: "ok", text: "three" });
  });

  it("a phone turn past its deadline is `late`: the work goes on and its text arrives afterwards", async () => {
    const { g, calls } = gate({ phoneTimeoutMs: 30 });
    const r = await g.run(REQ, "phone", performance.now());
    expect(r.kind).toBe("late");
    expect(g.background).toBe(1);
    expect(calls[0]!.req.signal.aborted).toBe(false);
    calls[0]!.finish("the late answer");
    expect(await (r as { late: Promise<string | undefined> }).late).toBe("the late answer");
  });

  it("a late call that fails is reported once and yields no text", async () => {
    const { g, calls, late } = gate({ phoneTimeoutMs: 30 });
    const r = await g.run(REQ, "phone", performance.now());
    const boom = new ClawcallError("E_MODEL_HTTP", "500");
    calls[0]!.fail(boom);
    expect(await (r as { late: Promise<string | undefined> }).late).toBeUndefined();
    expect(late).toEqual([boom]);
  });

  it("a third-party turn is cut at its budget: the call is aborted and the error names the whole budget", async () => {
    const { g, calls } = gate({ phoneTimeoutMs: 60_000, thirdPartyBudgetMs: 40 });
    const r = await g.run({ ...REQ, purpose: "third_party" }, "third_party", performance.now());
    expect(r.kind).toBe("error");
    const err = (r as { err: DeadlineError }).err;
    expect(err).toBeInstanceOf(DeadlineError);
    expect(err.deadlineMs).toBe(40);
    expect(err.message).toBe("the model passed its 40 ms deadline");
    expect(calls[0]!.req.signal.aborted).toBe(true);
  });

  it("budgets count from the turn's start: a turn already past them is decided at once", async () => {
    let clock = 1_000;
    const { g } = gate({ phoneTimeoutMs: 100, monotonic: () => clock });
    clock = 1_500;
    const r = await g.run(REQ, "phone", 1_000);
    expect(r.kind).toBe("late");
  });

  it("caps the third-party budget by the phone deadline and floors the work deadline at it", () => {
    const { g } = gate({ phoneTimeoutMs: 5_000, thirdPartyBudgetMs: 10_000, workTimeoutMs: 1_000 });
    expect(g.thirdPartyBudgetMs).toBe(5_000);
    expect(g.workTimeoutMs).toBe(5_000);
  });

  it("track() counts background work until it settles", async () => {
    const { g } = gate();
    const d = deferred();
    const tracked = g.track(d.promise);
    expect(g.background).toBe(1);
    d.resolve();
    await tracked;
    expect(g.background).toBe(0);
  });

  it("at the deadline work moves to the background pool and frees its live slot; a full pool cuts it", async () => {
    const { g, calls } = gate({ phoneTimeoutMs: 20, maxCalls: 1, maxBackground: 1 });
    const a = await g.run(REQ, "phone", performance.now());
    expect(a.kind).toBe("late");
    // The live slot is free again although the first call still runs.
    const b = await g.run({ ...REQ, callSid: "CA2" }, "phone", performance.now());
    expect(b.kind).toBe("error");
    expect((b as { err: ClawcallError }).err.code).toBe("E_MODEL_BUSY");
    expect(calls).toHaveLength(2);
    expect(calls[0]!.req.signal.aborted).toBe(false);
    expect(calls[1]!.req.signal.aborted).toBe(true);
    calls[0]!.finish("done");
    expect(await (a as { late: Promise<string | undefined> }).late).toBe("done");
    expect(g.active).toBe(0);
  });

  it("one phone call has at most one background call: its next slow turn is cut, another call's is not", async () => {
    const { g, calls } = gate({ phoneTimeoutMs: 20 });
    const first = await g.run(REQ, "phone", performance.now());
    expect(first.kind).toBe("late");
    const again = await g.run(REQ, "phone", performance.now());
    expect(again.kind).toBe("error");
    expect((again as { err: ClawcallError }).err.message).toMatch(
      /already has a model call in the background/,
    );
    expect((await g.run({ ...REQ, callSid: "CA2" }, "phone", performance.now())).kind).toBe("late");
    calls[0]!.finish("first");
    expect(await (first as { late: Promise<string | undefined> }).late).toBe("first");
    // The first call's background work is over: it may defer again.
    const third = g.run(REQ, "phone", performance.now());
    expect((await third).kind).toBe("late");
    expect(calls).toHaveLength(4);
  });

  it("abortAll cuts every call in flight (live and background) and refuses new ones", async () => {
    const { g, calls } = gate({ phoneTimeoutMs: 20 });
    const bg = await g.run(REQ, "phone", performance.now());
    const live = g.run({ ...REQ, callSid: "CA2" }, "third_party", performance.now() + 10_000);
    g.abortAll();
    expect(calls.every((c) => c.req.signal.aborted)).toBe(true);
    expect(((await live) as { err: ClawcallError }).err.code).toBe("E_MODEL_ABORTED");
    expect(await (bg as { late: Promise<string | undefined> }).late).toBeUndefined();
    const after = await g.run(REQ, "phone", performance.now());
    expect((after as { err: ClawcallError }).err.code).toBe("E_MODEL_ABORTED");
    expect(calls).toHaveLength(2);
  });
});
