/**
 * Issue 14, item 3: calls end when they should, and only then. Farewells with the agent's name or a
 * polite tail end the call on the fast path; a farewell inside a request and a bare "later" do not;
 * a model that says goodbye back to a caller's goodbye ends the call; the model may hang up its own
 * call with the end-call marker, which is never spoken.
 */
import { describe, expect, it } from "vitest";
import { END_CALL_SENTINEL } from "../../src/openclaw/reply.js";
import { scriptedModel } from "../helpers/bridge-fakes.js";
import { closeBridgesAfterEach, testBridge } from "./in-process.js";

closeBridgesAfterEach();
const SID = `CA${"e".repeat(32)}`;

function bridge(reply: (utterance: string) => string = () => "Sure, done.") {
  const m = scriptedModel();
  m.set(async (req) => reply(req.utterance));
  const b = testBridge(
    { CLAWCALL_AGENT_NAME: "Nova", CLAWCALL_USER_NAME: "Sam", CLAWCALL_TIMEZONE: "UTC" },
    { model: m.model },
  );
  return { b, m };
}
const say = (b: ReturnType<typeof bridge>["b"], message: string) =>
  b.handleMessage({ call_sid: SID, message });

describe("the caller's goodbye", () => {
  it.each([
    "okay thank you nova bye",
    "thanks Nova, bye!",
    "thanks for the help so bye",
    "thank you so much, goodbye",
    "ok cool talk to you later nova",
    "perfect thank you nova have a good night",
    "thanks buddy bye",
    "ok that helps thanks bye",
  ])("%j ends the call at once", async (utterance) => {
    const { b, m } = bridge();
    const r = await say(b, utterance);
    expect(r).toMatchObject({ intent: "goodbye", end_call: true, response: "Goodbye Sam, talk soon." });
    expect(m.requests).toHaveLength(0);
  });

  it.each([
    "later",
    "remind me to say goodbye to mom",
    "tell nova's boss bye",
    "do it later",
    "book the table and call me later",
  ])("%j does not end the call", async (utterance) => {
    const { b } = bridge();
    const r = await say(b, utterance);
    expect(r.end_call).toBe(false);
    expect(r.intent).not.toBe("goodbye");
  });
});

describe("the model's goodbye", () => {
  it("saying goodbye back to a caller who said it ends the call", async () => {
    const { b } = bridge(() => "Done, Sam! Goodbye!");
    // A request with the farewell, so the model answers it ("thanks, bye" alone is the fast path's).
    const r = await say(b, "great, book the taxi for seven too, bye");
    expect(r).toMatchObject({ source: "model", end_call: true });
    expect(r.response).toContain("Goodbye");
  });

  it("a goodbye that still asks something keeps the line open", async () => {
    const { b } = bridge(() => "Goodbye for now! Oh, should I also book the taxi?");
    expect((await say(b, "great, book the taxi for seven too, bye")).end_call).toBe(false);
  });

  it("a goodbye the caller did not ask for keeps the line open", async () => {
    const { b } = bridge(() => "Here's one: why did the cat sit on the laptop? Bye!");
    expect((await say(b, "tell me a joke about cats")).end_call).toBe(false);
  });

  it("the end-call marker hangs up the caller's call and is never spoken", async () => {
    const { b, m } = bridge(() => `All set, talk soon. ${END_CALL_SENTINEL}`);
    const r = await say(b, "that's everything for the booking, you can hang up after confirming");
    expect(r).toMatchObject({ source: "model", end_call: true, response: "All set, talk soon." });
    expect(m.requests[0]!.system).toContain(END_CALL_SENTINEL);
  });

  it("a marker with no words still says goodbye", async () => {
    const { b } = bridge(() => END_CALL_SENTINEL);
    const r = await say(b, "please wrap up the call now");
    expect(r).toMatchObject({ end_call: true, response: "Goodbye Sam, talk soon." });
  });
});
