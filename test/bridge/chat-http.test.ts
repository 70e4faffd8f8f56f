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

describe("postChat", () => {
  it("returns at [DONE] while the server keeps the connection open (as the OpenClaw gateway does)", async () => {
    const { createServer } = await import("node:http");
    const { Agent } = await import("undici");
    const { postChat } = await import("../../src/bridge/model/chat-http.js");
    const open = new Set<import("node:http").ServerResponse>();
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      // "é" split across two writes: the reader must not break a character at a chunk boundary.
      const bytes = Buffer.from(`${chunk("Café is open.")}\n\n`);
      const cut = bytes.indexOf(0xa9);
      res.write(bytes.subarray(0, cut));
      res.write(bytes.subarray(cut));
      res.write("data: [DONE]\n\n");
      open.add(res); // never ended by the server while the test runs
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as import("node:net").AddressInfo;
    const dispatcher = new Agent();
    try {
      const text = await postChat({
        dispatcher,
        url: `http://127.0.0.1:${port}/v1/chat/completions`,
        token: undefined,
        body: { model: "m", messages: [] },
        signal: AbortSignal.timeout(20_000),
        stallMs: 10_000,
      });
      expect(text).toBe("Café is open.");
    } finally {
      for (const res of open) res.destroy();
      await dispatcher.close();
      await new Promise((r) => server.close(r));
    }
  });
});
