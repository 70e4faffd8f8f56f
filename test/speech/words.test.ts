import { describe, expect, it } from "vitest";
import { splitSentences } from "../../src/speech/sentences.js";
import { shapeSpeech } from "../../src/speech/shape.js";
import { GO_ON_OFFER, takeWords, wordCount } from "../../src/speech/words.js";

describe("the word budget", () => {
  const text = Array.from({ length: 12 }, (_, i) => `Sentence ${i + 1} has five words.`).join(" ");

  it("cuts at a sentence boundary, offers to go on, and keeps the rest whole", () => {
    const { spoken, rest } = shapeSpeech(text, { words: 17 });
    expect(spoken).toBe(
      `Sentence 1 has five words. Sentence 2 has five words. Sentence 3 has five words. ${GO_ON_OFFER}`,
    );
    expect(rest.startsWith("Sentence 4 has five words.")).toBe(true);
    expect(rest.endsWith("Sentence 12 has five words.")).toBe(true);
  });
  it("cuts a single sentence longer than the budget at a clause, ending it with a stop", () => {
    const long = `First part of it, ${"and more words ".repeat(20)}end.`;
    const { head, rest } = takeWords(splitSentences(long), 10);
    expect(head).toEqual(["First part of it."]);
    expect(rest[0]?.startsWith("And more words")).toBe(true);
  });
  it("keeps a sentence that must be heard after the part that fits, within the budget", () => {
    const after = 'I also have news for you. Say "tell me" to hear it.';
    const { spoken, rest } = shapeSpeech(text, { words: 25, after });
    expect(spoken).toBe(`Sentence 1 has five words. Sentence 2 has five words. ${after} ${GO_ON_OFFER}`);
    expect(rest.startsWith("Sentence 3")).toBe(true);
    expect(shapeSpeech("Short.", { words: 25, after }).spoken).toBe(`Short. ${after}`);
  });
  it("makes no offer without a cut, or when told not to", () => {
    expect(shapeSpeech("Short answer.", { words: 20 })).toEqual({
      spoken: "Short answer.",
      rest: "",
      whole: "Short answer.",
    });
    expect(shapeSpeech(text, { words: 20, offer: false }).spoken).not.toContain(GO_ON_OFFER);
  });
  it("counts words as a listener hears them", () => {
    expect(wordCount("It's 3:05 PM, ok? 1,200 dollars.")).toBe(6);
  });
});
