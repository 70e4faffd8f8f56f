import { describe, expect, it } from "vitest";
import { INTENTS } from "../../src/bridge/intents/index.js";
import { compileLexicon, lexiconAccepts, lexiconFit } from "../../src/bridge/lexicon.js";
import { normalize } from "../../src/bridge/normalize.js";
import { IntentRouter } from "../../src/bridge/router.js";

const words = (s: string) => normalize(s).split(" ");

describe("lexicon pass", () => {
  const lex = compileLexicon({
    anchors: ["reminders", "set up"],
    cues: ["what", "any"],
    words: ["are", "my", "do", "i", "have"],
  });

  it("needs every word known, an anchor and a cue", () => {
    expect(lexiconAccepts(lex, words("what reminders do I have"))).toBe(true);
    expect(lexiconAccepts(lex, words("um so what are my reminders"))).toBe(true);
    // an unknown word, no cue, no anchor
    expect(lexiconAccepts(lex, words("what reminders do I have for Bob"))).toBe(false);
    expect(lexiconAccepts(lex, words("do I have reminders"))).toBe(false);
    expect(lexiconAccepts(lex, words("what do I have"))).toBe(false);
  });

  it("matches the longest phrase first, so a phrase's words are not words on their own", () => {
    expect(lexiconAccepts(lex, words("any reminders set up"))).toBe(true);
    expect(lexiconAccepts(lex, words("any reminders set"))).toBe(false);
  });

  it("counts the unknown words of the nearest reading, up to a budget", () => {
    // "bob" is no phrase's word, "set" only part of one: both unknown.
    expect(lexiconFit(lex, words("what reminders for bob"), 3)).toEqual({ complete: 2, anchored: 2 });
    expect(lexiconFit(lex, words("reminders set"), 3)).toEqual({ complete: Infinity, anchored: 1 });
    expect(lexiconFit(lex, words("any reminders set up"), 3)).toEqual({ complete: 0, anchored: 0 });
    // Over the budget, as soon as the words outside every phrase are counted.
    expect(lexiconFit(lex, words("what reminders for bob and his cat"), 3)).toEqual({
      complete: Infinity,
      anchored: Infinity,
    });
    expect(lexiconFit(lex, words("what do i have"), 3)).toEqual({ complete: Infinity, anchored: Infinity });
  });

  it("refuses long turns and empty ones", () => {
    const long = "what are my reminders do I have ".repeat(3);
    expect(lexiconAccepts(lex, words(long))).toBe(false);
    expect(lexiconAccepts(lex, [])).toBe(false);
  });

  it("keeps every intent's phrases normalised (a phrase normalize() would change never matches)", () => {
    for (const intent of INTENTS) {
      const lx = intent.lexicon;
      if (!lx) continue;
      for (const p of [...lx.anchors, ...(lx.cues ?? []), ...lx.words]) {
        expect(normalize(`x ${p}`), `${intent.name}: "${p}"`).toBe(`x ${p}`);
      }
    }
  });
});

describe("router with lexicons", () => {
  // The vocabulary pass on its own; the classifier behind it has its own tests (intent-model.test.ts).
  const router = new IntentRouter(INTENTS, { weights: false });
  router.setAgentName("Nova");
  const is = (t: string) => router.route(t).intent?.name ?? "none";

  it("answers phrasings no pattern spells out", () => {
    expect(is("minutes how many have I got left on the plan")).toBe("minutes");
    expect(is("the deploy, is it finished now")).toBe("tasks");
    expect(is("my reminders, which ones are set up")).toBe("cron");
    expect(is("the date today what is it")).toBe("time");
  });

  it("leaves orders and other subjects to the model", () => {
    for (const t of [
      "set a reminder for five",
      "schedule a briefing",
      "can you schedule a briefing",
      "how many minutes to boil an egg",
      "set a timer for ten minutes",
      "run the backup",
      "start the build",
      "cancel my reminders",
      "what is my balance",
      // The calendar is the model's; "what's on the schedule" is cron by the labelled data's consensus.
      "what's on my calendar for tomorrow",
      "who is the president",
      "what day is christmas",
      "what time is it in Tokyo",
      "thanks, can you also check my email",
      "no thanks",
      // A bare "is it time" reads as a time question to the labelled data; time for something is not.
      "is it time to go",
      "is it time for my pills",
      "can you do it",
      "help me with my taxes",
      "any news about the election",
      "tell me a joke",
      "say hello to mum",
      "how is my mum",
      "is everything okay",
      "continue the deployment",
      "remind me to say bye to mum",
      "I have to go to the store, remind me",
      "who is Nova",
      "what is the plan",
      "what's my name",
      "is it day or night in Sydney",
      "what time did you call me",
      "what time is the meeting",
      "how are things at work",
      "no thank you",
      "repeat the reminder every day",
      "tell me more about Paris",
      "what are my options for dinner",
      "how much time is left in the game",
      "what's the status of my order",
      "who are you calling",
      "say goodbye to grandma for me",
      "take care of the laundry",
      "see you at five at the cafe",
      "how's my sister doing",
      "which day is trash day",
      "is it friday at the office party",
      "what reminders should I set",
      "how many tasks did I finish this week",
    ]) {
      expect(is(t), t).toBe("none");
    }
  });

  it("says no when two intents claim the same words", () => {
    const twoWays = new IntentRouter([
      { name: "time", patterns: [], lexicon: { anchors: ["ping"], words: [] }, answer: () => "a" },
      { name: "help", patterns: [], lexicon: { anchors: ["ping"], words: [] }, answer: () => "b" },
    ]);
    expect(twoWays.route("ping").intent).toBeUndefined();
  });
});
