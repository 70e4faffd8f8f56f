/**
 * Issue 13 item 8: a first start (no status file, an empty journal) has no earlier process whose poll
 * or turn could have lost a caller's message, so it runs no restart pass. A pass took the first call
 * (in progress, started moments ago, nothing heard from it since this start) for a caller stuck on a
 * lost message, held the polls in quick checks, and posted it an apology before it had said anything;
 * had its first words just been queued, the apology would have taken their slot.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PHRASES } from "../../src/listener/speech.js";
import type { CallEvent } from "../../src/sandbox/index.js";
import { killAllBridges, startIsolatedBridge } from "../helpers/bridge-proc.js";
import {
  killAll,
  listenerEnv,
  type RunningSandbox,
  removeTempDirs,
  startListener,
  startSandbox,
  tempDir,
} from "../helpers/listener-proc.js";
import { relayRequests } from "../helpers/sandbox.js";

const SCALE = 10;
const POLL_TIMEOUT_S = 1;

let rs: RunningSandbox | undefined;
afterAll(async () => {
  await killAll();
  await killAllBridges();
  await rs?.close();
  removeTempDirs();
});

describe("first start", () => {
  it("the first call is answered, and nothing is said to it before it speaks", async () => {
    rs = await startSandbox({ timeScale: SCALE, scaleListen: false });
    const bridge = await startIsolatedBridge({ CLAWCALL_API_URL: rs.url });
    const sim = rs.sb.sim;
    // The call comes in while the listener starts (the relay greets the caller by itself).
    const { sid } = sim.startCall({ manual_silence: true });
    expect(await sim.waitFor(sid, "gather", { timeoutMs: 20_000 })).not.toBeNull();
    const listener = await startListener(
      listenerEnv({
        CLAWCALL_API_URL: rs.url,
        CLAWCALL_AGENT_URL: bridge.url,
        CLAWCALL_STATE_DIR: join(tempDir(), "state"),
        CLAWCALL_SANDBOX_TIME_SCALE: String(SCALE),
        CLAWCALL_POLL_TIMEOUT_S: String(POLL_TIMEOUT_S),
        LOG_LEVEL: "info",
      }),
      [],
      { settled: false },
    );
    // The caller thinks for a few polls' time before speaking.
    await new Promise((r) => setTimeout(r, 4 * POLL_TIMEOUT_S * 1000));
    const before = sim.call(sid).events!.length - 1;
    expect(sim.say(sid, "what time is it")).toEqual({ captured: true });
    const heard = await sim.waitFor(sid, "answer_spoken", { after: before, timeoutMs: 20_000 });
    expect(heard, "the first call was not answered").not.toBeNull();
    expect(Object.values(PHRASES)).not.toContain(String(heard?.text));

    // Nothing went to the relay for this call before the caller said anything (no apology attempt).
    const saidAt = (sim.call(sid).events as CallEvent[]).find((e) => e.type === "caller_said")?.t;
    const early = relayRequests(rs.sb).filter(
      (r) => r.pathname === `/api/v1/calls/respond/${sid}` && r.t < Number(saidAt),
    );
    expect(early.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([]);
    expect(await listener.waitForLog("restart sweep done")).toMatchObject({
      previousRun: "none",
      candidates: 0,
    });
  }, 60_000);
});
