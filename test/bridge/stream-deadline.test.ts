/**
 * Streaming at the phone deadline (issue 15, item 3): whole sentences that have arrived are said, the
 * rest is told later; a third-party turn gets no partial answer. Models here settle when the test says so.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";
import { describe, expect, it } from "vitest";
import { postChat } from "../../src/bridge/model/chat-http.js";
import type { ModelBackend, ModelRequest } from "../../src/bridge/model/index.js";
import { ModelGate, wholeSentences } from "../../src/bridge/model-gate.js";
import { deferred } from "../../src/util/async.js";
import { eventually } from "../helpers/proc.js";
import { closeBridgesAfterEach, testBridge } from "./in-process.js";

closeBridgesAfterEach();

const REQ = { callSid: "CA1", system: "s", utterance: "u", history: [], purpose: "caller" } as const;

/** A model that streams what the test says (`stream`) and ends when told (`finish`). */
function streamingGate(phoneTimeoutMs = 30) {
  const calls: { req: ModelRequest; finish(text: string): void }[] = [];
  const model: ModelBackend = {
    mode: "openai",
    modelName: "streaming",
    complete: (req) => {
      const d = deferred<{ text: string; via: string }>();
      req.signal.addEventListener("abort", () => d.reject(req.signal.reason), { once: true });
      calls.push({ req, finish: (text) => d.resolve({ text, via: "held" }) });
      return d.promise;
    },
    gateway: () => ({ reachable: null, chat_completions: null }),
    probe: async () => {},
    close: async () => {},
  };
  const g = new ModelGate({ model, phoneTimeoutMs, thirdPartyBudgetMs: 30, onLateFailure: () => {} });
  return { g, calls, model };
}

describe("whole sentences at the deadline", () => {
  it.each([
    ["The shop opens at nine. It closes", "The shop opens at nine."],
    ["Yes! And then? More", "Yes! And then?"],
    ["It costs 3.", ""],
    ["It costs 3.5 dollars", ""],
    ['He said "go." Then', 'He said "go."'],
    ["", ""],
  ])("%j → %j", (text, said) => {
    expect(wholeSentences(text)).toBe(said);
  });

  it("the gate says the sentences that arrived and keeps the rest for later", async () => {
    const { g, calls } = streamingGate();
    const p = g.run(REQ, "phone", performance.now());
    calls[0]!.req.onText?.("The shop opens at nine. It closes at");
    const r = await p;
    expect(r).toMatchObject({ kind: "late", said: "The shop opens at nine." });
    calls[0]!.finish("The shop opens at nine. It closes at six.");
    expect(await (r as { late: Promise<string | undefined> }).late).toBe("It closes at six.");
  });

  it("nothing left after what was said: the rest is empty, not a failure", async () => {
    const { g, calls } = streamingGate();
    const p = g.run(REQ, "phone", performance.now());
    calls[0]!.req.onText?.("Done. ");
    const r = await p;
    calls[0]!.finish("Done.");
    expect(await (r as { late: Promise<string | undefined> }).late).toBe("");
  });

  it("no whole sentence yet: the holding line as before; third-party turns never stream", async () => {
    const { g, calls } = streamingGate();
    const p = g.run(REQ, "phone", performance.now());
    calls[0]!.req.onText?.("The shop opens at");
    const r = await p;
    expect(r.kind).toBe("late");
    expect((r as { said?: string }).said).toBeUndefined();
    calls[0]!.finish("x");
    const tp = g.run({ ...REQ, callSid: "CA2", purpose: "third_party" }, "third_party", performance.now());
    expect(calls[1]!.req.onText).toBeUndefined();
    expect((await tp).kind).toBe("error");
  });

  it("postChat reports the streamed text as it arrives, and stops at [DONE]", async () => {
    const release = deferred<void>();
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const chunk = (t: string) => `data: ${JSON.stringify({ choices: [{ delta: { content: t } }] })}\n\n`;
      res.write(chunk("The shop opens "));
      res.write(chunk("at nine. It"));
      void release.promise.then(() => res.end(`${chunk(" closes at six.")}data: [DONE]\n\n`));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const dispatcher = new Agent();
    const seen: string[] = [];
    const reply = postChat({
      dispatcher,
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`,
      token: undefined,
      body: {},
      signal: AbortSignal.timeout(10_000),
      stallMs: 5_000,
      onText: (t) => {
        seen.push(t);
        if (t.endsWith("It")) release.resolve();
      },
    });
    expect(await reply).toBe("The shop opens at nine. It closes at six.");
    expect(seen).toContain("The shop opens at nine. It");
    expect(seen.at(-1)).toBe("The shop opens at nine. It closes at six.");
    await dispatcher.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("a caller hears the sentences that arrived; the rest is told like a late answer", async () => {
    const { calls, model } = streamingGate(100);
    const b = testBridge(
      {
        CLAWCALL_PHONE_TIMEOUT_MS: "100",
        CLAWCALL_AGENT_NAME: "Pinchy",
        CLAWCALL_USER_NAME: "Sam",
        CLAWCALL_TIMEZONE: "UTC",
      },
      { model },
    );
    const turn = b.handleMessage({
      call_sid: "CAstream1",
      message: "when does the hardware shop on main street open",
    });
    await eventually(() => calls.length === 1);
    calls[0]!.req.onText?.("The shop opens at nine. It closes");
    const r = await turn;
    expect(r).toMatchObject({ source: "model", response: "The shop opens at nine." });
    calls[0]!.finish("The shop opens at nine. It closes at six.");
    await eventually(() => b.deliveries.pending.length === 1);
    const told = b.deliveries.pending[0]!;
    expect(told.inCall).toContain("It closes at six.");
    expect(told.inCall).not.toContain("opens at nine");
  });
});
