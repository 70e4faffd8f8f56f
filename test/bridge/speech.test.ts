import { describe, expect, it } from "vitest";
import { capLength, SPOKEN_HARD_CAP, speakable } from "../../src/bridge/speech.js";

describe("speakable", () => {
  it("strips markdown, links, URLs, emoji and control characters", () => {
    const md = [
      "# Heading",
      "**Bold** and _italic_ and `code` 🎉🚀",
      "- first item",
      "- second item",
      "See [the docs](https://example.com/docs) or https://evil.example/x?y=1 now.",
      "```js\nconsole.log('x')\n```",
      "Bell\u0007 and bidi\u202e and NUL\u0000 done 👍🏽",
    ].join("\n");
    const s = speakable(md);
    expect(s).toBe(
      "Heading. Bold and italic and code. first item. second item. See the docs or now. Bell and bidi and NUL done",
    );
    expect(s).not.toMatch(/[*_`#\u0000-\u001f]|https?:/);
  });

  it("turns tables into plain phrases", () => {
    expect(speakable("| a | b |\n|---|---|\n| 1 | 2 |")).not.toContain("|");
  });

  it("keeps ordinary punctuation and numbers", () => {
    expect(speakable("It's 3:05 PM, and 42% done. Ready?")).toBe("It's 3:05 PM, and 42% done. Ready?");
  });

  it("caps length at a sentence boundary, never past the hard cap", () => {
    const long = "This is a sentence that goes on. ".repeat(100);
    const s = speakable(long);
    expect(s.length).toBeLessThanOrEqual(600);
    expect(s.endsWith(".")).toBe(true);
    const noStops = "word ".repeat(2000);
    const c = capLength(noStops, 5000);
    expect(c.length).toBeLessThanOrEqual(SPOKEN_HARD_CAP + 1);
    expect(c.endsWith("…")).toBe(true);
  });

  it("returns empty for non-strings and emoji-only text", () => {
    expect(speakable(undefined as unknown as string)).toBe("");
    expect(speakable("🎉🎉")).toBe("");
  });
});
