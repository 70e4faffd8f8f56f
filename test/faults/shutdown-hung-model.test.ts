/**
 * Issue 13, item 6: shutdown does not wait for the model. A real bridge process whose model server
 * hangs: SIGTERM cuts the in-flight model call (the waiting caller gets the fallback line at once)
 * and the process exits within a few seconds; a `--replace` takes over while a deferred call hangs,
 * and the caller is told about the answer that will never come. Stalls are not cut here (60 s), so
 * only the shutdown path can end the calls.
 */
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import * as lines from "../../src/bridge/lines.js";
import { MAX_PHONE_TIMEOUT_MS } from "../../src/listener/timings.js";
import { bridgeTempDir } from "../helpers/bridge-fakes.js";
import {
  type BridgeProc,
  bridgeEnv,
  CALL_SID,
  eventually,
  killAllBridges,
  say,
  spawnBridge,
  startBridge,
} from "../helpers/bridge-proc.js";
import { type HungModel, startHungModel } from "../helpers/hung-model.js";
import { type RunningSandbox, seedOwnerCalls, startSandbox } from "../helpers/sandbox.js";

let model: HungModel | undefined;
let relay: RunningSandbox;
beforeEach(async () => {
  relay = await startSandbox();
  // The caller is the owner (their phone, the shared number): late answers are theirs to hear.
  seedOwnerCalls(relay.sb, [CALL_SID]);
});
afterEach(async () => {
  await killAllBridges();
  await model?.stop();
  model = undefined;
  await relay.close();
});
afterAll(killAllBridges);

/** Generous: the old bridge waited the phone deadline plus 2 s, then for the hung request itself. */
const EXIT_BOUND_MS = 8_000;

function env(m: HungModel, stateDir: string, phoneTimeoutMs: number) {
  return bridgeEnv({
    CLAWCALL_STATE_DIR: stateDir,
    CLAWCALL_PHONE_MODEL_MODE: "openai",
    OPENAI_BASE_URL: m.baseUrl,
    CLAWCALL_PHONE_TIMEOUT_MS: String(phoneTimeoutMs),
    CLAWCALL_MODEL_STALL_MS: "60000",
    CLAWCALL_AGENT_NAME: "Pinchy",
    CLAWCALL_USER_NAME: "Sam",
    PATH: "/nonexistent",
    CLAWCALL_API_URL: relay.url,
  });
}

async function stopTimed(b: BridgeProc): Promise<{ ms: number; code: number | null }> {
  const t0 = performance.now();
  const e = await b.stop("SIGTERM");
  return { ms: performance.now() - t0, code: e.code };
}

describe("shutdown with a hung model", () => {
  it("SIGTERM with a live turn waiting on the model: the caller gets a line and the bridge exits at once", async () => {
    model = await startHungModel();
    // The longest phone deadline there is, so the turn is surely still waiting when SIGTERM comes.
    const b = await startBridge(env(model, join(bridgeTempDir(), "state"), MAX_PHONE_TIMEOUT_MS));
    const turn = say(b.url, "what is the weather like in Lisbon");
    await eventually(() => model!.held === 1);
    const stopped = await stopTimed(b);
    console.log(`bridge exit after SIGTERM with a hung live model call: ${Math.round(stopped.ms)} ms`);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(EXIT_BOUND_MS);
    const r = await turn;
    expect(r.status).toBe(200);
    expect(r.json.source).toBe("fallback");
    expect(r.json.response).toBe(lines.modelFallback(false));
  });

  it("--replace takes over while a deferred call hangs; the caller is told it failed", async () => {
    model = await startHungModel();
    const stateDir = join(bridgeTempDir(), "state");
    const a = await startBridge(env(model, stateDir, 200));
    const first = await say(a.url, "find me a plumber");
    expect(first.json.source).toBe("deferred");
    await eventually(() => model!.held === 1);

    const t0 = performance.now();
    const next = spawnBridge(env(model, stateDir, 200), ["--replace"]);
    const line = await next.waitForLine(/listening on http:\/\/127\.0\.0\.1:\d+/, 30_000);
    const tookMs = performance.now() - t0;
    console.log(`--replace took over with a hung deferred model call in ${Math.round(tookMs)} ms`);
    expect(tookMs).toBeLessThan(EXIT_BOUND_MS);
    expect((await a.exited).code).toBe(0);

    // The apology was saved by the old bridge and is said on the next turn of the new one.
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)![1]!;
    const r = await say(url, "goodbye");
    const apology = lines.lateFailure({ agentName: "Pinchy", userName: "Sam" }, "find me a plumber");
    expect(r.json.response.startsWith(apology.inCall)).toBe(true);
  });
});
