/**
 * The bridge's HTTP layer: JSON replies and errors, the guards (Host, token, Content-Type), the JSON
 * body reader and a route table. What each route does lives with its part (turns, tasks API).
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { type BridgeRefusal, ERRORS } from "../errors.js";
import { BodyTooLargeError, readBody } from "../util/http-body.js";
import {
  answerAndDestroy,
  type ConnectionLimits,
  DEFAULT_CONNECTION_LIMITS,
  guardConnections,
} from "./connection-guard.js";

/** Requests bodies over this are refused with 413. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** The bridge's refusal of a request: its status comes from the error registry. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: BridgeRefusal;
  constructor(code: BridgeRefusal, message?: string) {
    super(message ?? ERRORS[code].message);
    this.status = ERRORS[code].http;
    this.code = code;
  }
}

const JSON_HEADERS = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
};

/** Writes a JSON body (stringified once, with an exact content-length). */
export function sendJson(res: ServerResponse, status: number, body: unknown, close = false): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    ...JSON_HEADERS,
    "content-length": Buffer.byteLength(text),
  };
  if (close) headers.connection = "close";
  res.writeHead(status, headers);
  res.end(text);
}

/** `{ok:false, code, error}`: a stable code and a human line, the relay's own error shape plus a code. */
export function sendError(res: ServerResponse, err: HttpError, close = false): void {
  sendJson(res, err.status, { ok: false, code: err.code, error: err.message }, close);
}

/** True for `application/json` with optional parameters (`; charset=utf-8`). */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const semi = header.indexOf(";");
  const type = (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase();
  return type === "application/json";
}

/** 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(?:\.\d{1,3}){3}$/.test(h) || h === "::ffff:127.0.0.1";
}

const DECODER = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads a JSON object body: 413 past the limit (declared or streamed), 400 for bad UTF-8, bad JSON
 * or anything but an object. Never throws anything but HttpError.
 */
export async function readJsonBody(
  req: IncomingMessage,
  limit = BODY_LIMIT_BYTES,
): Promise<Record<string, unknown>> {
  let body: Awaited<ReturnType<typeof readBody>>;
  try {
    body = await readBody(req, limit);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new HttpError("E_BRIDGE_TOO_LARGE", err.message);
    throw new HttpError("E_BRIDGE_BAD_JSON", "request body could not be read");
  }
  if (!body.complete) throw new HttpError("E_BRIDGE_BAD_JSON", "request was aborted");
  let text: string;
  try {
    text = DECODER.decode(body.bytes);
  } catch {
    throw new HttpError("E_BRIDGE_BAD_JSON", "request body is not UTF-8");
  }
  if (text.trim() === "") throw new HttpError("E_BRIDGE_BAD_JSON", "request body is empty");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new HttpError("E_BRIDGE_BAD_JSON");
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new HttpError("E_BRIDGE_BAD_REQUEST", "request body must be a JSON object");
  }
  return doc as Record<string, unknown>;
}

// --- guards ----------------------------------------------------------------------------------------

export interface GuardOptions {
  /** The configured bind host. */
  host: string;
  token: string | undefined;
}

/** The checks in front of the routes: Host (DNS rebinding), bearer token, JSON content type. */
export class Guards {
  readonly #bindHost: string;
  readonly #token: Buffer | undefined;
  /** A non-loopback bind needs a token, and then the token is the guard, not the Host header. */
  readonly #anyHost: boolean;
  #allowedHosts = new Set<string>();

  constructor(o: GuardOptions) {
    this.#bindHost = o.host;
    this.#token = o.token ? Buffer.from(`Bearer ${o.token}`) : undefined;
    this.#anyHost = Boolean(o.token) && !isLoopbackHost(o.host);
  }

