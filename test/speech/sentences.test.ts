import { describe, expect, it } from "vitest";
import { sentence, splitSentences } from "../../src/speech/sentences.js";
import { speakableText } from "../../src/speech/shape.js";

describe("sentences", () => {
  it("ends every answer on a full sentence, a list's last item included", () => {
    expect(speakableText("Buy:\n- milk\n- eggs")).toBe("Buy. Milk. Eggs.");
    expect(speakableText("it is done")).toBe("it is done.");
    expect(sentence("trailing comma,")).toBe("trailing comma.");
  });
  it("does not split on abbreviations, decimals or times", () => {
    expect(splitSentences("Dr. Smith paid 3.5 dollars at 3:05 PM. Then left.")).toEqual([
      "Dr. Smith paid 3.5 dollars at 3:05 PM.",
      "Then left.",
    ]);
  });
});
