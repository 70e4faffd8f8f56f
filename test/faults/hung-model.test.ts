/**
 * Issue 13, items 3 and 4: a model server that accepts requests and never answers. Hung deferred
 * calls must not take the slots a caller's live turn needs (the first turn after the model recovers
 * is answered by it), a call that stalls is cut, one phone call keeps at most one background call,
 * and a deferred answer that fails is told: on the caller's next turn, or by the promised callback.
 */
import { dirname } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RelayLike } from "../../src/bridge/context/index.js";
import { readBridgeStatus } from "../../src/bridge/contract.js";
import * as lines from "../../src/bridge/lines.js";
import { acquirePidLock } from "../../src/state/pidlock.js";
import { closeBridgesAfterEach, testBridge } from "../bridge/in-process.js";
import { runCli, tempCwd } from "../cli/run-cli.js";
import { ownerCall } from "../helpers/bridge-fakes.js";
import { eventually } from "../helpers/bridge-proc.js";
import { type HungModel, startHungModel } from "../helpers/hung-model.js";

closeBridgesAfterEach();
let model: HungModel | undefined;
afterEach(async () => {
  await model?.stop();
  model = undefined;
});

const sid = (n: number) => `CA${n.toString(16).padStart(32, "0")}`;
const HOLDING_START = "That one is taking me longer";

function hungBridge(m: HungModel, env: Record<string, string> = {}, relay: RelayLike | null = null) {
  return testBridge(
    {
      CLAWCALL_PHONE_MODEL_MODE: "openai",
      OPENAI_BASE_URL: m.baseUrl,
      CLAWCALL_PHONE_TIMEOUT_MS: "150",
      CLAWCALL_USER_NAME: "Sam",
      CLAWCALL_AGENT_NAME: "Pinchy",
      ...env,
    },
    { relay, callbackQuietMs: 50, statusFile: true },
  );
}

describe("a hung model server", () => {
  it("20 hung calls leave a slot for the next live turn: the first turn after recovery is the model's", async () => {
    model = await startHungModel();
    // Stalls are cut only after 20 s here: the pools alone must keep a live slot free. A 2 s phone
    // deadline leaves the recovery turn room on a loaded machine.
    const b = hungBridge(model, { CLAWCALL_MODEL_STALL_MS: "20000", CLAWCALL_PHONE_TIMEOUT_MS: "2000" });
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        b.handleMessage({ call_sid: sid(i + 1), message: `question ${i}` }),
      ),
    );
    model.recover();
    const next = await b.handleMessage({ call_sid: sid(99), message: "what is the capital of France" });
    expect(next.source).toBe("model");
    expect(next.response).toContain("capital of France");
    // 16 get a live slot (4 more are busy at once); at the deadline 4 move to the background pool
    // (each with its holding line) and the other 12 are cut.
    expect(replies.filter((r) => r.source === "deferred")).toHaveLength(4);
    expect(replies.filter((r) => r.source === "fallback")).toHaveLength(16);
    for (const r of replies.filter((x) => x.source === "deferred"))
      expect(r.response).toContain(HOLDING_START);
    await eventually(() => model!.held === 4 && model!.abandoned === 12);
  });

  it("one phone call keeps at most one background call; a second slow turn is cut, not deferred", async () => {
    model = await startHungModel();
    const b = hungBridge(model, { CLAWCALL_MODEL_STALL_MS: "20000" });
    const first = await b.handleMessage({ call_sid: sid(1), message: "first question" });
    expect(first.source).toBe("deferred");
    const second = await b.handleMessage({ call_sid: sid(1), message: "second question" });
    expect(second.source).toBe("fallback");
    expect(second.response).toBe(lines.modelFallback(false));
    await eventually(() => model!.held === 1 && model!.abandoned === 1);
  });

  it("a stalled call is cut, and the caller still on the line hears an apology on the next turn", async () => {
    model = await startHungModel();
    const b = hungBridge(model, { CLAWCALL_MODEL_STALL_MS: "1000" });
    const first = await b.handleMessage({ call_sid: sid(7), message: "when does the pharmacy close" });
    expect(first.source).toBe("deferred");
    // No headers within 1 s: the bridge gives up on the request and frees its slot.
    await eventually(() => model!.abandoned === 1 && b.gate.active === 0, 10_000);
    await eventually(() => b.deliveries.pending.some((d) => d.reason === "deferred_failed"));
    model.recover();
    // The next answer points at the failed one; the caller asks and hears the apology on its own.
    const next = await b.handleMessage({ call_sid: sid(7), message: "tell me a joke about cats" });
    expect(next.response).toMatch(/I also have news for you about "when does the pharmacy close"/);
    const told = await b.handleMessage({ call_sid: sid(7), message: "tell me" });
    const apology = lines.lateFailure(
      { agentName: "Pinchy", userName: "Sam" },
      "when does the pharmacy close",
    );
    expect(told.response).toBe(apology.inCall);
    expect(b.stats.deferredFailed).toBe(1);
    expect(b.stats.lastError?.code).toBe("E_MODEL_STALLED");

    // `clawcall status` shows it, from bridge.status.json.
    const stateDir = dirname(b.tasks.path);
    b.writeStatus();
    expect(readBridgeStatus(stateDir)?.deferredFailed).toBe(1);
    const lock = await acquirePidLock(stateDir, { name: "bridge", port: 0 });
    try {
      const s = await runCli(["status"], {
        cwd: tempCwd(),
        env: { CLAWCALL_STATE_DIR: stateDir, CLAWCALL_AGENT_PORT: "0" },
      });
      expect(s.stdout).toMatch(/^bridge .*1 late answer failed \(the caller hears an apology\)/m);
      expect(s.stdout).toMatch(/last error: E_MODEL_STALLED/);
    } finally {
      lock.release();
    }
  });

  it("a caller who hung up gets the promised callback with a one-sentence apology", async () => {
    model = await startHungModel();
    const callbacks: string[] = [];
    const relay: RelayLike = {
      account: async () =>
        ({
          tier: "pro",
          minutes_remaining: 10,
          minutes_limit: 100,
          agent_name: "Pinchy",
          is_dedicated: false,
        }) as never,
      listSchedules: async () => ({ schedules: [] }),
      history: async () => ({ calls: [ownerCall(sid(8))] }),
      callback: async (message: string) => {
        callbacks.push(message);
        return {};
      },
    };
    const b = hungBridge(model, { CLAWCALL_MODEL_STALL_MS: "1000" }, relay);
    await b.context.refresh("account");
    const first = await b.handleMessage({ call_sid: sid(8), message: "find me a plumber" });
    expect(first.source).toBe("deferred");
    expect(first.response).toBe(lines.holding(true));
    // The caller says goodbye and hangs up; the stalled call fails; the callback tells them.
    const bye = await b.handleMessage({ call_sid: sid(8), message: "goodbye" });
    expect(bye.end_call).toBe(true);
    await eventually(() => callbacks.length === 1, 10_000);
    const apology = lines.lateFailure({ agentName: "Pinchy", userName: "Sam" }, "find me a plumber").callback;
    expect(callbacks[0]).toBe(apology);
    expect(apology.match(/[.!?](\s|$)/g)).toHaveLength(1);
    expect(b.deliveries.pending).toHaveLength(0);
  });
});
