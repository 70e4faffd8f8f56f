import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { spawnCommand } from "../../src/bridge/runner.js";
import { bridgeTempDir } from "../helpers/bridge-fakes.js";

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("spawnCommand", () => {
  it("passes arguments verbatim, without a shell", async () => {
    const dir = bridgeTempDir();
    const evil = `$(touch ${join(dir, "a")}); \`touch ${join(dir, "b")}\` | tee ${join(dir, "c")} && echo "q'`;
    const r = await spawnCommand(
      process.execPath,
      ["-e", "process.stdout.write(JSON.stringify(process.argv.slice(1)))", evil],
      {
        timeoutMs: 10_000,
      },
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([evil]);
    for (const f of ["a", "b", "c"]) expect(existsSync(join(dir, f))).toBe(false);
  });

  it("kills the whole process group at the deadline", async () => {
    const dir = bridgeTempDir();
    const script = join(dir, "hang.cjs");
    writeFileSync(
      script,
      `const { spawn } = require("node:child_process");
const c = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
require("node:fs").writeFileSync(${JSON.stringify(join(dir, "pid"))}, String(c.pid));
setInterval(() => {}, 1000);`,
    );
    // Long enough for the script to start its grandchild and write the pid on a loaded machine.
    const r = await spawnCommand(process.execPath, [script], { timeoutMs: 2_500 });
    expect(r.timedOut).toBe(true);
    const pid = Number(readFileSync(join(dir, "pid"), "utf8"));
    await expect.poll(() => isAlive(pid), { timeout: 5_000 }).toBe(false);
  });

  it("reports a missing binary as E_CLI_MISSING", async () => {
    await expect(
      spawnCommand("/definitely/not/openclaw", ["cron", "list"], { timeoutMs: 1_000 }),
    ).rejects.toMatchObject({
      code: "E_CLI_MISSING",
    });
  });

  it("resolves non-zero exits with their output (OpenClaw can exit 1 with a reply on stdout)", async () => {
    const r = await spawnCommand(process.execPath, ["-e", "process.stdout.write('{}'); process.exit(1)"], {
      timeoutMs: 5_000,
    });
    expect(r).toMatchObject({ code: 1, stdout: "{}", timedOut: false });
  });
});
