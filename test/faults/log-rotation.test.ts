/**
 * `up` appends each child's output to `<name>.log`; a chatty child used to grow it forever. With
 * rotation, the current file and the kept old ones stay near their size limit.
 */
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RunningChild } from "../../src/supervisor/child.js";
import { baseEnv, tempDir } from "../helpers/proc.js";

describe("child log rotation", () => {
  it("keeps <name>.log and at most `keep` old files, each near the size limit", {
    timeout: 30_000,
  }, async () => {
    const root = tempDir();
    const logDir = join(root, "logs");
    // ~600 KiB of JSON lines, far past 4 × 64 KiB.
    writeFileSync(
      join(root, "chatty.js"),
      `const line = JSON.stringify({ level: 30, msg: "x".repeat(200) });
       for (let i = 0; i < 3000; i++) process.stdout.write(line + "\\n");`,
    );
    const child = new RunningChild(
      root,
      { name: "bridge", script: "chatty.js", args: [], env: baseEnv() },
      logDir,
      { onNotice: () => {} },
      { maxKiB: 64, keep: 3 },
    );
    const exited = await child.exited;
    expect(exited.code).toBe(0);
    await child.logClosed;

    const files = readdirSync(logDir).sort();
    expect(files).toEqual(["bridge.log", "bridge.log.1", "bridge.log.2", "bridge.log.3"]);
    for (const f of files) {
      // One line may straddle the limit when a rotation triggers.
      expect(statSync(join(logDir, f)).size).toBeLessThanOrEqual(64 * 1024 + 1024);
    }
  });
});
