// @ts-check
/**
 * 7. Speech shaper: time per answer over the speech corpus (test/fixtures/speech/model-outputs.jsonl,
 * awkward model outputs), shaping each to the default word budget with dist/speech. Baseline in the
 * same run: a plain trim of the same texts (what the cost of doing nothing looks like on this machine).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isSpeakable, shapeSpeech } from "../../dist/speech/index.js";
import { DEFAULT_SPEECH_WORDS } from "../../dist/speech/words.js";
import { ROOT } from "../lib/procs.js";
import { latency, verdict } from "../lib/stats.js";

/** @param {{ quick: boolean, runs?: number, log: (s: string) => void }} ctx */
export async function benchSpeech(ctx) {
  /** @type {string[]} */
  const texts = readFileSync(join(ROOT, "test/fixtures/speech/model-outputs.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l).text);
  const words = DEFAULT_SPEECH_WORDS;
  const rounds = ctx.runs ?? (ctx.quick ? 5 : 40);
  /** @param {(t: string) => unknown} f */
  const timeEach = (f) => {
    /** @type {number[]} */
    const us = [];
    for (let r = 0; r < rounds; r++) {
      for (const t of texts) {
        const t0 = performance.now();
        f(t);
        us.push((performance.now() - t0) * 1000);
      }
    }
    return us;
  };
  const shape = (/** @type {string} */ t) => shapeSpeech(t, { words });
  const trim = (/** @type {string} */ t) => t.trim();
  // Warm both (JIT), then interleave so machine noise falls on both.
  for (let i = 0; i < 3; i++) {
    for (const t of texts) {
      shape(t);
      trim(t);
    }
  }
  const shaped = [];
  const trimmed = [];
  for (let i = 0; i < 2; i++) {
    shaped.push(...timeEach(shape));
    trimmed.push(...timeEach(trim));
  }
  const s = latency(shaped);
  const b = latency(trimmed);
  const speakable = texts.filter((t) => {
    const out = shape(t).spoken;
    return out === "" || isSpeakable(out, { maxWords: words });
  }).length;
  ctx.log(
    `  ${texts.length} answers × ${2 * rounds}: shaper p50 ${s.p50.toFixed(1)} µs, p99 ${s.p99.toFixed(1)} µs`,
  );
  return {
    title: "Speech shaper",
    settings: {
      corpus: "test/fixtures/speech/model-outputs.jsonl",
      answers: texts.length,
      words,
      rounds: 2 * rounds,
    },
    targets: [
      {
        what: "shaper time per answer, p99",
        target: "well under 1 ms",
        measured: `${s.p99.toFixed(1)} µs (p50 ${s.p50.toFixed(1)} µs)`,
        baseline: `plain trim p50 ${b.p50.toFixed(2)} µs, p99 ${b.p99.toFixed(2)} µs`,
        verdict: verdict(s.p99, "<=", 500),
      },
      {
        what: "answers that pass isSpeakable within the budget",
        target: "all",
        measured: `${speakable} of ${texts.length}`,
        verdict: speakable === texts.length ? "pass" : "miss",
      },
    ],
    tables: [
      {
        title: "Time per answer (µs)",
        columns: ["", "p50", "p90", "p99", "max"],
        rows: [
          ["shapeSpeech (50 words)", s.p50.toFixed(1), s.p90.toFixed(1), s.p99.toFixed(1), s.max.toFixed(1)],
          ["baseline: trim", b.p50.toFixed(2), b.p90.toFixed(2), b.p99.toFixed(2), b.max.toFixed(2)],
        ],
      },
    ],
    notes: [
      "Every answer of the corpus is shaped in process (no HTTP). The bridge shapes a model reply twice (once to see whether anything speakable is left, once with the budget), a fast answer once.",
      "The p99 is set by the longest inputs (a 300-word answer, 20-row tables).",
    ],
    raw: { shaper: s, baseline: b },
  };
}
