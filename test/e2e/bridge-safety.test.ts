import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeTempDir, FakeModelServer } from "../helpers/bridge-fakes.js";
import {
  type BridgeProc,
  bridgeEnv,
  CALL_SID,
  http,
  killAllBridges,
  say,
  spawnBridge,
  startBridge,
} from "../helpers/bridge-proc.js";

/** node:http, so the Host header can be anything. */
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

describe("bridge safety", () => {
  let b: BridgeProc;

  beforeAll(async () => {
    const dir = bridgeTempDir();
    b = await startBridge(
      bridgeEnv({
        CLAWCALL_STATE_DIR: join(dir, "state"),
        CLAWCALL_AGENT_NAME: "Pinchy",
        PATH: "/nonexistent",
        CLAWCALL_API_URL: "http://127.0.0.1:9",
      }),
    );
  });
  afterAll(killAllBridges);

  it("refuses a foreign Host header (DNS rebinding) and accepts loopback names", async () => {
    for (const host of [
      "evil.example",
      `evil.example:${b.port}`,
      "127.0.0.1.nip.io",
      `192.168.1.5:${b.port}`,
    ]) {
      const r = await rawRequest(b.port, {
        headers: { host, "content-type": "application/json" },
        body: okBody,
      });
      expect(r.status, host).toBe(403);
      expect(JSON.parse(r.body)).toMatchObject({ ok: false, code: "E_BRIDGE_HOST" });
    }
    for (const host of [`127.0.0.1:${b.port}`, `localhost:${b.port}`, "localhost", `[::1]:${b.port}`]) {
      const r = await rawRequest(b.port, {
        headers: { host, "content-type": "application/json" },
        body: okBody,
      });
      expect(r.status, host).toBe(200);
    }
    // A loopback name on another port is not us.
    const other = await rawRequest(b.port, {
      headers: { host: "127.0.0.1:1", "content-type": "application/json" },
      body: okBody,
    });
    expect(other.status).toBe(403);
  });

  it("requires application/json (a cross-site text/plain form post gets 415)", async () => {
    for (const ct of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/jsonp",
      undefined,
    ]) {
      const headers: Record<string, string> = ct ? { "content-type": ct } : {};
      const r = await http(`${b.url}/clawcall/message`, { method: "POST", headers, body: okBody });
      expect(r.status, String(ct)).toBe(415);
      expect(r.json).toMatchObject({ ok: false, code: "E_BRIDGE_CONTENT_TYPE" });
    }
    const withCharset = await http(`${b.url}/clawcall/message`, {
      method: "POST",
      headers: { "content-type": "Application/JSON; charset=utf-8" },
      body: okBody,
    });
    expect(withCharset.status).toBe(200);
  });

  it("refuses bodies over 64 KiB (declared or chunked) and over-long messages with 413", async () => {
    const big = JSON.stringify({ call_sid: CALL_SID, message: "a".repeat(70 * 1024) });
    const declared = await http(`${b.url}/clawcall/message`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    expect(declared.status).toBe(413);
    expect(declared.json).toMatchObject({ code: "E_BRIDGE_TOO_LARGE" });
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: "127.0.0.1",
          port: b.port,
          method: "POST",
          path: "/clawcall/message",
          headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
        },
        (res) => {
          let body = "";
          res.on("data", (c) => {
            body += c;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      for (let i = 0; i < 20; i++) req.write("x".repeat(8 * 1024));
      req.end();
    });
    expect(chunked.status).toBe(413);
    const longMessage = await say(b.url, "word ".repeat(4000));
    expect(longMessage.status).toBe(413);
    expect((await http(`${b.url}/health`)).status).toBe(200);
  });

  it("answers unknown routes and wrong methods with JSON errors, and grants no CORS preflight", async () => {
    const notFound = await http(`${b.url}/nope`);
    expect(notFound.status).toBe(404);
    expect(notFound.json).toMatchObject({ ok: false, code: "E_BRIDGE_NOT_FOUND" });
    const get = await http(`${b.url}/clawcall/message`);
    expect(get.status).toBe(405);
    const preflight = await http(`${b.url}/clawcall/message`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(405);
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("survives malformed HTTP on a raw socket", async () => {
    const reply = await new Promise<string>((resolve) => {
      const s = connect(b.port, "127.0.0.1", () => s.write("GARBAGE\r\n\r\n"));
      let data = "";
      s.on("data", (d) => {
        data += d;
      });
      s.on("close", () => resolve(data));
      s.on("error", () => resolve(data));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await http(`${b.url}/health`)).status).toBe(200);
  });

  it("fuzz: every malformed body gets a JSON 4xx (or a 200 answer) and the process stays up", async () => {
    const fixed: (string | Buffer)[] = [
      "",
      " ",
      "null",
      "[]",
      "123",
      '"just a string"',
      "{",
      "{}",
      '{"call_sid":1,"message":"hi"}',
      `{"call_sid":"${CALL_SID}"}`,
      `{"call_sid":"${CALL_SID}","message":null}`,
      `{"call_sid":"${CALL_SID}","message":{"text":"hi"}}`,
      `{"call_sid":"${CALL_SID}","message":["hi"]}`,
      `{"call_sid":"${CALL_SID}","message":"hi","kind":42}`,
      `{"call_sid":"../../etc/passwd","message":"hi"}`,
      `{"call_sid":"${"A".repeat(500)}","message":"hi"}`,
      `{"__proto__":{"polluted":true},"call_sid":"${CALL_SID}","message":"hi"}`,
      `{"constructor":{"prototype":{"polluted":true}},"call_sid":"${CALL_SID}","message":"hi"}`,
      `{"call_sid":"${CALL_SID}","message":"\\u0000\\u0007\\u001b[31mred\\u202e emoji 🎉"}`,
      `{"call_sid":"${CALL_SID}","message":"[THIRD PARTY COMPLETE]\\n{not json"}`,
      `{"call_sid":"notify-3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b","message":"[THIRD PARTY COMPLETE]\\n{\\"job_id\\": 1}"}`,
      `{"call_sid":"notify-3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b","message":"hello"}`,
      `{"call_sid":"${CALL_SID}","message":"hi","message":"duplicate key"}`,
      "[".repeat(30_000) + "]".repeat(30_000),
      `{"a":${"[".repeat(20_000)}${"]".repeat(20_000)}}`,
      `{"call_sid":"${CALL_SID}","message":1e999}`,
      Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22, 0xc3, 0x28]),
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
    ];
    const bodies: (string | Buffer)[] = [...fixed];
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        bodies.push(JSON.stringify(v) ?? "null");
        return true;
      }),
      { numRuns: 120, seed: 4747 },
    );
    fc.assert(
      fc.property(
        fc.record({
          call_sid: fc.oneof(fc.string(), fc.constant(CALL_SID)),
          message: fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.integer()),
          kind: fc.option(fc.string()),
        }),
        (v) => {
          bodies.push(JSON.stringify(v));
          return true;
        },
      ),
      { numRuns: 120, seed: 4748 },
    );
    for (const body of bodies) {
      const r = await http(`${b.url}/clawcall/message`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect([200, 400, 413], `${String(body).slice(0, 80)} → ${r.status} ${r.text.slice(0, 120)}`).toContain(
        r.status,
      );
      expect(r.headers["content-type"]).toMatch(/application\/json/);
      expect(r.json, r.text).toBeTypeOf("object");
      if (r.status === 200) {
        expect(typeof r.json.response).toBe("string");
        expect(r.json.response.length).toBeGreaterThan(0);
        expect(typeof r.json.end_call).toBe("boolean");
      } else {
        expect(r.json.code).toMatch(/^E_BRIDGE_/);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const h = await http(`${b.url}/health`);
    expect(h.json.ok).toBe(true);
    expect(b.proc.exitCode).toBeNull();
  });
});

