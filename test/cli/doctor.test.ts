import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { acquirePidLock } from "../../src/state/pidlock.js";
import { closeBridgesAfterEach, testBridge } from "../bridge/in-process.js";
import { tempDir } from "../helpers/proc.js";
import { startSandbox } from "../helpers/sandbox.js";

closeBridgesAfterEach();

/** `clawcall doctor …` in this process. */
async function doctor(argv: string[], env: Record<string, string>) {
  const out: string[] = [];
  const code = await main(["doctor", ...argv], {
    env,
    cwd: tempDir(),
    out: (l) => out.push(l),
    err: (l) => out.push(l),
  });
  return { code, stdout: out.join("\n") };
}

/** A stand-in OpenClaw gateway whose chat completions endpoint is switched off (404 text/plain). */
function fakeGateway(chatCompletions: boolean): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === "/health") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true,"status":"live"}');
    } else if (req.url?.startsWith("/v1/") && !chatCompletions) {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
    } else if (req.url === "/v1/models") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"object":"list","data":[]}');
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("clawcall doctor against a gateway", () => {
  let off: Server;
  let on: Server;
  beforeAll(async () => {
    off = await fakeGateway(false);
    on = await fakeGateway(true);
  });
  afterAll(() => {
    off.close();
    on.close();
  });
  const env = (gw: Server): Record<string, string> => ({
    PATH: process.env.PATH ?? "",
    CLAWCALL_STATE_DIR: tempDir("clawcall-doctor-"),
    // Nothing listens here: the relay and bridge checks fail, the gateway checks still run.
    CLAWCALL_API_URL: "http://127.0.0.1:9",
    CLAWCALL_AGENT_PORT: "9",
    OPENCLAW_GATEWAY_URL: `http://127.0.0.1:${(gw.address() as AddressInfo).port}`,
  });

  it("names the disabled chat completions endpoint and the exact line that enables it", async () => {
    const r = await doctor([], env(off));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ok\s+gateway\s+OpenClaw gateway answers/);
    expect(r.stdout).toMatch(
      /FAIL\s+chat completions\s+the gateway's \/v1\/chat\/completions endpoint is disabled/,
    );
    expect(r.stdout).toContain("openclaw config set gateway.http.endpoints.chatCompletions.enabled true");
    expect(r.stdout).toMatch(/FAIL\s+bridge\s+not reachable/);
    expect(r.stdout).toMatch(/FAIL\s+api key/);
  });

  it("passes the gateway checks when the endpoint is on (--json for agents)", async () => {
    const r = await doctor(["--json"], env(on));
    const d = JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; state: string }[] };
    expect(d.ok).toBe(false);
    expect(d.checks.find((c) => c.name === "gateway")?.state).toBe("pass");
    expect(d.checks.find((c) => c.name === "chat completions")?.state).toBe("pass");
    expect(d.checks.map((c) => c.name).slice(0, 4)).toEqual(["node", "config", "relay", "api key"]);
  });
});

describe("clawcall doctor on a fresh sandbox start (no key, no OpenClaw gateway)", () => {
  it("passes with the missing gateway as a warning and its fix, the relay's /health, and key lines that agree", async () => {
    const sandbox = await startSandbox();
    const stateDir = tempDir("clawcall-doctor-");
    // Nothing listens on port 9: the gateway a newcomer has not started.
    const gatewayless = { OPENCLAW_GATEWAY_URL: "http://127.0.0.1:9", CLAWCALL_PHONE_MODEL_MODE: "gateway" };
    const bridge = testBridge(gatewayless);
    const { port, url } = await bridge.listen();
    // The pid records `npm start` leaves for its bridge and listener (this process stands in for both).
    const locks = [
      await acquirePidLock(stateDir, { name: "bridge", port, url }),
      await acquirePidLock(stateDir, { name: "listener" }),
    ];
    try {
      const env = {
        PATH: "",
        CLAWCALL_STATE_DIR: stateDir,
        CLAWCALL_API_URL: sandbox.url,
        CLAWCALL_AGENT_PORT: String(port),
        ...gatewayless,
      };
      const r = await doctor([], env);
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toMatch(
        /ok\s+config\s+valid \(no CLAWCALL_API_KEY: the sandbox relay's demo key is used\)/,
      );
      expect(r.stdout).toMatch(
        new RegExp(`ok\\s+relay\\s+sandbox relay at ${sandbox.url} is healthy \\(service clawcall\\)`),
      );
      expect(r.stdout).toMatch(/ok\s+api key\s+the sandbox accepts its demo key: pro tier/);
      expect(r.stdout).toMatch(/warn\s+gateway\s+OpenClaw gateway not reachable at http:\/\/127\.0\.0\.1:9/);
      expect(r.stdout).toMatch(/fix: start it with `openclaw gateway`/);
      expect(r.stdout).not.toMatch(/FAIL/);
      expect(r.stdout).toMatch(/all checks passed \(\d+ warnings?: see their fix lines\)/);
      // Its test turn was answered, and is not a caller's: the bridge's counts did not move.
      expect(r.stdout).toMatch(/ok\s+test turn\s+"what time is it" → "It's/);
      expect(bridge.stats.turns).toBe(0);

      // The same setup with a live key: a missing gateway is a failure again.
      const live = await doctor(["--json"], { ...env, CLAWCALL_API_KEY: sandbox.sb.sim.demo().api_key });
      const d = JSON.parse(live.stdout) as { checks: { name: string; state: string; detail: string }[] };
      expect(live.code).toBe(1);
      expect(d.checks.find((c) => c.name === "gateway")?.state).toBe("fail");
      expect(d.checks.find((c) => c.name === "api key")?.detail).toMatch(/^the relay accepts it/);
    } finally {
      for (const l of locks) l.release();
      await sandbox.close();
    }
  });
});
