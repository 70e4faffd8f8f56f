/**
 * A real OpenAI-compatible model server on 127.0.0.1 that can hang: while `hanging`, a request to
 * `/chat/completions` gets no response headers at all (the socket stays open); after `recover()`,
 * new requests are answered at once with "MODEL: <last user message>" (held ones stay hung), as an
 * SSE stream when the request asks for one (as the bridge does), else as one JSON body.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface HungModel {
  url: string;
  /** Base URL for `OPENAI_BASE_URL`. */
  baseUrl: string;
  hanging: boolean;
  /** Requests received while hanging, still held open. */
  readonly held: number;
  /** Held requests the client gave up on (its socket closed). */
  readonly abandoned: number;
  /** Requests answered. */
  readonly answered: number;
  recover(): void;
  stop(): Promise<void>;
}

export async function startHungModel(): Promise<HungModel> {
  const held = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  let abandoned = 0;
  let answered = 0;
  const state = { hanging: true };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (state.hanging) {
        held.add(res);
        res.once("close", () => {
          if (held.delete(res)) abandoned++;
        });
        return;
      }
      let last = "";
      let stream = false;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          messages?: { role: string; content: string }[];
          stream?: boolean;
        };
        last = [...(body.messages ?? [])].reverse().find((m) => m.role === "user")?.content ?? "";
        stream = body.stream === true;
      } catch {}
      answered++;
      if (stream) {
        const data = (delta: Record<string, string>) =>
          `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
        res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
        res.write(data({ role: "assistant" }));
        res.write(data({ content: "MODEL: " }));
        res.end(`${data({ content: last })}data: [DONE]\n\n`);
        return;
      }
      const text = JSON.stringify({
        choices: [
          { index: 0, message: { role: "assistant", content: `MODEL: ${last}` }, finish_reason: "stop" },
        ],
      });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    get hanging() {
      return state.hanging;
    },
    set hanging(v: boolean) {
      state.hanging = v;
    },
    get held() {
      return held.size;
    },
    get abandoned() {
      return abandoned;
    },
    get answered() {
      return answered;
    },
    recover() {
      state.hanging = false;
    },
    async stop() {
      held.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
