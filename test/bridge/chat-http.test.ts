/** Reading a streamed chat completion (`stream: true` is what lets the bridge tell a hung server). */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sseChatText } from "../../src/bridge/model/chat-http.js";
import { ClawcallError } from "../../src/errors.js";
import { FIXTURES } from "../helpers/bridge-fakes.js";

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

  it("reads the OpenClaw gateway's own stream (captured: role chunk, text chunks, usage, [DONE])", () => {
    const raw = readFileSync(`${FIXTURES}/openclaw/http/chat-stream.txt`, "utf8");
    const body = raw.slice(raw.search(/\r?\n\r?\n/));
    expect(sseChatText(body)).toBe("STUB: stream this reply");
  });

  it("is undefined for a stream without text, and an error chunk is a model error", () => {
    expect(sseChatText("data: [DONE]\n")).toBeUndefined();
    expect(() => sseChatText(`data: ${JSON.stringify({ error: { message: "overloaded" } })}\n`)).toThrow(
      ClawcallError,
    );
  });
});
