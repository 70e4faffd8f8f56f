/**
 * A stand-in for the OpenClaw gateway's HTTP API (no real gateway in tests): /health, /v1/models, and
 * streamed chat completions that answer "OK" to a keep-alive and a fixed sentence to anything else.
 * Records each request's path, `user`, session and agent headers and last message.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";

export interface SeenRequest {
  path: string;
  user?: string;
  sessionKey?: string;
  agentId?: string;
  text?: string;
  messages?: { role: string; content: string }[];
}

const servers: Server[] = [];

/** Registers the after-each close in the calling test file. */
export function closeFakeGatewaysAfterEach(): void {
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });
}

export async function fakeGateway(): Promise<{ url: string; seen: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      if (req.url !== "/v1/chat/completions") {
        seen.push({ path: req.url ?? "" });
        res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true,"data":[]}');
        return;
      }
      const doc = JSON.parse(body) as { user?: string; messages: { role: string; content: string }[] };
      const text = doc.messages.at(-1)?.content ?? "";
      const header = (n: string) => (typeof req.headers[n] === "string" ? req.headers[n] : undefined);
      seen.push({
        path: req.url,
        user: doc.user,
        sessionKey: header("x-openclaw-session-key"),
        agentId: header("x-openclaw-agent-id"),
        text,
        messages: doc.messages,
      });
      const reply = text === "keep-alive" ? "OK" : `You said ${text.length} characters.`;
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: reply } }] })}\n\n`);
      res.end("data: [DONE]\n\n");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** The chat requests among them. */
export const chats = (seen: SeenRequest[]) => seen.filter((s) => s.path === "/v1/chat/completions");
