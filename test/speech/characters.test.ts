import { describe, expect, it } from "vitest";
import { dropUnspeakableCharacters, hasUnspeakableCharacter } from "../../src/speech/characters.js";

describe("characters", () => {
  it("drops ANSI colours, controls, zero-width and direction marks, emoji with their modifiers", () => {
    const s = "\u001b[1;32mOK\u001b[0m a\u0007b\u200bc\u202ed 👍🏽 🇺🇸 1️⃣ 👨‍👩‍👧 e\ufeff";
    const out = dropUnspeakableCharacters(s).replace(/\s+/g, " ").trim();
    expect(out).toBe("OK a bcd 1 e");
    expect(hasUnspeakableCharacter(out)).toBe(false);
    expect(hasUnspeakableCharacter(s)).toBe(true);
  });
  it("removes a lone surrogate and keeps accents and other scripts", () => {
    expect(dropUnspeakableCharacters(`Café ${"\ud83d"} Zürich 東京`)).not.toMatch(/[\ud800-\udfff\ufffd]/);
    expect(dropUnspeakableCharacters("Café Zürich 東京")).toBe("Café Zürich 東京");
  });
});
