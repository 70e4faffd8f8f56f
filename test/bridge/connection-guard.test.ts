import { createServer, type Server } from "node:http";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { answerAndDestroy, guardConnections } from "../../src/bridge/connection-guard.js";
import { eventually } from "../helpers/proc.js";

let server: Server | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

async function serve(limits: { maxConnections: number; firstRequestMs: number }): Promise<number> {
  server = createServer((_req, res) => res.end("ok"));
  guardConnections(server, limits);
  await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
  const addr = server.address();
  return typeof addr === "object" && addr ? addr.port : 0;
}

function idle(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.on("error", () => {});
    sockets.push(s);
  });
}

function connections(): Promise<number> {
  return new Promise((resolve, reject) => server?.getConnections((e, n) => (e ? reject(e) : resolve(n))));
}

describe("guardConnections", () => {
  it("drops the oldest silent connection past the cap, so a real request still gets in", async () => {
    const port = await serve({ maxConnections: 5, firstRequestMs: 60_000 });
    for (let i = 0; i < 12; i++) await idle(port);
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(await res.text()).toBe("ok");
    expect(await eventually(async () => (await connections()) <= 5)).toBe(true);
  });

  it("destroys a connection that sends no request in time, and not one that did", async () => {
    const port = await serve({ maxConnections: 50, firstRequestMs: 200 });
    const silent = await idle(port);
    const closed = new Promise((r) => silent.once("close", r));
    const res = await fetch(`http://127.0.0.1:${port}/`, { keepalive: true });
    expect(await res.text()).toBe("ok");
    await closed;
    expect(silent.destroyed).toBe(true);
  });
});

describe("answerAndDestroy", () => {
  it("writes the answer and closes a socket whose peer never reads", async () => {
    let serverSide: Socket | undefined;
    server = createServer();
    server.on("connection", (s: Socket) => {
      serverSide = s;
    });
    await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
    const addr = server.address();
    await idle(typeof addr === "object" && addr ? addr.port : 0);
    const s = await eventually(() => serverSide);
    const closed = new Promise((r) => s.once("close", r));
    answerAndDestroy(s, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    await closed;
    expect(s.destroyed).toBe(true);
  });
});
