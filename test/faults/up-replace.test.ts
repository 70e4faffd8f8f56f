/**
 * Issue 13, item 6: `npm start -- --replace` takes over at once. With the sandbox, the old `up`
 * stops its sandbox, bridge and listener together: the listener's open poll (25 s here) is reset by
 * the sandbox closing instead of being waited out, so the old copy is gone long before that poll
 * would have ended, and the new one answers calls.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive } from "../../src/state/pidlock.js";
import { killAll, runCliAsync, startNode, tempDir, upEnv } from "../helpers/proc.js";

/** Well short of the 25 s poll the old listener would otherwise wait out; generous for a loaded machine. */
const OLD_GONE_BOUND_MS = 12_000;

describe("up --replace with the sandbox", () => {
  afterAll(killAll);

  it("stops the old copy without waiting out its listener's poll; the new one answers", async () => {
    const stateDir = tempDir("clawcall-replace-");
    const cwd = tempDir("clawcall-replace-cwd-");
    const env = upEnv(stateDir, {
      CLAWCALL_SANDBOX_TIME_SCALE: "1",
      CLAWCALL_AGENT_NAME: "Juniper",
      CLAWCALL_POLL_TIMEOUT_S: "25",
      OPENCLAW_GATEWAY_URL: "http://127.0.0.1:9",
      CLAWCALL_OPENCLAW_BIN: "openclaw-not-installed",
    });
    const pids = () =>
      ["bridge", "listener", "sandbox"].map(
        (name) => (JSON.parse(readFileSync(join(stateDir, `${name}.pid`), "utf8")) as { pid: number }).pid,
      );

    const first = startNode("bin/clawcall.js", ["up"], env, cwd);
    await first.waitFor(/clawcall is running/, 45_000);
    await first.waitFor(/^\s+logs\s+/);
    const oldChildren = pids();

    const t0 = performance.now();
    const second = startNode("bin/clawcall.js", ["up", "--replace"], env, cwd);
    const { code } = await first.exited;
    const oldGoneMs = performance.now() - t0;
    await second.waitFor(/clawcall is running/, 45_000);
    const sandboxUrl = (await second.waitFor(/softphone\s+(http:\/\/\S+?)\/?$/))[1] ?? "";
    const takeoverMs = performance.now() - t0;
    console.log(
      `up --replace: old copy gone after ${Math.round(oldGoneMs)} ms, new one running after ${Math.round(takeoverMs)} ms`,
    );

    expect(code).toBe(0);
    expect(oldGoneMs).toBeLessThan(OLD_GONE_BOUND_MS);
    for (const pid of oldChildren) expect(isAlive(pid)).toBe(false);
    const r = await runCliAsync(["say", "what is your name"], { ...env, CLAWCALL_API_URL: sandboxUrl }, cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Juniper/);

    second.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);
  }, 120_000);
});
