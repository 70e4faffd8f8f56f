import { describe, expect, it } from "vitest";
import { type FastContext, INTENTS, type IntentName } from "../../src/bridge/intents/index.js";
import { normalize } from "../../src/bridge/normalize.js";
import { IntentRouter } from "../../src/bridge/router.js";

const ctx = (over: Partial<FastContext> = {}): FastContext => ({
  agentName: () => "Pinchy",
  hasAgentName: () => true,
  userName: () => "Sam",
  spokenNow: () => "It's 9 AM on Thursday, November 26, 2026.",
  lastAnswer: () => "the last thing I said",
  moreAnswer: () => undefined,
  cronSummary: () => "CRON SUMMARY",
  working: () => undefined,
  tasksSummary: (n) => `TASKS SUMMARY for ${n}`,
  minutesSummary: () => "MINUTES SUMMARY",
  ...over,
});

const router = new IntentRouter();
const answer = (text: string, c = ctx()) => {
  const r = router.route(text);
  return {
    name: r.intent?.name,
    text: r.intent?.answer(c, r.normalized),
    endCall: r.intent?.endCall === true,
  };
};

describe("intents (one file each)", () => {
  it("registers every intent once", () => {
    const names = INTENTS.map((i) => i.name).sort();
    expect(names).toEqual([
      "acknowledge",
      "cron",
      "goodbye",
      "greeting",
      "help",
      "identity",
      "minutes",
      "more",
      "news",
      "repeat",
      "tasks",
      "time",
      "wellbeing",
    ] satisfies IntentName[]);
  });

  it("identity", () => {
    expect(answer("who am I talking to")).toMatchObject({
      name: "identity",
      text: "I'm Pinchy, Sam's AI assistant.",
    });
    expect(answer("are you a robot").text).toBe("I'm Pinchy, an AI assistant working for Sam.");
    expect(
      answer("what is your name", ctx({ hasAgentName: () => false, userName: () => undefined })).text,
    ).toBe("I'm your AI assistant.");
  });
  it("greeting", () => {
    expect(answer("hey there")).toMatchObject({
      name: "greeting",
      text: "Hi Sam, it's Pinchy. What can I do for you?",
    });
  });
  it("wellbeing", () => {
    expect(answer("how's it going").text).toMatch(/^I'm doing well/);
  });
  it("cron", () => {
    expect(answer("list my cron jobs")).toMatchObject({ name: "cron", text: "CRON SUMMARY" });
  });
  it("tasks (the summary gets the normalised question)", () => {
    expect(answer("Is the deployment done yet?").text).toBe("TASKS SUMMARY for is the deployment done yet");
  });
  it("goodbye ends the call", () => {
    expect(answer("talk to you later")).toMatchObject({
      name: "goodbye",
      endCall: true,
      text: "Goodbye Sam, talk soon.",
    });
  });
  it("time", () => {
    expect(answer("what day is it").text).toBe("It's 9 AM on Thursday, November 26, 2026.");
  });
  it("repeat", () => {
    expect(answer("come again?").text).toBe("the last thing I said");
    expect(answer("come again?", ctx({ lastAnswer: () => undefined })).text).toMatch(
      /haven't said anything yet/,
    );
  });
  it("more: the held-back rest of the last answer; a new question about more is not it", () => {
    const c = ctx({ moreAnswer: () => "THE REST" });
    for (const said of [
      "go on",
      "okay go on",
      "tell me more",
      "keep going please",
      "continue",
      "what else",
    ]) {
      expect(answer(said, c)).toMatchObject({ name: "more", text: "THE REST" });
    }
    expect(answer("go on").text).toMatch(/That's all I have/);
    expect(answer("tell me more about the weather in Lima").name).toBeUndefined();
    expect(answer("sure go ahead").name).toBeUndefined();
  });
  it("help", () => {
    expect(answer("what can you do").text).toMatch(/scheduled jobs.*minutes/);
  });
  it("acknowledge: thanks, a line check, a caller asking to wait, a caller back from a pause", () => {
    expect(answer("thanks so much")).toMatchObject({ name: "acknowledge", text: "You're welcome." });
    for (const t of ["did you drop off", "are you with me", "is this thing on", "have I lost you"]) {
      expect(answer(t), t).toMatchObject({
        name: "acknowledge",
        text: "Yes, I'm here. What can I do for you?",
      });
    }
    for (const t of ["hold on", "one sec", "give me a minute", "hang on a second", "just a moment please"]) {
      expect(answer(t), t).toMatchObject({ name: "acknowledge", text: "Sure, take your time. I'm here." });
    }
    for (const t of ["okay I'm back", "sorry about that", "thanks for waiting"]) {
      expect(answer(t), t).toMatchObject({ name: "acknowledge", text: "No problem. What can I do for you?" });
    }
    // A wait with a request after it is the request.
    expect(answer("hold on, can you text Sam I'm late").name).toBeUndefined();
    expect(answer("give me a minute to find my glasses and then read the recipe").name).toBeUndefined();
  });

  it("minutes", () => {
    expect(answer("am I running out of minutes").text).toBe("MINUTES SUMMARY");
  });
});

describe("normalize", () => {
  it("expands contractions, folds STT spellings, drops fillers and punctuation", () => {
    expect(normalize("Um, what's   your NAME?!")).toBe("what is your name");
    expect(normalize("whats ur name")).toBe("what is your name");
    expect(normalize("I didn’t catch that")).toBe("i did not catch that");
    expect(normalize("uh what crown jobs do i have")).toBe("what cron jobs do i have");
    expect(normalize("okay so bye bye")).toBe("bye");
    expect(normalize("...")).toBe("");
  });
});
