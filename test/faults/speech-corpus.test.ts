/**
 * What the caller hears when the model writes for a screen. Every awkward output in
 * test/fixtures/speech/model-outputs.jsonl (built by make-corpus.mjs from real OpenClaw outputs and
 * generated cases) goes through the real bridge, from a scripted OpenAI-compatible server to the
 * reply: each spoken string passes `isSpeakable` within the word budget, the answer's content
 * words are heard (saying "go on" while the bridge offers more), and reasoning, code, link paths
 * and markup are never heard.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Bridge } from "../../src/bridge/server.js";
import { GO_ON_OFFER, speechProblems } from "../../src/speech/index.js";
import { closeBridgesAfterEach, testBridge } from "../bridge/in-process.js";
import { type ScriptedModel, startScriptedModel } from "../helpers/scripted-model.js";

interface Case {
  id: string;
  kind: string;
  text: string;
  keep: string[];
  drop: string[];
  reasoningField?: string;
  parts?: unknown[];
}

const CORPUS: Case[] = readFileSync(join(__dirname, "../fixtures/speech/model-outputs.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l));
const WORDS = 50;
// A question no fast-path intent takes, so the model answers it.
const QUESTION = "tell me how the project is going";

closeBridgesAfterEach();

describe("the speech corpus through the bridge", () => {
  let model: ScriptedModel;
  beforeAll(async () => {
    model = await startScriptedModel();
  });
  afterAll(async () => {
    await model.close();
  });

  it("has at least 200 cases of every awkward kind", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(200);
    const kinds = new Set(CORPUS.map((c) => c.kind));
    for (const k of [
      "reasoning",
      "tables",
      "code",
      "links",
      "paths",
      "emoji",
      "characters",
      "lists",
      "long",
      "empty",
    ]) {
      expect(kinds.has(k), k).toBe(true);
    }
  });

  /** Asks the question, then says "go on" while the bridge offers more; returns every reply. */
  async function converse(b: Bridge, sid: string): Promise<{ source: string; response: string }[]> {
    const replies = [await b.handleMessage({ call_sid: sid, message: QUESTION })];
    for (let i = 0; i < 20 && replies.at(-1)?.response.endsWith(GO_ON_OFFER); i++) {
      replies.push(await b.handleMessage({ call_sid: sid, message: "go on" }));
    }
    return replies;
  }

  let n = 0;
  for (const c of CORPUS) {
    it(`${c.id}: ${JSON.stringify(c.text.slice(0, 50))}`, async () => {
      model.reply = {
        text: c.text,
        ...(c.reasoningField ? { reasoningField: c.reasoningField } : {}),
        ...(c.parts ? { parts: c.parts } : {}),
      };
      const b = testBridge({
        CLAWCALL_PHONE_MODEL_MODE: "openai",
        OPENAI_BASE_URL: model.baseUrl,
        CLAWCALL_AGENT_NAME: "Pinchy",
        CLAWCALL_SPEECH_WORDS: String(WORDS),
      });
      const sid = `CA${(++n).toString(16).padStart(32, "0")}`;
      const replies = await converse(b, sid);
      for (const r of replies)
        expect(speechProblems(r.response, { maxWords: WORDS }), r.response).toEqual([]);
      const heard = replies.map((r) => r.response.replace(GO_ON_OFFER, "")).join(" ");
      if (c.kind === "empty") {
        // Nothing speakable: a fallback line, never silence and never the leftovers.
        expect(replies[0]?.source).toBe("fallback");
      } else {
        expect(replies[0]?.source).toBe("model");
      }
      for (const k of c.keep) expect(heard.toLowerCase(), `keeps "${k}"`).toContain(k.toLowerCase());
      for (const d of c.drop) expect(heard, `drops "${d}"`).not.toContain(d);
    });
  }
});
