/**
 * A state dir that cannot be used (a path under a file, or a file itself): the bridge and the
 * listener, as real processes, print one line naming CLAWCALL_STATE_DIR and the path and exit 78.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT } from "../../src/exit-codes.js";
import { baseEnv, ROOT, tempDir } from "../helpers/proc.js";

function run(script: string, stateDir: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [join(ROOT, script)], {
      cwd: tempDir(),
      env: baseEnv({ CLAWCALL_STATE_DIR: stateDir, CLAWCALL_AGENT_PORT: "0" }),
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    proc.stderr?.on("data", (d) => {
      stderr += String(d);
    });
    proc.once("close", (code) => resolve({ code, stderr }));
  });
}

describe.each([["bridge/phone-agent-server.js"], ["listener/clawcall-listener.js"]])(
  "%s with a bad CLAWCALL_STATE_DIR",
  (script) => {
    it.each([
      ["a path under a file", (file: string) => join(file, "state"), /a part of the path is a file/],
      ["a file", (file: string) => file, /it is a file, not a directory/],
    ])(
      "%s: one line naming the variable and the path, exit 78",
      { timeout: 30_000 },
      async (_, dirOf, why) => {
        const file = join(tempDir(), "plain-file");
        writeFileSync(file, "");
        const stateDir = dirOf(file);
        const r = await run(script, stateDir);
        expect(r.code).toBe(EXIT.CONFIG);
        const lines = r.stderr.trim().split("\n");
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(`CLAWCALL_STATE_DIR: cannot use ${stateDir}`);
        expect(lines[0]).toMatch(why);
      },
    );
  },
);
