/**
 * The sandbox's HTTP front: relay routes (with faults, the thread cap and the request log), the
 * simulation API under `/sandbox/`, and the page at `/`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { BodyTooLargeError, readBody } from "../util/http-body.js";
import { billingRoutes } from "./billing-routes.js";
import type { SandboxCore } from "./core.js";
import type { Fault } from "./faults.js";
import { fail, html404, html405, html500, html502, type Reply } from "./flask.js";
import { homeRoute } from "./home-page.js";
import { ServerCrash } from "./python.js";
import { relayRoutes } from "./relay-routes.js";
import { makeRequest, matchRoute, type Route, safeDecode } from "./router.js";
import type { Simulation } from "./sim.js";
import { handleSim } from "./sim-routes.js";
import { loggableHeaders } from "./stats.js";

const ROUTES: readonly Route<SandboxCore>[] = [...relayRoutes, ...billingRoutes];

/** The raw body as text. Past the limit: drain a declared one, drop the connection under a streamed one. */
async function readText(req: IncomingMessage, max: number): Promise<string> {
  try {
    return (await readBody(req, max)).bytes.toString("utf8");
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      if (err.declared) req.resume();
      else req.destroy();
    }
    throw err;
  }
}

function write(res: ServerResponse, r: Reply): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(r.status, {
    server: "gunicorn",
    ...r.headers,
    "content-length": String(Buffer.byteLength(r.body)),
  });
  res.end(r.body);
}

export interface HttpDeps {
  core: SandboxCore;
  sim: Simulation;
  /** Base URL once listening (for the home page). */
  baseUrl: () => string;
}

export function createSandboxServer(deps: HttpDeps): Server {
  const server = createServer(
    { keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 },
    (req, res) => {
      res.on("error", () => {});
      req.on("error", () => {});
      handle(deps, req, res).catch((err: unknown) => {
        deps.core.log.error({ err }, "sandbox request failed");
        write(res, html500());
      });
    },
  );
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });
  return server;
}

async function handle(deps: HttpDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { core } = deps;
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const method = (req.method ?? "GET").toUpperCase();
  if (url.pathname === "/sandbox" || url.pathname.startsWith("/sandbox/")) {
    let raw: string;
    try {
      raw = await readText(req, core.maxBodyBytes);
    } catch {
      write(res, {
        status: 413,
        headers: { "content-type": "application/json" },
        body: '{"ok":false,"error":"body too large"}',
      });
      return;
    }
    const r = await handleSim(deps.sim, core, method, url.pathname, url.searchParams, raw);
    write(res, {
      status: r.status,
      headers: { "content-type": "application/json" },
      body: `${JSON.stringify(r.body)}\n`,
    });
    return;
  }
  const page = homeRoute(method, url.pathname, () => ({
    apiUrl: deps.baseUrl(),
    demoKey: deps.sim.demo().api_key,
  }));
  if (page) {
    write(res, page);
    return;
  }
  await relay(deps, req, res, url, method);
}

/** Internal. One relay API request, through faults, the request log and the thread pool. */
async function relay(deps: HttpDeps, req: IncomingMessage, res: ServerResponse, url: URL, method: string) {
  const { core } = deps;
  const path = safeDecode(url.pathname);
  const match = matchRoute(ROUTES, method, path);
  const endpoint = match.kind === "none" ? "other" : match.endpoint;
  const stat = core.stats.start(endpoint, method, `${url.pathname}${url.search}`, core.now());
  if (core.logBodies) stat.headers = loggableHeaders(req.headers);
  const finish = (status: number | null) => {
    stat.status = status;
    stat.ended_t = core.now();
  };
  const fault = core.faults.take(endpoint);
  if (fault) {
    stat.fault = fault.kind;
    const handled = await applyFaultBefore(fault, res);
    if (handled !== undefined) {
      if (handled !== "hang") finish(handled);
      return;
    }
  }
  let raw: string;
  try {
    raw = await readText(req, core.maxBodyBytes);
  } catch {
    write(res, { ...html500(), status: 413 });
    finish(413);
    return;
  }
  if (core.logBodies) stat.body = raw;
  let reply: Reply;
  if (match.kind === "none") reply = html404();
  else if (match.kind === "method") reply = html405(match.allow);
  else if (match.kind === "options")
    reply = {
      status: 200,
      headers: { allow: match.allow.join(", "), "content-type": "text/html; charset=utf-8" },
      body: "",
    };
  else {
    const release = await core.threads.acquire();
    try {
      const request = makeRequest(
        {
          method,
          path,
          query: url.searchParams,
          params: match.params,
          headers: req.headers,
          rawBody: raw,
          stat,
        },
        req.headers["content-type"],
      );
      reply = await match.handler(core, request);
    } catch (err) {
      if (!(err instanceof ServerCrash)) core.log.error({ err, path }, "sandbox handler failed");
      else core.log.debug({ path, crash: err.message }, "relay would crash here (HTML 500)");
      reply = html500();
    } finally {
      release();
    }
  }
  if (fault?.kind === "reset_after") {
    // Handled (answer stored, message popped), but the reply never reaches the client.
    req.socket.destroy();
    finish(null);
    return;
  }
  const gone = req.socket.destroyed;
  write(res, reply);
  finish(reply.status);
  stat.client_gone = gone;
}

/** Internal. Returns the status written (or "hang"/null) when the fault replaces the request, undefined to go on. */
async function applyFaultBefore(
  fault: Fault,
  res: ServerResponse,
): Promise<number | null | "hang" | undefined> {
  switch (fault.kind) {
    case "latency":
      await new Promise((r) => setTimeout(r, fault.latency_ms ?? 1000));
      return undefined;
    case "html500":
      write(res, html500());
      return 500;
    case "html502":
      write(res, html502());
      return 502;
    case "status401":
      write(res, fail(401, "Invalid API key"));
      return 401;
    case "status429": {
      const r = fail(429, "Too Many Requests");
      r.headers["retry-after"] = String(fault.retry_after_s ?? 1);
      write(res, r);
      return 429;
    }
    case "reset_before":
      res.socket?.destroy();
      return null;
    case "hang":
      return "hang";
    case "reset_after":
      return undefined;
  }
}