describe("bridge token and bind", () => {
  afterAll(killAllBridges);

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
    expect((await http(`${b.url}/tasks`)).status).toBe(401);
    const right = await say(b.url, "hi", CALL_SID, {}, { authorization: "Bearer bridge-token-xyz-123" });
    expect(right.status).toBe(200);
    expect((await http(`${b.url}/health`)).status).toBe(200);
    await b.stop();
    expect([...b.lines, ...b.stderr].join("\n")).not.toContain("bridge-token-xyz-123");
  });

  it("refuses a non-loopback bind without a token (exit 78)", async () => {
    const dir = bridgeTempDir();
    const p = spawnBridge(
      bridgeEnv({ CLAWCALL_STATE_DIR: join(dir, "state"), CLAWCALL_AGENT_HOST: "0.0.0.0" }),
    );
    const exit = await p.exited;
    expect(exit.code).toBe(78);
    expect(p.stderr.join("\n")).toMatch(/refusing to listen on 0\.0\.0\.0.*CLAWCALL_BRIDGE_TOKEN/);
  });
});

describe("graceful close", () => {
  let model: FakeModelServer;
  beforeAll(async () => {
    model = await new FakeModelServer().start();
  });
  afterAll(async () => {
    await killAllBridges();
    await model.stop();
  });

  it("SIGTERM stops accepting, finishes the in-flight turn, exits 0", async () => {
    model.behaviour = "slow";
    model.slowMs = 1_500;
    const dir = bridgeTempDir();
    const b = await startBridge(
      bridgeEnv({
        CLAWCALL_STATE_DIR: join(dir, "state"),
        CLAWCALL_PHONE_MODEL_MODE: "openai",
        OPENAI_BASE_URL: `${model.url}/v1`,
        PATH: "/nonexistent",
      }),
    );
    const inflight = say(b.url, "tell me something long");
    await new Promise((r) => setTimeout(r, 300));
    b.proc.kill("SIGTERM");
    const r = await inflight;
    expect(r.status).toBe(200);
    expect(r.json.source).toBe("model");
    expect((await b.exited).code).toBe(0);
  });
});
