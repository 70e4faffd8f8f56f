import { describe, expect, it } from "vitest";
import { isSpeakable, speechProblems } from "../../src/speech/check.js";
import { GO_ON_OFFER } from "../../src/speech/words.js";

describe("isSpeakable", () => {
  it("passes plain sentences, and the go-on offer does not count against the budget", () => {
    expect(isSpeakable("It's 3:05 PM on Tuesday. The backup is done.")).toBe(true);
    expect(isSpeakable(`One two three. ${GO_ON_OFFER}`, { maxWords: 3 })).toBe(true);
  });
  it("names each broken rule", () => {
    const cases: [string, string][] = [
      ["", "nothing to say"],
      ["Two\nlines.", "a line break"],
      ["Party 🎉.", "a control, invisible, ANSI or emoji character"],
      ["<think>x</think> Hi.", "reasoning markup"],
      ["**Bold**.", "markup or a citation token"],
      ["A fact [1].", "markup or a citation token"],
      ["See https://x.example/a.", "a URL or a file path"],
      ["At /home/sam/notes.txt now.", "a URL or a file path"],
      ["At 14:30.", "a 24-hour time"],
      ["On 2026-12-03.", "an ISO date"],
      ["No stop at the end", "does not end on a full sentence"],
    ];
    for (const [text, problem] of cases) expect(speechProblems(text), text).toContain(problem);
    expect(speechProblems("one two three four.", { maxWords: 3 })).toEqual(["4 words, over the budget of 3"]);
  });
});
