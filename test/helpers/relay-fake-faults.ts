import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type RouteHandler, sendHtml, sendJson } from "./relay-fake-server.js";

/**
 * Faults for FakeRelay.override: what the relay, its proxy or the network do when things go wrong
 * (contract §2.3, §8.1 items 5–7, §9 "security tests").
 */

/** A JSON error the way the relay sends it: `{"error": …, "ok": false}`, optional extra headers. */
export function jsonError(status: number, error: string, headers: Record<string, string> = {}): RouteHandler {
  return (_req, res) => {
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    sendJson(res, status, { ok: false, error });
  };
}

/** The page Railway's edge answers while the app restarts. */
export const PROXY_502 =
  "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>Application failed to respond</h1><p>This error appears when the application is unreachable.</p></body></html>\n";

export function htmlPage(status: number, html: string = PROXY_502): RouteHandler {
  return (_req, res) => sendHtml(res, status, html);
}

/** A plain-text or odd body with a status (e.g. a 200 that is not JSON). */
export function rawBody(status: number, body: string, contentType = "text/plain"): RouteHandler {
  return (_req, res) => {
    res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
    res.end(body);
  };
}

/** The connection is destroyed before any answer: ECONNRESET / "other side closed". */
export function resetSocket(): RouteHandler {
  return (req) => {
    req.socket.resetAndDestroy?.() ?? req.socket.destroy();
  };
}

/** Headers and part of a JSON body, then the connection drops (Content-Length promises more). */
export function truncatedBody(status = 200): RouteHandler {
  return (req, res) => {
    const full = '{"call_sid":"CA00000000000000000000000000000000","message":"hello","ok":true}\n';
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(full) });
    res.write(full.slice(0, 20));
    setTimeout(() => req.socket.destroy(), 20);
  };
}

/** A complete HTTP response whose JSON is cut short (the framing is fine, the text is not JSON). */
export function cutJson(status = 200): RouteHandler {
  return rawBody(status, '{"ok":true,"call_sid":"CA', "application/json");
}

/** Accepts the request and never answers (until the fake closes). */
export function neverAnswer(): RouteHandler {
  return () => {};
}

/** Sends the status line and headers, then stalls the body forever. */
export function headersThenStall(status = 200): RouteHandler {
  return (_req, res) => {
    res.writeHead(status, { "content-type": "application/json", "content-length": "100" });
    res.flushHeaders();
    res.write("{");
  };
}

/** Answers after `ms` with a JSON value. */
export function delayedJson(ms: number, status: number, value: unknown): RouteHandler {
  return (_req, res) => {
    const t = setTimeout(() => sendJson(res, status, value), ms);
    res.on("close", () => clearTimeout(t));
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
