/**
 * With the model unreachable, the caller hears so plainly ("I can't reach my main brain right now")
 * and what the phone can still do, instead of a generic apology; `/health` and `clawcall doctor`
 * say the same; once the model answers again, so does the phone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as lines from "../../src/bridge/lines.js";
import { checkPhoneModel } from "../../src/cli/commands/doctor.js";
import { isSpeakable } from "../../src/speech/index.js";
import { closeBridgesAfterEach, testBridge } from "../bridge/in-process.js";
import { type ScriptedModel, startScriptedModel } from "../helpers/scripted-model.js";
import { refusedUrl } from "../helpers/scripted-server.js";

closeBridgesAfterEach();

const SID = `CA${"a".repeat(32)}`;
const ask = (b: ReturnType<typeof testBridge>, message: string) =>
  b.handleMessage({ call_sid: SID, message });
const health = async (b: ReturnType<typeof testBridge>) => {
  const { url } = await b.listen();
  const res = await fetch(`${url}/health`);
  return (await res.json()) as Record<string, unknown>;
};

describe("honest fallbacks when the model is unreachable", () => {
  let model: ScriptedModel;
  beforeAll(async () => {
    model = await startScriptedModel();
  });
  afterAll(async () => {
    await model.close();
  });

  it("nothing listens: the caller hears it plainly, fast answers still work, /health and doctor agree", async () => {
    const b = testBridge({
      CLAWCALL_PHONE_MODEL_MODE: "openai",
      OPENAI_BASE_URL: `${await refusedUrl()}/v1`,
    });
    const r = await ask(b, "what's the capital of Peru");
    expect(r.source).toBe("fallback");
    expect(r.response).toBe(lines.modelFallback("unreachable"));
    expect(r.response).toMatch(/^I can't reach my main brain right now\b.*I can still tell you the time/);
    expect(isSpeakable(r.response, { maxWords: 50 })).toBe(true);
    expect((await ask(b, "what time is it")).source).toBe("fast");
    const h = await health(b);
    expect(h).toMatchObject({ model_reachable: false });
    expect(h.model_note).toMatch(/can't reach its model \(E_MODEL_TRANSPORT\)/);
    const check = checkPhoneModel(h as never);
    expect(check).toMatchObject({ name: "phone model", state: "fail", detail: h.model_note });
    expect(check.fix).toMatch(/OPENAI_BASE_URL/);
  });

  it("a server that answers errors counts as unreachable; when it recovers, answers come back", async () => {
    const b = testBridge({ CLAWCALL_PHONE_MODEL_MODE: "openai", OPENAI_BASE_URL: model.baseUrl });
    model.failWith = 503;
    expect((await ask(b, "how tall is Everest")).response).toMatch(/^I can't reach my main brain/);
    model.failWith = undefined;
    model.reply = { text: "It is 8,849 meters tall." };
    const r = await ask(b, "how tall is Everest");
    expect(r).toMatchObject({ source: "model", response: "It is 8,849 meters tall." });
    const h = await health(b);
    expect(h).toMatchObject({ model_reachable: true, model_note: "the model answered the last call" });
    expect(checkPhoneModel(h as never).state).toBe("pass");
  });

  it("a passing failure (a reply with nothing to say) is not called unreachable", async () => {
    const b = testBridge({ CLAWCALL_PHONE_MODEL_MODE: "openai", OPENAI_BASE_URL: model.baseUrl });
    model.failWith = undefined;
    model.reply = { text: "<think>only thoughts</think>" };
    const r = await ask(b, "summarise my inbox");
    expect(r.source).toBe("fallback");
    expect(r.response).toBe(lines.modelFallback("failed"));
  });

  it("with the model off, /health says so and the caller hears what the phone can do", async () => {
    const b = testBridge({ CLAWCALL_PHONE_MODEL_MODE: "off" });
    expect((await ask(b, "what's the capital of Peru")).response).toBe(lines.modelFallback("off"));
    const h = await health(b);
    expect(h).toMatchObject({ model_reachable: false });
    expect(checkPhoneModel(h as never).state).toBe("warn");
  });
});
