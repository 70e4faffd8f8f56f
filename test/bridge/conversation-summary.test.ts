/**
 * Long calls keep their early turns as a short digest instead of cutting them (issue 15, item 4):
 * `openai` mode sends it as a system note before the recent turns.
 */
import { describe, expect, it } from "vitest";
import { Conversations } from "../../src/bridge/conversations.js";
import { createModelBackend } from "../../src/bridge/model/index.js";
import { loadConfig } from "../../src/config/index.js";
import { silentLogger } from "../../src/log.js";
import { chats, closeFakeGatewaysAfterEach, fakeGateway } from "../helpers/fake-gateway.js";

closeFakeGatewaysAfterEach();

describe("a long call's early turns", () => {
  it("become one digest in the first place; the recent turns stay whole; the size stays bounded", () => {
    const c = new Conversations(() => 0, { maxTurns: 6 });
    const { conv } = c.touch("CAlong", "caller");
    for (let i = 1; i <= 40; i++) {
      c.add(conv, "user", `question number ${i} about the garden shed`);
      c.add(conv, "assistant", `answer number ${i}`);
    }
    expect(conv.turns).toHaveLength(6);
    const [digest, ...recent] = conv.turns;
    expect(digest?.summary).toBe(true);
    expect(digest?.content).toMatch(/^Earlier in this call \(oldest first\): /);
    // The turns just before the recent ones are in the digest; the oldest have given way.
    expect(digest?.content).toContain(
      "You: answer number 37 / Caller: question number 38 about the garden shed",
    );
    expect(digest?.content).not.toContain("question number 1 ");
    expect(digest!.content.length).toBeLessThanOrEqual(700);
    expect(recent.map((t) => t.content)).toEqual([
      "answer number 38",
      "question number 39 about the garden shed",
      "answer number 39",
      "question number 40 about the garden shed",
      "answer number 40",
    ]);
    expect(recent.some((t) => t.summary)).toBe(false);
    expect(conv.lastAnswer).toBe("answer number 40");
  });

  it("a short call has no digest", () => {
    const c = new Conversations(() => 0);
    const { conv } = c.touch("CAshort", "caller");
    c.add(conv, "user", "hello");
    c.add(conv, "assistant", "hi");
    expect(conv.turns).toEqual([
      { role: "user", content: "hello" },
      { role: "assistant", content: "hi" },
    ]);
  });

  it("clips a long early turn", () => {
    const c = new Conversations(() => 0, { maxTurns: 2 });
    const { conv } = c.touch("CAclip", "caller");
    c.add(conv, "user", "x".repeat(500));
    c.add(conv, "assistant", "ok");
    c.add(conv, "user", "next");
    expect(conv.turns[0]?.content).toBe(
      `Earlier in this call (oldest first): Caller: ${"x".repeat(99)}… / You: ok`,
    );
  });

  it("openai mode sends the digest as a system note before the recent turns", async () => {
    const gw = await fakeGateway();
    const config = loadConfig({
      dotenv: false,
      env: { CLAWCALL_PHONE_MODEL_MODE: "openai", OPENAI_BASE_URL: `${gw.url}/v1`, OPENAI_API_KEY: "k" },
    });
    const model = createModelBackend(config, { logger: silentLogger(), runner: async () => ({}) as never });
    const c = new Conversations(() => 0, { maxTurns: 3 });
    const { conv } = c.touch("CAoa", "caller");
    for (const t of ["one", "two", "three", "four"]) c.add(conv, "user", t);
    await model.complete({
      callSid: "CAoa",
      purpose: "caller",
      system: "phone",
      utterance: "five",
      history: conv.turns.slice(),
      signal: AbortSignal.timeout(5_000),
    });
    expect(chats(gw.seen)[0]?.messages?.map((m) => m.role)).toEqual([
      "system",
      "system",
      "user",
      "user",
      "user",
    ]);
    expect(chats(gw.seen)[0]?.messages?.[1]?.content).toBe(
      "Earlier in this call (oldest first): Caller: one / Caller: two",
    );
    await model.close();
  });
});
