/** A tiny Werkzeug-like route table: path patterns, per-method handlers, 404/405 decisions. */
import type { IncomingHttpHeaders } from "node:http";
import type { Endpoint } from "./faults.js";
import type { Reply } from "./flask.js";
import { flaskJsonBody } from "./python.js";
import type { RequestRecord } from "./stats.js";

export interface RelayRequest {
  method: string;
  /** URL-decoded path, as Werkzeug matches it. */
  path: string;
  query: URLSearchParams;
  /** Captured path segments (`<call_sid>`, `<id>`). */
  params: string[];
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** Flask `get_json(silent=True) or {}`; throws ServerCrash for a truthy non-object document. */
  body(): Record<string, unknown>;
  stat: RequestRecord;
}

export type Handler<C> = (core: C, req: RelayRequest) => Reply | Promise<Reply>;

export interface Route<C> {
  re: RegExp;
  endpoint: Endpoint;
  methods: Partial<Record<string, Handler<C>>>;
}

export type Match<C> =
  | { kind: "handler"; endpoint: Endpoint; handler: Handler<C>; params: string[] }
  | { kind: "options"; endpoint: Endpoint; allow: string[] }
  | { kind: "method"; endpoint: Endpoint; allow: string[] }
  | { kind: "none" };

/** Werkzeug lists HEAD with GET and OPTIONS with everything. */
function allowed(methods: string[]): string[] {
  const s = new Set(methods);
  if (s.has("GET")) s.add("HEAD");
  s.add("OPTIONS");
  return [...s].sort();
}

export function matchRoute<C>(routes: readonly Route<C>[], method: string, path: string): Match<C> {
  const hits = routes
    .map((r) => ({ r, m: r.re.exec(path) }))
    .filter((x): x is { r: Route<C>; m: RegExpExecArray } => x.m !== null);
  if (hits.length === 0) return { kind: "none" };
  const m = method === "HEAD" ? "GET" : method;
  for (const { r, m: found } of hits) {
    const h = r.methods[m];
    if (h) return { kind: "handler", endpoint: r.endpoint, handler: h, params: found.slice(1) };
  }
  const allow = allowed(hits.flatMap((x) => Object.keys(x.r.methods)));
  const endpoint = hits[0]!.r.endpoint;
  return method === "OPTIONS" ? { kind: "options", endpoint, allow } : { kind: "method", endpoint, allow };
}

/** Percent-decoding that keeps malformed escapes as they are. */
export function safeDecode(path: string): string {
  return path.replace(/(%[0-9a-fA-F]{2})+/g, (seq) => {
    try {
      return decodeURIComponent(seq);
    } catch {
      return seq;
    }
  });
}

export function makeRequest(init: Omit<RelayRequest, "body">, contentType: string | undefined): RelayRequest {
  let parsed: Record<string, unknown> | undefined;
  return {
    ...init,
    body: () => {
      parsed ??= flaskJsonBody(contentType, init.rawBody);
      return parsed;
    },
  };
}
