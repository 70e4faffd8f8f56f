/**
 * The bridge's wire contract: what the bridge writes parses with the schemas its consumers use, and
 * the one /health probe reads ours, a foreign copy and an empty port alike.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  bridgeHealth,
  healthyOf,
  MAX_MESSAGE_CHARS,
  messageReply,
  parseMessageRequest,
  probeBridgeHealth,
  readBridgeStatus,
} from "../../src/bridge/contract.js";
import { closeBridgesAfterEach, testBridge } from "./in-process.js";

const SID = `CA${"c".repeat(32)}`;
const servers: Server[] = [];
closeBridgesAfterEach();
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

const make = () =>
  testBridge({ CLAWCALL_AGENT_NAME: "Pinchy", CLAWCALL_PHONE_MODEL_MODE: "off" }, { statusFile: true });

/** A server that answers /health with whatever the test says. */
async function other(status: number, body: string): Promise<string> {
  const s = createServer((_req, res) =>
    res.writeHead(status, { "content-type": "application/json" }).end(body),
  );
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

describe("POST /clawcall/message", () => {
  it("refuses a body with the first problem's status and words: sid, then message, then kind", () => {
    const problem = (body: unknown) => {
      const r = parseMessageRequest(body);
      return r.ok ? undefined : r.problem;
    };
    expect(problem({ call_sid: "../etc", message: 5 })).toEqual({
      status: 400,
      message: "call_sid must be a string of letters, digits, . _ : -",
    });
    expect(problem({ call_sid: SID })).toEqual({ status: 400, message: "message must be a string" });
    expect(problem({ call_sid: SID, message: "x".repeat(MAX_MESSAGE_CHARS + 1) })).toMatchObject({
      status: 413,
    });
    expect(problem({ call_sid: SID, message: "hi", kind: 3 })).toMatchObject({
      status: 400,
      message: "kind must be a string when present",
    });
    expect(parseMessageRequest({ call_sid: SID, message: "hi", kind: "caller", extra: true })).toMatchObject({
      ok: true,
      value: { call_sid: SID, message: "hi", kind: "caller" },
    });
  });

  it("every reply the bridge gives parses with the reply schema", async () => {
    const b = make();
    for (const message of ["what's your name", "", "book me a table", "goodbye"]) {
      const r = await b.handleMessage({ call_sid: SID, message });
      expect(messageReply.safeParse(r).success, message).toBe(true);
    }
    const complete = await b.handleMessage({
      call_sid: "notify-0b7a4c1e-0000-4000-8000-000000000001",
      message: "[THIRD PARTY COMPLETE] not json",
    });
    expect(messageReply.parse(complete).kind).toBe("unknown");
  });
});

describe("GET /health and bridge.status.json", () => {
  it("the bridge's /health parses as our health; its status file reads back through the schema", async () => {
    const b = make();
    const { url } = await b.listen();
    const probe = await probeBridgeHealth(url);
    expect(probe).toMatchObject({ reachable: true, status: 200, pid: process.pid });
    const h = healthyOf(probe);
    expect(h).toMatchObject({ ok: true, mode: "off", agent_name: "Pinchy", turns: 0 });
    expect(bridgeHealth.safeParse(h).success).toBe(true);

    b.stats.noteError("E_MODEL_HTTP", "the model server answered 500");
    b.writeStatus();
    const file = readBridgeStatus(dirname(b.tasks.path));
    expect(file).toMatchObject({ pid: process.pid, mode: "off", lastError: { code: "E_MODEL_HTTP" } });
  });

  it("a foreign copy is reachable with its pid but not healthy; a closed port is unreachable", async () => {
    const foreign = await probeBridgeHealth(await other(200, '{"ok":true,"pid":4242}'));
    expect(foreign).toEqual({ reachable: true, status: 200, health: undefined, pid: 4242 });
    expect(healthyOf(foreign)).toBeUndefined();
    const html = await probeBridgeHealth(await other(502, "<html>bad gateway</html>"));
    expect(html).toEqual({ reachable: true, status: 502, health: undefined, pid: undefined });
    const closed = await probeBridgeHealth("http://127.0.0.1:9", 1_000);
    expect(closed.reachable).toBe(false);
  });
});
