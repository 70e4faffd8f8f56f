/**
 * The warm-up wired into a real bridge, against a local stand-in for the OpenClaw gateway (no real
 * gateway in tests; the latency it buys is measured by `npm run bench:gateway`).
 */
import { describe, expect, it } from "vitest";
import { chats, closeFakeGatewaysAfterEach, fakeGateway } from "../helpers/fake-gateway.js";
import { eventually } from "../helpers/proc.js";
import { closeBridgesAfterEach, testBridge } from "./in-process.js";

closeBridgesAfterEach();
closeFakeGatewaysAfterEach();

describe("warm-up in the bridge (gateway mode)", () => {
  it("warms in its own session after listen; a call's turn keeps its own session and never hears it", async () => {
    const gw = await fakeGateway();
    const b = testBridge({
      OPENCLAW_GATEWAY_URL: gw.url,
      CLAWCALL_WARMUP_INTERVAL_MS: "1000",
      CLAWCALL_AGENT_NAME: "Pinchy",
    });
    await b.listen();
    await eventually(() => chats(gw.seen).length >= 1);
    const warm = chats(gw.seen)[0];
    expect(warm?.user).toMatch(/^clawcall:warmup:/);
    expect(warm?.text).toBe("keep-alive");

    const r = await b.handleMessage({
      call_sid: "CAwarm1",
      message: "could you draft a thank you note for me",
    });
    expect(r.source).toBe("model");
    expect(r.response).not.toMatch(/\bOK\b/);
    const callTurns = chats(gw.seen).filter((s) => s.text !== "keep-alive");
    expect(callTurns.length).toBe(1);
    expect(callTurns[0]?.user).toContain("CAwarm1");
    expect(callTurns[0]?.user).not.toContain("warmup");
    // The model gate's slots are untouched by warm-ups.
    expect(b.gate.active).toBe(0);
  });

  it("CLAWCALL_WARMUP=off sends none", async () => {
    const gw = await fakeGateway();
    const b = testBridge({ OPENCLAW_GATEWAY_URL: gw.url, CLAWCALL_WARMUP: "off" });
    await b.listen();
    // The start-up probe has run (it is sent at listen, like the first warm-up would be).
    await eventually(() => gw.seen.some((s) => s.path === "/v1/models"));
    await new Promise((r) => setTimeout(r, 300));
    expect(chats(gw.seen)).toEqual([]);
  });
});
