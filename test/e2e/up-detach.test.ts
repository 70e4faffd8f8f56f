import { readdirSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive, listPidRecords } from "../../src/state/pidlock.js";
import { baseEnv, killAll, runCliAsync, tempDir } from "../helpers/proc.js";

describe("clawcall up --detach", () => {
  const stateDir = tempDir("clawcall-detach-");
  const env = baseEnv({
    CLAWCALL_STATE_DIR: stateDir,
    CLAWCALL_SANDBOX_PORT: "0",
    CLAWCALL_AGENT_PORT: "0",
    CLAWCALL_SANDBOX_TIME_SCALE: "10",
    CLAWCALL_POLL_TIMEOUT_S: "2",
    CLAWCALL_PHONE_MODEL_MODE: "off",
  });
  afterAll(async () => {
    for (const r of listPidRecords(stateDir)) if (r.alive) process.kill(r.record.pid, "SIGKILL");
    killAll();
  });

  it("returns once everything is healthy, keeps running in the background, and stop ends it", async () => {
    const up = await runCliAsync(["up", "--detach"], env, tempDir());
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/clawcall is running/);
    expect(up.stdout).toMatch(/supervisor pid \d+ \(detached\)/);
    const sandboxUrl = /softphone\s+(http:\/\/\S+?)\/?$/m.exec(up.stdout)?.[1] ?? "";

    const names = listPidRecords(stateDir)
      .filter((r) => r.alive)
      .map((r) => r.record.name)
      .sort();
    expect(names).toEqual(["bridge", "listener", "sandbox", "up"]);
    expect(readdirSync(stateDir)).toContain("logs");

    const say = await runCliAsync(
      ["say", "what time is it"],
      { ...env, CLAWCALL_API_URL: sandboxUrl },
      tempDir(),
    );
    expect(say.code, say.stderr).toBe(0);
    expect(say.stdout).toMatch(/agent: It's \d/);

    const pids = listPidRecords(stateDir).map((r) => r.record.pid);
    const stop = await runCliAsync(["stop"], env, tempDir());
    expect(stop.code).toBe(0);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(listPidRecords(stateDir)).toEqual([]);
  }, 90_000);
});
