/**
 * An OpenAI-compatible chat server on loopback that answers every `/chat/completions` request with
 * the reply the test set last: streamed (as the bridge asks) with an optional `reasoning_content`
 * field first, or as one JSON document whose content is a list of parts.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ScriptedReply {
  text: string;
  /** Sent as `delta.reasoning_content` chunks before the text (reasoning models do). */
  reasoningField?: string;
  /** The reply as content parts (`[{type: "thinking", …}, {type: "text", …}]`), not streamed. */
  parts?: unknown[];
}

export interface ScriptedModel {
  /** Base URL for `OPENAI_BASE_URL`. */
  baseUrl: string;
  reply: ScriptedReply;
  /** Answer every request with this HTTP error status instead (a broken server), until unset. */
  failWith: number | undefined;
  requests: number;
  close(): Promise<void>;
}

const chunk = (delta: Record<string, unknown>) =>
  `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [{ index: 0, delta }] })}\n\n`;

export async function startScriptedModel(): Promise<ScriptedModel> {
  const m: ScriptedModel = {
    baseUrl: "",
    reply: { text: "" },
    failWith: undefined,
    requests: 0,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      m.requests++;
      const r = m.reply;
      if (m.failWith) {
        res.writeHead(m.failWith, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "upstream is down" } }));
        return;
      }
      if (r.parts) {
        const body = JSON.stringify({
          object: "chat.completion",
          choices: [{ index: 0, message: { role: "assistant", content: r.parts }, finish_reason: "stop" }],
        });
        res.writeHead(200, { "content-type": "application/json" }).end(body);
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(chunk({ role: "assistant" }));
      if (r.reasoningField) res.write(chunk({ reasoning_content: r.reasoningField }));
      // In two pieces, as servers stream: the bridge joins them before shaping.
      const half = Math.floor(r.text.length / 2);
      for (const piece of [r.text.slice(0, half), r.text.slice(half)])
        if (piece) res.write(chunk({ content: piece }));
      res.end("data: [DONE]\n\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  m.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  m.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return m;
}