  /** The loopback names (and a non-loopback bind host), bare and with the bound port. */
  setPort(port: number): void {
    const names = ["127.0.0.1", "localhost", "[::1]"];
    if (!isLoopbackHost(this.#bindHost)) names.push(this.#bindHost.toLowerCase());
    this.#allowedHosts = new Set(names.flatMap((n) => [n, `${n}:${port}`]));
  }

  /** A browser page on evil.example resolving to 127.0.0.1 sends its own Host. */
  checkHost(req: IncomingMessage): void {
    const host = req.headers.host?.toLowerCase();
    if (host !== undefined && !this.#allowedHosts.has(host) && !this.#anyHost) {
      throw new HttpError("E_BRIDGE_HOST", "Host header is not a loopback name");
    }
  }

  checkToken(req: IncomingMessage): void {
    if (!this.#token) return;
    const got = Buffer.from(req.headers.authorization ?? "");
    if (got.length !== this.#token.length || !timingSafeEqual(got, this.#token)) {
      throw new HttpError("E_BRIDGE_AUTH", "missing or wrong bridge token (Authorization: Bearer …)");
    }
  }

  /** A browser cannot send application/json cross-site without a preflight, which is never granted. */
  requireJson(req: IncomingMessage): void {
    if (!isJsonContentType(req.headers["content-type"])) {
      throw new HttpError("E_BRIDGE_CONTENT_TYPE", "Content-Type must be application/json");
    }
  }
}

// --- route table -----------------------------------------------------------------------------------

export interface RouteCall {
  req: IncomingMessage;
  res: ServerResponse;
  /** The decoded last segment of a `/prefix/:param` route. */
  param: string;
}

export interface MethodHandler {
  /** Requires `Content-Type: application/json` before the handler runs. */
  json?: boolean;
  handle(call: RouteCall): Promise<void> | void;
}

export interface Route {
  /** An exact path, or `/prefix/:param` for one more segment. */
  path: string;
  /** Another exact path for the same route (`/healthz`). */
  alias?: string;
  /** Requires the bearer token (when one is configured), before anything else is said. */
  token?: boolean;
  methods: Partial<Record<"GET" | "HEAD" | "POST" | "PATCH", MethodHandler>>;
}

interface Matched {
  route: Route;
  param: string;
}

/** Finds the route for a path: exact paths first, then `/prefix/:param` routes. */
export function matchRoute(routes: readonly Route[], path: string): Matched | undefined {
  for (const route of routes) {
    if (route.path === path || route.alias === path) return { route, param: "" };
  }
  for (const route of routes) {
    const i = route.path.indexOf("/:");
    if (i === -1) continue;
    const prefix = route.path.slice(0, i + 1);
    if (!path.startsWith(prefix)) continue;
    let param: string;
    try {
      param = decodeURIComponent(path.slice(prefix.length));
    } catch {
      throw new HttpError("E_BRIDGE_BAD_REQUEST", "malformed escape in the path");
    }
    return { route, param };
  }
  return undefined;
}

/** "use GET", "use GET or POST": the methods a route takes, HEAD implied by GET. */
export function allowedLine(route: Route): string {
  return `use ${Object.keys(route.methods)
    .filter((m) => m !== "HEAD")
    .join(" or ")}`;
}

/** Runs one request through the table: 404, token, 405, content type, then the handler. */
export async function dispatch(
  routes: readonly Route[],
  guards: Guards,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  const found = matchRoute(routes, path);
  if (!found) throw new HttpError("E_BRIDGE_NOT_FOUND", "no such route");
  const { route, param } = found;
  if (route.token) guards.checkToken(req);
  const method = (req.method ?? "GET") as keyof Route["methods"];
  const handler = route.methods[method];
  if (!handler) throw new HttpError("E_BRIDGE_METHOD", allowedLine(route));
  if (handler.json) guards.requireJson(req);
  await handler.handle({ req, res, param });
}

export interface ServeOptions {
  routes: readonly Route[];
  guards: Guards;
  closing(): boolean;
  /** An error that is not an HttpError: a bug; counted, logged, answered 500. */
  onInternalError(err: unknown): void;
}

/** The Node request handler: 503 while closing, 403 for a foreign Host, the table, JSON errors. */
export function requestHandler(o: ServeOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const refuse = (err: HttpError) => {
      sendError(res, err, true);
      req.resume();
    };
    if (o.closing()) return refuse(new HttpError("E_BRIDGE_CLOSING"));
    try {
      o.guards.checkHost(req);
    } catch (err) {
      return refuse(err as HttpError);
    }
    dispatch(o.routes, o.guards, req, res).catch((err: unknown) => {
      if (err instanceof HttpError) {
        // Do not keep reading an oversize body: answer and close the connection.
        const close = err.status === 413;
        sendError(res, err, close);
        if (!close && !req.complete) req.resume();
        return;
      }
      o.onInternalError(err);
      sendError(res, new HttpError("E_BRIDGE_INTERNAL"), true);
    });
  };
}

const MALFORMED = JSON.stringify({
  ok: false,
  code: "E_BRIDGE_BAD_REQUEST",
  error: "malformed HTTP request",
});

/** A `node:http` server with tight limits; malformed HTTP gets a JSON 400, then the socket is closed. */
export function createBridgeServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS,
): Server {
  const server = createServer(
    {
      headersTimeout: 5_000,
      requestTimeout: 15_000,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: 1_000,
      maxHeaderSize: 16 * 1024,
    },
    handler,
  );
  guardConnections(server, limits);
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    // A stalled or vanished client gets no answer: nobody is reading it.
    const quiet = err.code === "ERR_HTTP_REQUEST_TIMEOUT" || err.code === "ECONNRESET";
    const answer = `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(MALFORMED)}\r\nConnection: close\r\n\r\n${MALFORMED}`;
    answerAndDestroy(socket as Socket, quiet ? undefined : answer);
  });
  return server;
}
