/**
 * Answers no relay could give, for client robustness tests: a loopback HTTP server that runs one
 * scripted answer per request, whatever the path. Relay behaviour itself comes from the sandbox
 * (src/sandbox) and its faults; this only plays the broken proxy, the odd body, the cut connection.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type Answer = (req: IncomingMessage, res: ServerResponse) => void;

export interface ScriptedServer {
  url: string;
  server: Server;
  /** Requests seen, in order (method and path with query). */
  seen: string[];
  /** What every request gets from now on. */
  answer: Answer;
  close(): Promise<void>;
}

export async function startScriptedServer(answer: Answer): Promise<ScriptedServer> {
  const sockets = new Set<Socket>();
  const s: ScriptedServer = {
    url: "",
    server: createServer((req, res) => {
      s.seen.push(`${req.method} ${req.url}`);
      req.resume();
      req.on("end", () => s.answer(req, res));
    }),
    seen: [],
    answer,
    async close() {
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((r) => s.server.close(() => r()));
    },
  };
  s.server.on("connection", (sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
  });
  await new Promise<void>((r) => s.server.listen(0, "127.0.0.1", r));
  s.url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
  return s;
}

/** A complete answer: status, body and content type (plus any headers). */
export function body(
  status: number,
  text: string,
  contentType = "application/json",
  headers: Record<string, string> = {},
): Answer {
  return (_req, res) => {
    res.writeHead(status, {
      ...headers,
      "content-type": contentType,
      "content-length": Buffer.byteLength(text),
    });
    res.end(text);
  };
}

/** A relay-style JSON error `{"error": …, "ok": false}`. */
export function jsonError(status: number, error: string, headers: Record<string, string> = {}): Answer {
  return body(status, `${JSON.stringify({ error, ok: false })}\n`, "application/json", headers);
}

export function htmlPage(status: number, html: string, headers: Record<string, string> = {}): Answer {
  return body(status, html, "text/html; charset=utf-8", headers);
}

/** Headers and part of a body, then the connection drops before Content-Length is reached. */
export function truncatedBody(status = 200): Answer {
  return (req, res) => {
    const full = '{"call_sid":"CA00000000000000000000000000000000","message":"hello","ok":true}\n';
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(full) });
    res.write(full.slice(0, 20), () => req.socket.destroy());
  };
}

/** The status line and headers, then a body that never comes. */
export function headersThenStall(status = 200): Answer {
  return (_req, res) => {
    res.writeHead(status, { "content-type": "application/json", "content-length": "100" });
    res.write("{");
  };
}

/** A URL on 127.0.0.1 where nothing listens (the port was just released): connection refused. */
export async function refusedUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
