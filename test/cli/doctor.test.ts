import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, tempCwd } from "./run-cli.js";

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
  const doctor = (gw: Server, ...args: string[]) =>
    runCli(["doctor", ...args], {
      cwd: tempCwd(),
      env: {
        // Nothing listens here: the relay and bridge checks fail, the gateway checks still run.
        CLAWCALL_API_URL: "http://127.0.0.1:9",
        CLAWCALL_AGENT_PORT: "9",
        OPENCLAW_GATEWAY_URL: `http://127.0.0.1:${(gw.address() as AddressInfo).port}`,
      },
    });

  it("names the disabled chat completions endpoint and the exact line that enables it", async () => {
    const r = await doctor(off);
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
    const r = await doctor(on, "--json");
    const d = JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; state: string }[] };
    expect(d.ok).toBe(false);
    expect(d.checks.find((c) => c.name === "gateway")?.state).toBe("pass");
    expect(d.checks.find((c) => c.name === "chat completions")?.state).toBe("pass");
    expect(d.checks.map((c) => c.name).slice(0, 3)).toEqual(["node", "config", "api key"]);
  });
});
