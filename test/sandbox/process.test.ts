// `clawcall sandbox` as a real process (the built CLI): ready line, demo key, persistence across a
// restart, clean stop on SIGTERM, and the in-process state file.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildSandbox } from "../../src/sandbox/index.js";
import { baseEnv, killAll, startNode, tempDir } from "../helpers/proc.js";
import { DEMO_KEY, http, relay } from "./helpers.js";

afterEach(() => killAll());

async function launch(stateDir: string, args: string[]) {
  const p = startNode(
    "bin/clawcall.js",
    ["sandbox", "--port", "0", ...args],
    baseEnv({ CLAWCALL_STATE_DIR: stateDir }),
    stateDir,
  );
  const m = await p.waitFor(/sandbox relay listening on (http:\/\/127\.0\.0\.1:\d+)/);
  return { p, url: m[1]! };
}

describe("clawcall sandbox", () => {
  it("starts on port 0, prints ready lines, keeps registered keys across a restart, stops on SIGTERM", async () => {
    const dir = tempDir("clawcall-sandbox-");
    const first = await launch(dir, ["--persist", "--time-scale", "20"]);
    const logLine = first.p.out.find((l) => l.includes("sandbox relay listening on"))!;
    expect(JSON.parse(logLine)).toMatchObject({
      level: 30,
      service: "sandbox",
      msg: `sandbox relay listening on ${first.url}`,
    });
    await first.p.waitFor(/CLAWCALL_API_KEY=5a4db0c5-0000-4000-8000-00000000c1a7/);
    expect(first.p.err.join("\n")).toContain(`CLAWCALL_API_URL=${first.url}`);
    expect(existsSync(join(dir, "sandbox.pid"))).toBe(true);
    expect((await http(first.url, "GET", "/api/v1/account", { key: DEMO_KEY })).json.tier).toBe("pro");
    const reg = await http(first.url, "POST", "/api/v1/register", { body: { email: "keep@example.com" } });
    first.p.kill("SIGTERM");
    expect((await first.p.exited).code).toBe(0);
    expect(existsSync(join(dir, "sandbox.pid"))).toBe(false);
    const saved = readFileSync(join(dir, "sandbox.json"), "utf8");
    expect(saved).not.toContain(reg.json.api_key);

    const second = await launch(dir, ["--persist"]);
    const acct = await relay(second.url, reg.json.api_key).get("/api/v1/account");
    expect(acct.json).toMatchObject({ ok: true, email: "keep@example.com", agent_id: reg.json.agent_id });
    second.p.kill("SIGINT");
    expect((await second.p.exited).code).toBe(0);
  });

  it("refuses a second copy in the same state dir and bad options", async () => {
    const dir = tempDir("clawcall-sandbox-");
    const first = await launch(dir, []);
    const again = startNode(
      "bin/clawcall.js",
      ["sandbox", "--port", "0"],
      baseEnv({ CLAWCALL_STATE_DIR: dir }),
      dir,
    );
    expect((await again.exited).code).toBe(75);
    const bad = startNode(
      "bin/clawcall.js",
      ["sandbox", "--time-scale", "zero"],
      baseEnv({ CLAWCALL_STATE_DIR: dir }),
      dir,
    );
    expect((await bad.exited).code).toBe(64);
    first.p.kill("SIGTERM");
    await first.p.exited;
  });
});

describe("state file (in process)", () => {
  it("saves users, keys (hashed) and schedules; call-bridge state is not persisted", async () => {
    const file = join(tempDir("clawcall-sandbox-"), "state.json");
    const a = buildSandbox({ stateFile: file, timeScale: 50, runSchedules: false });
    const { url } = await a.listen(0);
    const reg = await http(url, "POST", "/api/v1/register", { body: { email: "p@example.com" } });
    a.sim.setTier({ api_key: reg.json.api_key, tier: "pro" });
    const sched = await relay(url, reg.json.api_key).post("/api/v1/calls/schedule", { cron: "0 8 * * *" });
    a.sim.inject({ api_key: reg.json.api_key, call_sid: "CAq", message: "queued" });
    await a.close();
    const b = buildSandbox({ stateFile: file, timeScale: 50, runSchedules: false });
    const { url: url2 } = await b.listen(0);
    const api = relay(url2, reg.json.api_key);
    expect((await api.get("/api/v1/account")).json.tier).toBe("pro");
    expect((await api.get("/api/v1/calls/schedule")).json.schedules[0].id).toBe(sched.json.id);
    expect((await api.listen(0)).json).toEqual({ ok: true, timeout: true });
    expect(b.sim.accounts().filter((u) => u.email === "demo@sandbox.clawcall.local")).toHaveLength(1);
    await b.close();
  });

  it("listens on loopback only", async () => {
    const sb = buildSandbox();
    await expect(sb.listen(0, "0.0.0.0")).rejects.toThrow(/loopback/);
    await sb.close();
  });
});
