/**
 * A short turn said just after an answer that asked the caller something may be the reply to it:
 * "perfect, thanks" to "shall I cancel it?" is a yes the model must hear. Line checks and waits are not
 * replies, and after an answer that asked nothing the fast path still answers.
 */
import { describe, expect, it } from "vitest";
import { scriptedModel } from "../helpers/bridge-fakes.js";
import { closeBridgesAfterEach, testBridge } from "./in-process.js";

closeBridgesAfterEach();

const SID = `CA${"d".repeat(32)}`;
const ASKS = "Your nine o'clock reminder is the dentist. Shall I cancel it?";

async function afterAQuestion() {
  const m = scriptedModel();
  m.set(async () => ASKS);
  const b = testBridge({}, { model: m.model });
  const say = (message: string) => b.handleMessage({ call_sid: SID, message });
  expect((await say("what is my nine o'clock reminder")).response).toBe(ASKS);
  return { m, say };
}

describe("a reply to the model's question", () => {
  for (const reply of ["perfect, thanks", "no worries", "great thank you"]) {
    it(`"${reply}" just after "shall I cancel it?" reaches the model`, async () => {
      const { m, say } = await afterAQuestion();
      m.set(async () => "Done, the dentist reminder is cancelled.");
      const r = await say(reply);
      expect(r).toMatchObject({ source: "model", response: "Done, the dentist reminder is cancelled." });
      expect(m.requests.at(-1)?.utterance).toBe(reply);
    });
  }

  it("a line check or a wait after the question is still answered at once", async () => {
    const { m, say } = await afterAQuestion();
    expect(await say("are you still there")).toMatchObject({ source: "fast", intent: "acknowledge" });
    expect(await say("hold on a second")).toMatchObject({ source: "fast", intent: "acknowledge" });
    expect(m.requests).toHaveLength(1);
  });

  it("thanks after an answer that asked nothing is the fast path's", async () => {
    const m = scriptedModel();
    m.set(async () => "Your nine o'clock reminder is the dentist.");
    const b = testBridge({}, { model: m.model });
    await b.handleMessage({ call_sid: SID, message: "what is my nine o'clock reminder" });
    const r = await b.handleMessage({ call_sid: SID, message: "perfect, thanks" });
    expect(r).toMatchObject({ source: "fast", intent: "acknowledge", response: "You're welcome." });
    expect(m.requests).toHaveLength(1);
  });
});
