import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive, listPidRecords } from "../../src/state/pidlock.js";
import { killAll, runCliAsync, tempDir, upEnv } from "../helpers/proc.js";

describe("clawcall up --detach", () => {
  const stateDir = tempDir("clawcall-detach-");
  const env = upEnv(stateDir, { CLAWCALL_PHONE_MODEL_MODE: "off" });
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
    expect(say.stdout).toMatch(/agent: It's (?:\d|noon|midnight)/);

    const pids = listPidRecords(stateDir).map((r) => r.record.pid);
    const stop = await runCliAsync(["stop"], env, tempDir());
    expect(stop.code).toBe(0);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(listPidRecords(stateDir)).toEqual([]);
  }, 90_000);

  it("a new up stops the children an earlier up left behind when it was killed", async () => {
    const first = await runCliAsync(["up", "--detach"], env, tempDir());
    expect(first.code, first.stderr).toBe(0);
    const before = new Map(listPidRecords(stateDir).map((r) => [r.record.name, r.record.pid]));
    process.kill(before.get("up")!, "SIGKILL");

    const second = await runCliAsync(["up", "--detach"], env, tempDir());
    expect(second.code, second.stderr).toBe(0);
    const log = readFileSync(join(stateDir, "logs", "up.log"), "utf8");
    for (const name of ["listener", "bridge", "sandbox"]) {
      expect(log).toContain(
        `stopping the ${name} left running by an earlier \`clawcall up\` (pid ${before.get(name)})`,
      );
      expect(isAlive(before.get(name)!)).toBe(false);
    }
    const now = listPidRecords(stateDir).filter((r) => r.alive);
    expect(now.map((r) => r.record.name).sort()).toEqual(["bridge", "listener", "sandbox", "up"]);
    expect((await runCliAsync(["stop"], env, tempDir())).code).toBe(0);
  }, 90_000);
});
