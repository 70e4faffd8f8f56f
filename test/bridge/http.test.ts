/**
 * The bridge's HTTP layer on a loopback server in this process: the route table (404, token, 405,
 * content type, `:param`), the guards and the JSON body reader.
 */
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  allowedLine,
  Guards,
  matchRoute,
  type Route,
  readJsonBody,
  requestHandler,
  sendJson,
} from "../../src/bridge/http.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

const ROUTES: Route[] = [
  {
    path: "/echo",
    token: true,
    methods: {
      POST: { json: true, handle: async ({ req, res }) => sendJson(res, 200, await readJsonBody(req)) },
      GET: { handle: ({ res }) => sendJson(res, 200, { ok: true }) },
    },
  },
  {
    path: "/open",
    alias: "/open2",
    methods: { GET: { handle: ({ res }) => sendJson(res, 200, { open: 1 }) } },
  },
  {
    path: "/items/:id",
    methods: { GET: { handle: ({ res, param }) => sendJson(res, 200, { id: param }) } },
  },
  {
    path: "/boom",
    methods: {
      GET: {
        handle: () => {
          throw new Error("a bug");
        },
      },
    },
  },
];

async function serve(opts: { token?: string; host?: string; closing?: boolean } = {}) {
  const guards = new Guards({ host: opts.host ?? "127.0.0.1", token: opts.token });
  const internal: unknown[] = [];
  const server = createServer(
    requestHandler({
      routes: ROUTES,
      guards,
      closing: () => opts.closing === true,
      onInternalError: (err) => internal.push(err),
    }),
  );
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  guards.setPort(port);
  return { port, internal };
}

/** A raw request (any Host, any body, chunked when asked). */
function send(
  port: number,
  o: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<{ status: number; json: { code?: string; error?: string } & Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port, method: o.method ?? "GET", path: o.path, headers: o.headers },
      (res) => {
        let text = "";
        res.on("data", (c) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} }));
      },
    );
    req.on("error", reject);
    req.end(o.body);
  });
}

const JSON_CT = { "content-type": "application/json" };

describe("route table", () => {
  it("matches exact paths, aliases and one `:param` segment (decoded)", () => {
    expect(matchRoute(ROUTES, "/open")?.route.path).toBe("/open");
    expect(matchRoute(ROUTES, "/open2")?.route.path).toBe("/open");
    expect(matchRoute(ROUTES, "/items/a%20b")).toMatchObject({ route: { path: "/items/:id" }, param: "a b" });
    expect(matchRoute(ROUTES, "/nope")).toBeUndefined();
    expect(() => matchRoute(ROUTES, "/items/%E0%A4%A")).toThrow(/malformed escape/);
  });

  it("names the allowed methods in a 405, HEAD implied by GET", () => {
    expect(allowedLine(ROUTES[0]!)).toBe("use POST or GET");
    expect(
      allowedLine({ path: "/h", methods: { GET: { handle: () => {} }, HEAD: { handle: () => {} } } }),
    ).toBe("use GET");
  });

  it("answers 404, 405, 415 and the handler's reply in that order; query strings are ignored", async () => {
    const { port } = await serve();
    expect((await send(port, { path: "/nope" })).json).toMatchObject({ code: "E_BRIDGE_NOT_FOUND" });
    const wrong = await send(port, { method: "PATCH", path: "/echo" });
    expect(wrong.status).toBe(405);
    expect(wrong.json).toMatchObject({ code: "E_BRIDGE_METHOD", error: "use POST or GET" });
    const plain = await send(port, {
      method: "POST",
      path: "/echo",
      headers: { "content-type": "text/plain" },
      body: "{}",
    });
    expect(plain.status).toBe(415);
    const ok = await send(port, { method: "POST", path: "/echo?x=1", headers: JSON_CT, body: '{"a":1}' });
    expect(ok).toEqual({ status: 200, json: { a: 1 } });
    expect((await send(port, { path: "/items/42" })).json).toEqual({ id: "42" });
    expect((await send(port, { path: "/items/%E0%A4%A" })).status).toBe(400);
  });

  it("a handler's bug is a JSON 500, reported once", async () => {
    const { port, internal } = await serve();
    const r = await send(port, { path: "/boom" });
    expect(r).toMatchObject({ status: 500, json: { code: "E_BRIDGE_INTERNAL" } });
    expect(internal).toHaveLength(1);
  });
});

describe("guards", () => {
  it("with a token: 401 before anything else on a token route; open routes stay open", async () => {
    const { port } = await serve({ token: "tok-123456" });
    expect((await send(port, { method: "PATCH", path: "/echo" })).status).toBe(401);
    expect((await send(port, { path: "/echo", headers: { authorization: "Bearer nope" } })).status).toBe(401);
    expect(
      (await send(port, { path: "/echo", headers: { authorization: "Bearer tok-123456" } })).status,
    ).toBe(200);
    expect((await send(port, { path: "/open" })).status).toBe(200);
  });

  it("refuses a foreign Host (403) and accepts loopback names with and without the port", async () => {
    const { port } = await serve();
    for (const host of ["evil.example", `evil.example:${port}`, "127.0.0.1:1", `0.0.0.0:${port}`]) {
      const r = await send(port, { path: "/open", headers: { host } });
      expect(r, host).toMatchObject({ status: 403, json: { code: "E_BRIDGE_HOST" } });
    }
    for (const host of ["localhost", `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      expect((await send(port, { path: "/open", headers: { host } })).status, host).toBe(200);
    }
  });

  it("a non-loopback bind with a token trusts the token, not the Host header", async () => {
    const { port } = await serve({ host: "0.0.0.0", token: "tok-123456" });
    const r = await send(port, { path: "/open", headers: { host: "bridge.lan:4747" } });
    expect(r.status).toBe(200);
  });

  it("answers 503 while closing", async () => {
    const { port } = await serve({ closing: true });
    expect((await send(port, { path: "/open" })).json).toMatchObject({ code: "E_BRIDGE_CLOSING" });
  });
});

describe("readJsonBody", () => {
  const post = async (body: string | Buffer, headers: Record<string, string> = {}) => {
    const { port } = await serve();
    return send(port, { method: "POST", path: "/echo", headers: { ...JSON_CT, ...headers }, body });
  };

  it("refuses what is not one JSON object with stable codes", async () => {
    expect((await post("")).json).toMatchObject({
      code: "E_BRIDGE_BAD_JSON",
      error: "request body is empty",
    });
    expect((await post("{nope")).json).toMatchObject({ code: "E_BRIDGE_BAD_JSON" });
    expect((await post(Buffer.from([0x7b, 0xff, 0x7d]))).json).toMatchObject({
      error: "request body is not UTF-8",
    });
    expect((await post("[1,2]")).json).toMatchObject({ code: "E_BRIDGE_BAD_REQUEST" });
    expect((await post("null")).json).toMatchObject({ code: "E_BRIDGE_BAD_REQUEST" });
  });

  it("413 past 64 KiB, declared or streamed", async () => {
    const big = `{"a":"${"x".repeat(70 * 1024)}"}`;
    expect((await post(big)).json).toMatchObject({ code: "E_BRIDGE_TOO_LARGE" });
    const { port } = await serve();
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: "127.0.0.1",
          port,
          method: "POST",
          path: "/echo",
          headers: { ...JSON_CT, "transfer-encoding": "chunked" },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      for (let i = 0; i < 10; i++) req.write("x".repeat(8 * 1024));
      req.end();
    });
    expect(chunked).toBe(413);
  });
});
