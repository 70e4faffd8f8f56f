/**
 * Gateway sessions (issue 15, item 4): one gateway session per call by default; with
 * CLAWCALL_GATEWAY_SESSION=main the owner's turns go into the agent's main session, while guests and
 * third parties keep sessions of their own; a non-default agent is also named in `x-openclaw-agent-id`.
 */
import { describe, expect, it } from "vitest";
import { createModelBackend, type ModelRequest } from "../../src/bridge/model/index.js";
import { loadConfig } from "../../src/config/index.js";
import { silentLogger } from "../../src/log.js";
import { chats, closeFakeGatewaysAfterEach, fakeGateway } from "../helpers/fake-gateway.js";

closeFakeGatewaysAfterEach();

async function backend(env: Record<string, string>) {
  const gw = await fakeGateway();
  const config = loadConfig({ dotenv: false, env: { OPENCLAW_GATEWAY_URL: gw.url, ...env } });
  const model = createModelBackend(config, {
    logger: silentLogger(),
    runner: async () => {
      throw new Error("no CLI in this test");
    },
  });
  const say = (purpose: ModelRequest["purpose"], callSid: string) =>
    model.complete({
      callSid,
      purpose,
      system: "phone",
      utterance: "hello there",
      history: [],
      signal: AbortSignal.timeout(5_000),
    });
  return { gw, model, say };
}

describe("gateway sessions", () => {
  it("by default: one session per call, named by `user`, no routing headers", async () => {
    const { gw, model, say } = await backend({});
    await say("caller", "CAone");
    await say("guest", "CAtwo");
    expect(chats(gw.seen).map((s) => [s.user, s.sessionKey, s.agentId])).toEqual([
      ["clawcall:CAone", undefined, undefined],
      ["clawcall:guest:CAtwo", undefined, undefined],
    ]);
    await model.close();
  });

  it("main: the owner's turns go to the main session; guests and third parties keep their own", async () => {
    const { gw, model, say } = await backend({
      CLAWCALL_GATEWAY_SESSION: "main",
      CLAWCALL_OPENCLAW_AGENT: "ops",
    });
    await say("caller", "CAowner");
    await say("scheduled", "CAsched");
    await say("guest", "CAguest");
    await say("third_party", "CA3p");
    expect(chats(gw.seen).map((s) => [s.user, s.sessionKey, s.agentId])).toEqual([
      [undefined, "main", "ops"],
      [undefined, "main", "ops"],
      ["clawcall:guest:CAguest", undefined, "ops"],
      ["clawcall:3p:CA3p", undefined, "ops"],
    ]);
    await model.close();
  });
});
