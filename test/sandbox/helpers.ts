import { Agent, request } from "undici";
import { buildSandbox, type Sandbox, type SandboxOptions } from "../../src/sandbox/index.js";

export const DEMO_KEY = "5a4db0c5-0000-4000-8000-00000000c1a7";

export interface Running {
  sb: Sandbox;
  url: string;
  close(): Promise<void>;
}

/** A sandbox on 127.0.0.1:0 at accelerated time (50× unless told otherwise). */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Running> {
  const sb = buildSandbox({ timeScale: 50, runSchedules: false, ...opts });
  const { url } = await sb.listen(0);
  return { sb, url, close: () => sb.close() };
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test convenience
  json: any;
}

const agent = new Agent({ keepAliveTimeout: 1000, connections: 64 });

export async function http(
  base: string,
  method: string,
  path: string,
  opts: {
    key?: string | null;
    body?: unknown;
    raw?: string;
    contentType?: string | null;
    headers?: Record<string, string>;
    signal?: AbortSignal;
  } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key !== undefined && opts.key !== null) headers.authorization = `Bearer ${opts.key}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && opts.contentType !== null)
    headers["content-type"] = opts.contentType ?? "application/json";
  const r = await request(`${base}${path}`, {
    method: method as "GET",
    headers,
    body,
    dispatcher: agent,
    signal: opts.signal,
    headersTimeout: 60_000,
  });
  const text = await r.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.statusCode, headers: r.headers, text, json };
}

/** A relay client bound to one key. */
export function relay(base: string, key: string | null = DEMO_KEY) {
  return {
    get: (path: string) => http(base, "GET", path, { key }),
    post: (path: string, body?: unknown) => http(base, "POST", path, { key, body: body ?? {} }),
    del: (path: string) => http(base, "DELETE", path, { key }),
    patch: (path: string, body?: unknown) => http(base, "PATCH", path, { key, body: body ?? {} }),
    listen: (timeout: number | string = 5) =>
      http(base, "GET", `/api/v1/calls/listen?timeout=${timeout}`, { key }),
    respond: (sid: string, response: unknown, endCall?: unknown) =>
      http(base, "POST", `/api/v1/calls/respond/${encodeURIComponent(sid)}`, {
        key,
        body: endCall === undefined ? { response } : { response, end_call: endCall },
      }),
  };
}

/** Simulation API over HTTP. */
export function simHttp(base: string) {
  return {
    get: (path: string) => http(base, "GET", `/sandbox${path}`),
    post: (path: string, body?: unknown) => http(base, "POST", `/sandbox${path}`, { body: body ?? {} }),
    del: (path: string) => http(base, "DELETE", `/sandbox${path}`),
  };
}

/** Polls `cond` every 10 ms until it holds (fails the test after `timeoutMs`). */
export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
