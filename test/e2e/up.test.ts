import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_DEMO_API_KEY } from "../../src/config/schema.js";
import { isAlive } from "../../src/state/pidlock.js";
import { eventually, killAll, type Proc, runCliAsync, startNode, tempDir, upEnv } from "../helpers/proc.js";

/**
 * `npm start` as a newcomer runs it: no key, so the sandbox relay, the bridge and the listener
 * start as real processes; then `clawcall say` holds a call through all three.
 */
describe("clawcall up (npm start)", () => {
  const stateDir = tempDir("clawcall-up-");
  const cwd = tempDir("clawcall-up-cwd-");
  const env = upEnv(stateDir, {
    CLAWCALL_AGENT_NAME: "Juniper",
    // A gateway that is not there: fast answers still work, doctor must say the gateway is down.
    OPENCLAW_GATEWAY_URL: "http://127.0.0.1:9",
    CLAWCALL_OPENCLAW_BIN: "openclaw-not-installed",
  });
  let up: Proc;
  let sandboxUrl = "";

  const pidOf = (name: string): number => {
    const rec = JSON.parse(readFileSync(join(stateDir, `${name}.pid`), "utf8")) as { pid: number };
    return rec.pid;
  };

  beforeAll(async () => {
    up = startNode("bin/clawcall.js", ["up"], env, cwd);
    await up.waitFor(/clawcall is running/, 45_000);
    sandboxUrl = (await up.waitFor(/softphone\s+(http:\/\/\S+?)\/?$/))[1] ?? "";
    // The block's last line: everything above it has been printed.
    await up.waitFor(/^\s+logs\s+/);
  }, 60_000);

  afterAll(async () => {
    up?.kill("SIGTERM");
    await Promise.race([up?.exited, new Promise((r) => setTimeout(r, 15_000))]);
    killAll();
  });

  it("prints one status block with the relay, bridge, listener and softphone", () => {
    const text = up.out.join("\n");
    expect(text).toMatch(/relay\s+sandbox at http:\/\/127\.0\.0\.1:\d+/);
    expect(text).toMatch(/bridge\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(text).toMatch(/listener\s+HTTP mode/);
    expect(text).toMatch(/try\s+npx clawcall say "what is your name"/);
    expect(sandboxUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("answers a call: clawcall say gets the agent's name", async () => {
    const r = await runCliAsync(["say", "what is your name"], { ...env, CLAWCALL_API_URL: sandboxUrl }, cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Juniper/);
  });

  it("says the absent gateway once at info with its fix (no warnings); every log is JSON lines without the demo key", async () => {
    for (const q of ["tell me a story about dragons", "what should I cook tonight"]) {
      const r = await runCliAsync(["say", q], { ...env, CLAWCALL_API_URL: sandboxUrl }, cwd);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/can't reach my main brain/);
    }
    const logs = join(stateDir, "logs");
    const lines = (name: string) =>
      readFileSync(join(logs, name), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { level: number; msg: string });
    const told = await eventually(() => {
      const t = lines("bridge.log").filter((l) => /^no model server yet/.test(l.msg));
      return t.length > 0 && t;
    });
    expect(told).toHaveLength(1);
    expect(told[0]!.level).toBe(30);
    expect(told[0]!.msg).toMatch(
      /expected while trying the sandbox.*start the OpenClaw gateway \(`openclaw gateway`/,
    );
    expect(lines("bridge.log").filter((l) => l.level >= 40)).toEqual([]);
    // The terminal shows no warning for it either.
    expect(up.err.join("\n")).not.toMatch(/\[bridge\] warn/);
    for (const name of readdirSync(logs)) {
      expect(() => lines(name), name).not.toThrow();
      expect(readFileSync(join(logs, name), "utf8")).not.toContain(SANDBOX_DEMO_API_KEY);
    }
  });

  it("refuses a second `up` and names the running one", async () => {
    const r = await runCliAsync(["up"], env, cwd);
    expect(r.code).toBe(75);
    expect(r.stderr).toMatch(new RegExp(`already running \\(pid ${up.proc.pid}`));
    expect(r.stderr).toMatch(/clawcall stop/);
    expect(r.stderr).toContain("npm start -- --replace");
  });

  it("status shows every process", async () => {
    const r = await runCliAsync(["status", "--json"], env, cwd);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { processes: { name: string; pid: number }[] };
    expect(s.processes.map((p) => p.name).sort()).toEqual(["bridge", "listener", "sandbox", "up"]);
  });

  it("restarts a listener killed with SIGKILL", async () => {
    const old = pidOf("listener");
    process.kill(old, "SIGKILL");
    await up.waitFor(/\[listener\] restarted \(pid \d+\)/, 30_000);
    const now = pidOf("listener");
    expect(now).not.toBe(old);
    expect(isAlive(now)).toBe(true);
    const r = await runCliAsync(["say", "what is your name"], { ...env, CLAWCALL_API_URL: sandboxUrl }, cwd);
    expect(r.stdout).toMatch(/Juniper/);
  });

  it("doctor passes the runtime checks and warns of the missing gateway with its fix (sandbox)", async () => {
    const r = await runCliAsync(["doctor", "--json"], { ...env, CLAWCALL_API_URL: sandboxUrl }, cwd);
    const d = JSON.parse(r.stdout) as {
      ok: boolean;
      checks: { name: string; state: string; detail?: string; fix?: string }[];
    };
    const state = (n: string) => d.checks.find((c) => c.name === n)?.state;
    expect(state("node")).toBe("pass");
    expect(state("config")).toBe("pass");
    expect(state("relay")).toBe("pass");
    expect(state("api key")).toBe("pass");
    expect(state("bridge")).toBe("pass");
    expect(state("one of each")).toBe("pass");
    expect(state("port")).toBe("pass");
    expect(state("test turn")).toBe("pass");
    // A question anyone may ask: the test call is a stranger's to the bridge, not the message-taking line.
    expect(d.checks.find((c) => c.name === "test turn")?.detail).toMatch(/→ "It's /);
    expect(state("gateway")).toBe("warn");
    expect(d.checks.find((c) => c.name === "gateway")?.fix).toMatch(/openclaw gateway/);
    expect(d.ok).toBe(true);
    expect(r.code).toBe(0);
  });

  it("doctor names a rejected key", async () => {
    const r = await runCliAsync(
      ["doctor"],
      { ...env, CLAWCALL_API_URL: sandboxUrl, CLAWCALL_API_KEY: "11111111-2222-4333-8444-555555555555" },
      cwd,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+api key\s+the relay rejected the key/);
    expect(r.stdout).toMatch(/clawcall register --email/);
  });

  it("stop leaves no process and no pid file", async () => {
    const pids = ["up", "bridge", "listener", "sandbox"].map(pidOf);
    const r = await runCliAsync(["stop"], env, cwd);
    expect(r.code, r.stderr).toBe(0);
    await up.exited;
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(readdirSync(stateDir).filter((f) => f.endsWith(".pid"))).toEqual([]);
    expect(existsSync(join(stateDir, "bridge.pid"))).toBe(false);
  });

  it("doctor then says the bridge is down, with the command to start it", async () => {
    const r = await runCliAsync(["doctor"], env, cwd);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+bridge\s+not reachable/);
    expect(r.stdout).toMatch(/npm start/);
  });
});
