/** Reading a streamed chat completion (`stream: true` is what lets the bridge tell a hung server). */
import { describe, expect, it } from "vitest";
import { sseChatText } from "../../src/bridge/model/chat-http.js";
import { ClawcallError } from "../../src/errors.js";

const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}`;

describe("sseChatText", () => {
  it("joins the delta chunks up to [DONE], skipping comments and role-only chunks", () => {
    const body = [
      ": keep-alive",
      `data: ${JSON.stringify({ choices: [{ index: 0, delta: { role: "assistant" } }] })}`,
      chunk("It is "),
      "",
      chunk("sunny."),
      "data: [DONE]",
      chunk(" ignored"),
    ].join("\n");
    expect(sseChatText(body)).toBe("It is sunny.");
  });

  it("is undefined for a stream without text, and an error chunk is a model error", () => {
    expect(sseChatText("data: [DONE]\n")).toBeUndefined();
    expect(() => sseChatText(`data: ${JSON.stringify({ error: { message: "overloaded" } })}\n`)).toThrow(
      ClawcallError,
    );
  });
});
