import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ModelBackend } from "../../src/bridge/model/index.js";
import { main } from "../../src/cli/main.js";
import { loadConfig } from "../../src/config/index.js";
import { ClawcallError } from "../../src/errors.js";
import { createLogger } from "../../src/log.js";
import { startSandboxProcess } from "../../src/sandbox/main.js";
import { acquirePidLock } from "../../src/state/pidlock.js";
import { closeBridgesAfterEach, testBridge } from "../bridge/in-process.js";
import { tempDir } from "../helpers/proc.js";

closeBridgesAfterEach();

/** A bridge in this process, with its own state dir, the model off unless one is given. */
const bridge = (deps: { model?: ModelBackend; now?: () => number } = {}) =>
  testBridge({ CLAWCALL_PHONE_MODEL_MODE: "off" }, { statusFile: true, ...deps });

/** `clawcall <argv>` in this process; lines of stdout and stderr together. */
async function cli(argv: string[], env: Record<string, string>, now?: () => number) {
  const lines: string[] = [];
  const code = await main(argv, {
    env,
    cwd: tempDir(),
    out: (l) => lines.push(l),
    err: (l) => lines.push(l),
    ...(now ? { now } : {}),
  });
  return { code, out: lines.join("\n") };
}

describe("clawcall status and doctor find stale and foreign processes", () => {
  it("removes a stale pid file and names a bridge that holds the port without our pid file", async () => {
    // A bridge started from another state dir: to this one it is a foreign copy on the port.
    const { port } = await bridge().listen();
    const stateDir = tempDir();
    // A pid file left behind by a listener that died long ago.
    writeFileSync(
      join(stateDir, "listener.pid"),
      JSON.stringify({ name: "listener", pid: 2 ** 22 + 12345, startedAt: "2026-01-01T00:00:00Z" }),
    );
    const env = { CLAWCALL_STATE_DIR: stateDir, CLAWCALL_AGENT_PORT: String(port) };

    const r = await cli(["status"], env);
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/removed a stale pid file: listener/);
    expect(r.out).toMatch(
      new RegExp(
        `something answers on 127\\.0\\.0\\.1:${port} \\(pid ${process.pid}\\) but no bridge pid file is ours`,
      ),
    );

    const again = await cli(["status", "--json"], env);
    const s = JSON.parse(again.out) as { stale_removed: unknown[]; processes: unknown[]; warnings: string[] };
    expect(s.stale_removed).toEqual([]);
    expect(s.processes).toEqual([]);
    expect(s.warnings).toHaveLength(1);

    const doc = await cli(["doctor"], {
      ...env,
      CLAWCALL_PHONE_MODEL_MODE: "off",
      CLAWCALL_API_URL: "http://127.0.0.1:9",
    });
    expect(doc.out).toMatch(
      new RegExp(`FAIL\\s+port\\s+.*answered by a process without our pid file \\(pid ${process.pid}\\)`),
    );
  });

  it("prints the bridge's turns and its last error from bridge.status.json", async () => {
    const t = Date.UTC(2031, 4, 6, 9, 30);
    const failing: ModelBackend = {
      mode: "openai",
      modelName: "failing",
      complete: async () => {
        throw new ClawcallError("E_MODEL_HTTP", "the model server answered 500");
      },
      gateway: () => ({ reachable: null, chat_completions: null }),
      probe: async () => {},
      close: async () => {},
    };
    const b = bridge({ model: failing, now: () => t });
    const r = await b.handleMessage({ call_sid: `CA${"b".repeat(32)}`, message: "book me a table for two" });
    expect(r.source).toBe("fallback");
    b.writeStatus();
    const stateDir = dirname(b.tasks.path);
    // The bridge's pid record, as its entry point writes it (port 0: nothing to probe).
    const lock = await acquirePidLock(stateDir, {
      name: "bridge",
      port: 0,
      startedAt: new Date(t - 300_000).toISOString(),
    });
    try {
      const s = await cli(
        ["status"],
        { CLAWCALL_STATE_DIR: stateDir, CLAWCALL_AGENT_PORT: "0" },
        () => t + 120_000,
      );
      expect(s.code).toBe(3); // no listener
      expect(s.out).toMatch(
        /^bridge {4}pid \d+ {2}up 7m0s {2}1 turns answered {2}1 active call {2}last error: E_MODEL_HTTP: the model server answered 500 \(2m ago\)$/m,
      );
    } finally {
      lock.release();
    }
  });
});

describe("clawcall status before the listener's first poll returns", () => {
  it("says the first poll is open rather than that the listener never polled", async () => {
    const t = Date.UTC(2031, 4, 6, 9, 30);
    const stateDir = tempDir();
    const lock = await acquirePidLock(stateDir, {
      name: "listener",
      startedAt: new Date(t - 5_000).toISOString(),
    });
    const status = (polling: boolean) =>
      writeFileSync(
        join(stateDir, "listener.status.json"),
        JSON.stringify({ mode: "HTTP", polling, lastPollAt: null, turnsAnswered: 0, lastError: null }),
      );
    try {
      const env = { CLAWCALL_STATE_DIR: stateDir, CLAWCALL_AGENT_PORT: "0" };
      status(true);
      expect((await cli(["status"], env, () => t)).out).toMatch(
        /^listener {2}pid \d+ {2}up 5s {2}first poll open {2}mode HTTP {2}0 turns answered$/m,
      );
      status(false);
      expect((await cli(["status"], env, () => t)).out).toMatch(/^listener .* {2}no poll yet {2}mode HTTP/m);
    } finally {
      lock.release();
    }
  });
});

describe("clawcall status shows where the sandbox is", () => {
  it("prints the sandbox's URL and its softphone page, read from the sandbox's pid record", async () => {
    const stateDir = tempDir();
    const config = loadConfig({ dotenv: false, env: { CLAWCALL_STATE_DIR: stateDir } });
    const running = await startSandboxProcess({
      config,
      port: 0,
      logger: createLogger({ level: "silent", service: "sandbox" }),
      print: () => {},
    });
    try {
      const r = await cli(["status"], { CLAWCALL_STATE_DIR: stateDir, CLAWCALL_AGENT_PORT: "0" });
      expect(r.out).toMatch(
        new RegExp(
          `^sandbox {3}pid ${process.pid} {2}up \\d+s {2}${running.url} {2}softphone ${running.url}/$`,
          "m",
        ),
      );
      const j = JSON.parse((await cli(["status", "--json"], { CLAWCALL_STATE_DIR: stateDir })).out) as {
        processes: { name: string; url?: string; port?: number }[];
      };
      expect(j.processes.find((p) => p.name === "sandbox")).toMatchObject({
        url: running.url,
        port: running.port,
      });
    } finally {
      await running.stop();
    }
  });
});
