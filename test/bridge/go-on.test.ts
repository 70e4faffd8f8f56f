/** The word budget on a call: a long answer is cut with an offer, "go on" tells the rest, "repeat" all of it. */
import { describe, expect, it } from "vitest";
import { GO_ON_OFFER, isSpeakable } from "../../src/speech/index.js";
import { scriptedModel } from "../helpers/bridge-fakes.js";
import { closeBridgesAfterEach, testBridge } from "./in-process.js";

closeBridgesAfterEach();

const SID = `CA${"c".repeat(32)}`;
const LONG = Array.from({ length: 9 }, (_, i) => `Point ${i + 1} of the plan is ready now.`).join(" ");

describe("go on and repeat", () => {
  it("cuts at the budget, tells the rest in parts on go on, then says there is no more", async () => {
    const m = scriptedModel();
    m.set(async () => LONG);
    const b = testBridge({ CLAWCALL_SPEECH_WORDS: "20" }, { model: m.model });
    const say = (message: string) => b.handleMessage({ call_sid: SID, message });
    const first = await say("what is the plan");
    expect(first.response).toBe(
      `Point 1 of the plan is ready now. Point 2 of the plan is ready now. ${GO_ON_OFFER}`,
    );
    const parts = [first.response];
    for (let i = 0; i < 5 && parts.at(-1)?.endsWith(GO_ON_OFFER); i++) {
      const r = await say("go on");
      expect(r).toMatchObject({ intent: "more", source: "fast" });
      parts.push(r.response);
    }
    for (const p of parts) expect(isSpeakable(p, { maxWords: 20 }), p).toBe(true);
    const heard = parts.map((p) => p.replace(GO_ON_OFFER, "").trim()).join(" ");
    expect(heard).toBe(LONG);
    expect((await say("go on")).response).toMatch(/^That's all I have on that\./);
    expect(m.requests).toHaveLength(1);
  });

  it("repeat says the whole last answer again from its start, cut the same way", async () => {
    const m = scriptedModel();
    m.set(async () => LONG);
    const b = testBridge({ CLAWCALL_SPEECH_WORDS: "20" }, { model: m.model });
    const first = await b.handleMessage({ call_sid: SID, message: "what is the plan" });
    const again = await b.handleMessage({ call_sid: SID, message: "say that again" });
    expect(again).toMatchObject({ intent: "repeat", response: first.response });
    const more = await b.handleMessage({ call_sid: SID, message: "go on" });
    expect(more.response.startsWith("Point 3 of the plan")).toBe(true);
  });

  it("'go on' just after the model asked something is a yes for the model, not 'no more'", async () => {
    const m = scriptedModel();
    m.set(async () => "There's a table at seven at Luigi's. Shall I book it?");
    const b = testBridge({}, { model: m.model });
    const say = (message: string) => b.handleMessage({ call_sid: SID, message });
    await say("find me a table for two tonight");
    m.set(async () => "Done, it's booked for seven.");
    const yes = await say("yeah go on then");
    expect(yes).toMatchObject({ source: "model", response: "Done, it's booked for seven." });
    expect(m.requests.at(-1)?.utterance).toBe("yeah go on then");
    // After an answer that asked nothing, "go on" with nothing held back is still the fast path's.
    expect(await say("go on")).toMatchObject({ source: "fast", intent: "more" });
  });

  it("a third party cannot ask to go on: their turn is cut at the budget without the offer", async () => {
    const m = scriptedModel();
    m.set(async () => LONG);
    const b = testBridge(
      { CLAWCALL_SPEECH_WORDS: "20", CLAWCALL_RECORDING_NOTICE: "off" },
      { model: m.model },
    );
    const sid = `CA${"d".repeat(32)}`;
    await b.handleMessage({ call_sid: sid, message: "[THIRD PARTY CALL]\nObjective: Ask about the plan" });
    const r = await b.handleMessage({ call_sid: sid, message: "[THIRD PARTY SAYS]: What is the plan?" });
    expect(r.kind).toBe("third_party_says");
    expect(r.response).toBe("Point 1 of the plan is ready now. Point 2 of the plan is ready now.");
  });
});
