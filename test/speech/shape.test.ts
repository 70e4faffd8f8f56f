import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isSpeakable } from "../../src/speech/check.js";
import { shapeSpeech, speakableText, speechFloor } from "../../src/speech/shape.js";

const corpus: { text: string }[] = readFileSync(
  join(__dirname, "../fixtures/speech/model-outputs.jsonl"),
  "utf8",
)
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l));

describe("shapeSpeech", () => {
  it("runs every rule in order on one messy answer", () => {
    const messy =
      "<think>plan</think>## Status 🚀\n\n| Job | State |\n|---|---|\n| Backup | **done** |\n\nDetails at https://ci.example.com/run/42 [1], logs in `/var/log/ci.log` since 2026-12-02T14:00:00Z.";
    expect(speakableText(messy)).toBe(
      "Status. Here's a table of job and state. Backup: done. Details at ci.example.com, logs in ci.log since December 2, 2026 at 2 PM UTC.",
    );
  });
  it("is idempotent: shaping shaped text changes nothing (the listener shapes the bridge's answer again)", () => {
    for (const c of corpus) {
      const once = shapeSpeech(c.text, { words: 50 });
      expect(shapeSpeech(once.spoken, { words: 50 }).spoken, c.text).toBe(once.spoken);
      if (once.spoken) expect(isSpeakable(once.spoken, { maxWords: 50 }), once.spoken).toBe(true);
    }
  });
  it("gives nothing for nothing speakable", () => {
    for (const s of ["", "  \n", "🎉", "<think>only thoughts", "---"])
      expect(shapeSpeech(s, { words: 50 }).spoken).toBe("");
  });
});

describe("speechFloor (text the bridge shaped already)", () => {
  it("removes only what a voice cannot say and bounds the length at a sentence", () => {
    expect(speechFloor("You said: Hi\u0007 there 🎉", 300)).toBe("You said: Hi there");
    const long = "One more sentence here. ".repeat(100);
    const floored = speechFloor(long, 30);
    expect(floored.endsWith("here.")).toBe(true);
    expect(floored.split(" ").length).toBeLessThanOrEqual(30);
  });
});
