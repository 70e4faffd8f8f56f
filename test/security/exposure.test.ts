/**
 * Bridge exposure: what a web page or another machine could do to the bridge on 127.0.0.1:4747.
 * - DNS rebinding: a page on evil.example whose name resolves to 127.0.0.1 sends its own Host.
 * - Cross-site POST: a page can send a "simple" request (text/plain, a form) without a preflight,
 *   and the bridge grants no preflight, so only those content types can arrive; they are refused.
 * - A bind to a non-loopback address without a token is refused at start (exit 78).
 * - With a token, every route but /health needs it.
 * (Moved here from test/e2e/bridge-safety.test.ts.)
 */
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeTempDir } from "../helpers/bridge-fakes.js";
import {
  type BridgeProc,
  bridgeEnv,
  CALL_SID,
  http,
  killAllBridges,
  say,
  spawnBridge,
  startBridge,
  startIsolatedBridge,
} from "../helpers/bridge-proc.js";

/** node:http, so the Host and Origin headers can be anything. */
function rawRequest(
  port: number,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method: opts.method ?? "POST",
        path: opts.path ?? "/clawcall/message",
        headers: opts.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            headers: res.headers,
          }),
        );
      },
    );
    req.on("error", reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

const okBody = JSON.stringify({ call_sid: CALL_SID, message: "what is your name" });

describe("bridge exposure", () => {
  let b: BridgeProc;

  beforeAll(async () => {
    b = await startIsolatedBridge();
  });
  afterAll(killAllBridges);

  it("DNS rebinding: a foreign Host is refused on every route; loopback names are accepted", async () => {
    const foreign = [
      "evil.example",
      `evil.example:${b.port}`,
      "127.0.0.1.nip.io",
      `localhost.evil.example:${b.port}`,
      `192.168.1.5:${b.port}`,
      `0.0.0.0:${b.port}`,
      "127.0.0.1:1", // a loopback name on another port is not us
    ];
    for (const host of foreign) {
      for (const [method, path] of [
        ["POST", "/clawcall/message"],
        ["GET", "/health"],
        ["GET", "/tasks"],
      ] as const) {
        const r = await rawRequest(b.port, {
          method,
          path,
          headers: { host, "content-type": "application/json", origin: "http://evil.example" },
          ...(method === "POST" ? { body: okBody } : {}),
        });
        expect(r.status, `${method} ${path} Host: ${host}`).toBe(403);
        expect(JSON.parse(r.body)).toMatchObject({ ok: false, code: "E_BRIDGE_HOST" });
        // Nothing about the agent leaks in the refusal.
        expect(r.body).not.toContain("Pinchy");
      }
    }
    for (const host of [`127.0.0.1:${b.port}`, `localhost:${b.port}`, "localhost", `[::1]:${b.port}`]) {
      const r = await rawRequest(b.port, {
        headers: { host, "content-type": "application/json" },
        body: okBody,
      });
      expect(r.status, host).toBe(200);
    }
  });

  it("cross-site: text/plain, form and multipart POSTs (no preflight needed) get 415 and are not handled", async () => {
    const before = (await http(`${b.url}/health`)).json.turns;
    for (const ct of [
      "text/plain",
      "text/plain;charset=UTF-8",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/jsonp",
      "application/json-seq",
      undefined,
    ]) {
      const headers: Record<string, string> = { origin: "https://evil.example" };
      if (ct) headers["content-type"] = ct;
      const r = await rawRequest(b.port, {
        headers: { ...headers, host: `127.0.0.1:${b.port}` },
        body: okBody,
      });
      expect(r.status, String(ct)).toBe(415);
      expect(JSON.parse(r.body)).toMatchObject({ ok: false, code: "E_BRIDGE_CONTENT_TYPE" });
      expect(r.headers["access-control-allow-origin"]).toBeUndefined();
      // A task cannot be planted either.
      const t = await rawRequest(b.port, {
        path: "/tasks",
        headers: { ...headers, host: `127.0.0.1:${b.port}` },
        body: JSON.stringify({ title: "planted" }),
      });
      expect(t.status, `/tasks ${String(ct)}`).toBe(415);
    }
    expect((await http(`${b.url}/health`)).json.turns).toBe(before);
    expect((await http(`${b.url}/tasks`)).json.tasks).toEqual([]);
    const withCharset = await http(`${b.url}/clawcall/message`, {
      method: "POST",
      headers: { "content-type": "Application/JSON; charset=utf-8" },
      body: okBody,
    });
    expect(withCharset.status).toBe(200);
  });

  it("grants no CORS preflight, so a page cannot send application/json cross-site", async () => {
    for (const path of ["/clawcall/message", "/tasks", "/health"]) {
      const r = await rawRequest(b.port, {
        method: "OPTIONS",
        path,
        headers: {
          host: `127.0.0.1:${b.port}`,
          origin: "https://evil.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      });
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
      expect(r.headers["access-control-allow-origin"], path).toBeUndefined();
      expect(r.headers["access-control-allow-headers"], path).toBeUndefined();
    }
  });
});

describe("bridge bind and token", () => {
  afterAll(killAllBridges);

  it("refuses a non-loopback bind without a token (exit 78), and never listens", async () => {
    for (const host of ["0.0.0.0", "::", "192.168.1.5"]) {
      const dir = bridgeTempDir();
      const p = spawnBridge(bridgeEnv({ CLAWCALL_STATE_DIR: join(dir, "state"), CLAWCALL_AGENT_HOST: host }));
      const exit = await p.exited;
      expect(exit.code, host).toBe(78);
      expect(p.stderr.join("\n"), host).toMatch(/refusing to listen on .*CLAWCALL_BRIDGE_TOKEN/);
      expect(p.lines.join("\n"), host).not.toMatch(/listening on/);
    }
  });

  it("with CLAWCALL_BRIDGE_TOKEN, requests without the bearer token get 401 (health stays open)", async () => {
    const dir = bridgeTempDir();
    const b = await startBridge(
      bridgeEnv({
        CLAWCALL_STATE_DIR: join(dir, "state"),
        CLAWCALL_BRIDGE_TOKEN: "bridge-token-xyz-123",
        PATH: "/nonexistent",
      }),
    );
    expect((await say(b.url, "hi")).status).toBe(401);
    const wrong = await say(b.url, "hi", CALL_SID, {}, { authorization: "Bearer nope" });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ code: "E_BRIDGE_AUTH" });
    // Almost right is still wrong.
    for (const auth of [
      "bearer bridge-token-xyz-123",
      "Bearer bridge-token-xyz-12",
      "Bearer bridge-token-xyz-1234",
      "bridge-token-xyz-123",
    ])
      expect((await say(b.url, "hi", CALL_SID, {}, { authorization: auth })).status, auth).toBe(401);
    expect((await http(`${b.url}/tasks`)).status).toBe(401);
    const plant = await http(`${b.url}/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "planted" }),
    });
    expect(plant.status).toBe(401);
    const right = await say(b.url, "hi", CALL_SID, {}, { authorization: "Bearer bridge-token-xyz-123" });
    expect(right.status).toBe(200);
    expect((await http(`${b.url}/health`)).status).toBe(200);
    await b.stop();
    expect([...b.lines, ...b.stderr].join("\n")).not.toContain("bridge-token-xyz-123");
  });
});
