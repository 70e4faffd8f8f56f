import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { baseEnv, killAll, startNode, tempDir } from "../helpers/proc.js";
import { runCli, tempCwd } from "./run-cli.js";

describe("clawcall status and doctor find stale and foreign processes", () => {
  afterAll(() => {
    killAll();
  });

  it("removes a stale pid file and names a bridge that holds the port without our pid file", async () => {
    // A bridge started from another state dir: to this one it is a foreign copy on the port.
    const bridge = startNode(
      "bridge/phone-agent-server.js",
      [],
      baseEnv({
        CLAWCALL_STATE_DIR: tempDir(),
        CLAWCALL_AGENT_PORT: "0",
        CLAWCALL_PHONE_MODEL_MODE: "off",
        CLAWCALL_API_URL: "http://127.0.0.1:9",
      }),
    );
    const port = (await bridge.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/))[1]!;
    const stateDir = tempDir();
    // A pid file left behind by a listener that died long ago.
    writeFileSync(
      join(stateDir, "listener.pid"),
      JSON.stringify({ name: "listener", pid: 2 ** 22 + 12345, startedAt: "2026-01-01T00:00:00Z" }),
    );
    const env = { CLAWCALL_STATE_DIR: stateDir, CLAWCALL_AGENT_PORT: port };
    // The CLI runs in this process; the bridge it finds is a real one.
    const r = await runCli(["status"], { cwd: tempCwd(), env });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/removed a stale pid file: listener/);
    expect(r.stdout).toMatch(
      new RegExp(
        `something answers on 127\\.0\\.0\\.1:${port} \\(pid ${bridge.proc.pid}\\) but no bridge pid file is ours`,
      ),
    );

    const again = await runCli(["status", "--json"], { cwd: tempCwd(), env });
    const s = JSON.parse(again.stdout) as {
      stale_removed: unknown[];
      processes: unknown[];
      warnings: string[];
    };
    expect(s.stale_removed).toEqual([]);
    expect(s.processes).toEqual([]);
    expect(s.warnings).toHaveLength(1);

    const doc = await runCli(["doctor"], {
      cwd: tempCwd(),
      env: { ...env, CLAWCALL_PHONE_MODEL_MODE: "off" },
    });
    expect(doc.stdout).toMatch(
      new RegExp(`FAIL\\s+port\\s+.*answered by a process without our pid file \\(pid ${bridge.proc.pid}\\)`),
    );
    bridge.kill("SIGTERM");
    await bridge.exited;
  });
});
