/**
 * Bridge robustness as a process: body limits, unknown routes, malformed HTTP, graceful close. Host,
 * content-type, token and bind checks are in test/security/exposure.test.ts, the fuzz test in
 * test/security/bridge-fuzz.test.ts.
 */
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeTempDir, FakeModelServer } from "../helpers/bridge-fakes.js";
import {
  type BridgeProc,
  bridgeEnv,
  CALL_SID,
  eventually,
  http,
  killAllBridges,
  say,
  startBridge,
  startIsolatedBridge,
} from "../helpers/bridge-proc.js";

describe("bridge safety", () => {
  let b: BridgeProc;

  beforeAll(async () => {
    b = await startIsolatedBridge();
  });
  afterAll(killAllBridges);

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

  it("answers unknown routes and wrong methods with JSON errors", async () => {
    const notFound = await http(`${b.url}/nope`);
    expect(notFound.status).toBe(404);
    expect(notFound.json).toMatchObject({ ok: false, code: "E_BRIDGE_NOT_FOUND" });
    const get = await http(`${b.url}/clawcall/message`);
    expect(get.status).toBe(405);
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

  it("SIGTERM stops accepting, answers the in-flight turn (its model call cut: issue 13), exits 0", async () => {
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
    await eventually(() => model.chatRequests().length === 1);
    b.proc.kill("SIGTERM");
    const r = await inflight;
    expect(r.status).toBe(200);
    // Shutdown does not wait for the model: the caller hears the fallback line at once.
    expect(r.json.source).toBe("fallback");
    expect((await b.exited).code).toBe(0);
  });
});
