/** The plain-text shortcut gives exactly what every step gives, on every text it takes. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as lines from "../../src/bridge/lines.js";
import { isPlain } from "../../src/speech/plain.js";
import { splitSentences } from "../../src/speech/sentences.js";
import { everyStep, speakableText } from "../../src/speech/shape.js";

const jsonl = (rel: string) =>
  readFileSync(join(__dirname, rel), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { text: string });

describe("plain text", () => {
  const corpus = jsonl("../fixtures/speech/model-outputs.jsonl").map((c) => c.text);
  const utterances = [
    ...jsonl("../fixtures/utterances-dev.jsonl"),
    ...jsonl("../bridge/fixtures/utterances-bridge.jsonl"),
  ].map((c) => c.text);
  const stock = Object.values(lines).filter((v): v is string => typeof v === "string");
  const shaped = corpus.map((t) => speakableText(t));
  const sentences = shaped.flatMap((t) => splitSentences(t));
  const fast = [
    "I'm Pinchy, Sam's AI assistant.",
    "It's 7:34 AM on Thursday, December 3, 2026.",
    "You have two scheduled jobs. Stretch reminder runs every 2 hours, next in 32 minutes.",
    "You have 42 minutes left this month, out of 120.",
    "Nothing is running right now. Most recently, Nightly backup finished 3 hours ago.",
  ];
  const all = [...corpus, ...utterances, ...stock, ...shaped, ...sentences, ...fast];

  it("is taken by most fast answers and stock lines, and by none of the awkward model outputs' raw kinds", () => {
    for (const t of fast) expect(isPlain(t), t).toBe(true);
    expect(stock.filter(isPlain).length).toBeGreaterThan(stock.length / 2);
    for (const t of [
      "**bold**.",
      "at 14:30.",
      "3-5 days.",
      "see www.x.com.",
      "a\nb.",
      "x  y.",
      "e.g. this.",
    ]) {
      expect(isPlain(t), t).toBe(false);
    }
  });

  it("gives what every step gives, on every text it takes", () => {
    let taken = 0;
    for (const t of all) {
      if (!isPlain(t)) continue;
      taken++;
      expect(speakableText(t), t).toBe(everyStep(t).join(" "));
    }
    expect(taken).toBeGreaterThan(200);
  });
});
