/**
 * `clawcall stats` after a real sandbox conversation: the sandbox relay (in this process), the real
 * bridge and the real listener as processes (model off: fast answers and the honest fallback line),
 * a caller who speaks four times; then `clawcall stats --json` in process reads the record both
 * processes wrote and reports those turns, by source.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CallEvent } from "../../src/sandbox/index.js";
import { fakePath, writeFakeOpenclaw } from "../helpers/bridge-fakes.js";
import {
  eventually,
  killAll,
  listenerEnv,
  type RunningSandbox,
  removeTempDirs,
  spawnNode,
  startedAt,
  startListener,
  startSandbox,
  tempDir,
} from "../helpers/listener-proc.js";
import { baseEnv } from "../helpers/proc.js";

let rs: RunningSandbox | undefined;
afterEach(async () => {
  await killAll();
  removeTempDirs();
  await rs?.close();
  rs = undefined;
});

/** `clawcall stats --json` in this process, for the state dir both processes write. */
async function statsJson(stateDir: string) {
  const out: string[] = [];
  const code = await main(["stats", "--json"], {
    env: { CLAWCALL_STATE_DIR: stateDir, PATH: process.env.PATH },
    cwd: tempDir(),
    out: (l) => out.push(l),
    err: (l) => out.push(l),
  });
  expect(code).toBe(0);
  return JSON.parse(out.join("\n"));
}

describe("clawcall stats after a sandbox conversation", () => {
  it("reports the real turn count and sources from the bridge's and the listener's record", async () => {
    rs = await startSandbox();
    const dir = tempDir();
    const base = baseEnv({ PATH: fakePath(writeFakeOpenclaw(dir).binDir) });
    const state = join(dir, "state");
    const bridge = spawnNode("bridge/phone-agent-server.js", [], {
      ...base,
      CLAWCALL_STATE_DIR: state,
      CLAWCALL_API_URL: rs.url,
      CLAWCALL_AGENT_PORT: "0",
      CLAWCALL_PHONE_MODEL_MODE: "off",
      OPENCLAW_WORKSPACE_DIR: join(dir, "workspace"),
    });
    const bridgeUrl = await startedAt(bridge, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    await startListener(
      listenerEnv({
        ...base,
        CLAWCALL_STATE_DIR: state,
        CLAWCALL_API_URL: rs.url,
        CLAWCALL_AGENT_URL: bridgeUrl,
        CLAWCALL_SANDBOX_TIME_SCALE: String(rs.sb.core.timeScale),
      }),
    );
    expect((await statsJson(state)).recorded).toBe(false);

    const sim = rs.sb.sim;
    const { sid } = sim.startCall({ manual_silence: true });
    expect(await sim.waitFor(sid, "gather", { timeoutMs: 10_000 })).not.toBeNull();
    const said = ["Hi there", "What time is it?", "Tell me about the history of the sea", "Goodbye"];
    for (const text of said) {
      const before = (sim.call(sid).events as CallEvent[]).length - 1;
      expect(sim.say(sid, text)).toEqual({ captured: true });
      expect(await sim.waitFor(sid, "answer_spoken", { after: before, timeoutMs: 15_000 })).not.toBeNull();
    }

    // Both processes write a moment after answering; wait for the lines, not for a time.
    let report = await statsJson(state);
    await eventually(async () => {
      report = await statsJson(state);
      return report.answered === 4 && report.posted === 4;
    }, 10_000);
    expect(report).toMatchObject({
      recorded: true,
      answered: 4,
      posted: 4,
      // Model off: the greeting, the time and the goodbye are fast; the sea gets the fallback line.
      by_source: { fast: 3, model: 0, deferred: 0, fallback: 1 },
      relay_filler: 0,
      holding_line: 0,
      model_errors: 0,
      unreadable: 0,
    });
    expect(report.fast_share).toBeCloseTo(0.75);
    expect(report.end_to_end_ms.n).toBe(4);
    expect(report.end_to_end_ms.max).toBeGreaterThanOrEqual(report.end_to_end_ms.p50);
    expect(Object.values(report.by_call).reduce((a: number, b) => a + (b as number), 0)).toBe(4);
  });
});
