/**
 * The relay records every call and announces nothing, so a third-party call's opening says the call
 * may be recorded: whoever words the opening (the model or the stock line), once, right after the
 * greeting. The wording is configurable and `off` turns it off.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { ConfigError } from "../../src/errors.js";
import { isSpeakable } from "../../src/speech/index.js";
import { closeBridgesAfterEach, testBridge } from "../bridge/in-process.js";
import { type ScriptedModel, startScriptedModel } from "../helpers/scripted-model.js";

closeBridgesAfterEach();

const OPEN = "[THIRD PARTY CALL]\nObjective: Book a table for two at 7pm\nContext: Name is Sam";
let n = 0;
const sid = () => `CA${(++n).toString(16).padStart(32, "b")}`;
const names = { CLAWCALL_AGENT_NAME: "Pinchy", CLAWCALL_USER_NAME: "Sam" };

describe("the recording notice in third-party openings", () => {
  let model: ScriptedModel;
  beforeAll(async () => {
    model = await startScriptedModel();
  });
  afterAll(async () => {
    await model.close();
  });

  it("the stock opening says it after the greeting (on by default)", async () => {
    const b = testBridge({ ...names, CLAWCALL_PHONE_MODEL_MODE: "off" });
    const r = await b.handleMessage({ call_sid: sid(), message: OPEN });
    expect(r.kind).toBe("third_party_open");
    expect(r.response).toMatch(
      /^Hello, this is Pinchy, an AI assistant calling on behalf of Sam\. This call may be recorded\. I'm calling about this: Book a table/,
    );
    expect(isSpeakable(r.response)).toBe(true);
  });

  it("a model's opening gets it too, once, and later turns do not repeat it", async () => {
    const b = testBridge({ ...names, CLAWCALL_PHONE_MODEL_MODE: "openai", OPENAI_BASE_URL: model.baseUrl });
    const call = sid();
    model.reply = {
      text: "Hi, this is Pinchy calling for Sam. I'd like to book a table for two at 7 tonight.",
    };
    const open = await b.handleMessage({ call_sid: call, message: OPEN });
    expect(open.response).toBe(
      "Hi, this is Pinchy calling for Sam. This call may be recorded. I'd like to book a table for two at 7 tonight.",
    );
    model.reply = { text: "Great, 7 works. Thank you!" };
    const next = await b.handleMessage({ call_sid: call, message: "[THIRD PARTY SAYS]: Sure, 7 is fine." });
    expect(next.response).toBe("Great, 7 works. Thank you!");
  });

  it("uses the configured wording, and says nothing with off", async () => {
    const custom = testBridge({
      ...names,
      CLAWCALL_PHONE_MODEL_MODE: "off",
      CLAWCALL_RECORDING_NOTICE: "Just so you know, this call is recorded",
    });
    expect((await custom.handleMessage({ call_sid: sid(), message: OPEN })).response).toMatch(
      /^Hello, this is Pinchy[^.]*\. Just so you know, this call is recorded\. I'm calling/,
    );
    const off = testBridge({ ...names, CLAWCALL_PHONE_MODEL_MODE: "off", CLAWCALL_RECORDING_NOTICE: "off" });
    expect((await off.handleMessage({ call_sid: sid(), message: OPEN })).response).not.toMatch(/record/i);
  });

  it("a notice that is not one short sentence stops the process with a line naming the variable", () => {
    const bad = (v: string) => () =>
      loadConfig({ dotenv: false, env: { CLAWCALL_STATE_DIR: "/tmp/x", CLAWCALL_RECORDING_NOTICE: v } });
    expect(bad("x".repeat(201))).toThrow(ConfigError);
    expect(bad("12345")).toThrow(/CLAWCALL_RECORDING_NOTICE/);
  });
});
