/**
 * What the real relay's Flask app puts on the wire: JSON with sorted keys, compact separators,
 * `ensure_ascii` and a trailing newline; Werkzeug's HTML error pages; and the proxy's 502 page.
 */
import type { z } from "zod";
import { asciiEscape, PyFloat, pyFloatRepr, pyNumber } from "./python.js";

/** One HTTP answer, before it is written. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Flask 3 `jsonify`: sorted keys at every level, `(",", ":")` separators, ASCII only, trailing newline. */
export function flaskJsonText(value: unknown): string {
  return `${encode(value)}\n`;
}

function encode(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (typeof value === "string") return asciiEscape(JSON.stringify(value));
  if (typeof value === "number") return pyNumber(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value)) return `[${value.map(encode).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${asciiEscape(JSON.stringify(k))}:${encode(obj[k])}`).join(",")}}`;
}

export function json(status: number, value: unknown): Reply {
  return { status, headers: { "content-type": "application/json" }, body: flaskJsonText(value) };
}

export function ok(fields: Record<string, unknown> = {}): Reply {
  return json(200, { ok: true, ...fields });
}

/**
 * `ok(fields)` checked against the client's schema for this answer (src/relay/schemas.ts): producer
 * and consumer share one wire shape, and a drift fails here as a crash (HTML 500), not in a client.
 */
export function okAs(schema: z.ZodType, fields: Record<string, unknown> = {}, status = 200): Reply {
  const r = schema.safeParse({ ok: true, ...fields });
  if (!r.success) throw new Error(`sandbox reply does not match its schema: ${r.error.issues[0]?.message}`);
  return json(status, { ok: true, ...fields });
}

export function fail(status: number, error: string): Reply {
  return json(status, { ok: false, error });
}

const HTML = "text/html; charset=utf-8";

function werkzeugPage(code: number, name: string, description: string): string {
  return `<!doctype html>\n<html lang=en>\n<title>${code} ${name}</title>\n<h1>${name}</h1>\n<p>${description}</p>\n`;
}

export function html404(): Reply {
  return {
    status: 404,
    headers: { "content-type": HTML },
    body: werkzeugPage(
      404,
      "Not Found",
      "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
    ),
  };
}

export function html405(allow: readonly string[]): Reply {
  return {
    status: 405,
    headers: { "content-type": HTML, allow: allow.join(", ") },
    body: werkzeugPage(405, "Method Not Allowed", "The method is not allowed for the requested URL."),
  };
}

export function html500(): Reply {
  return {
    status: 500,
    headers: { "content-type": HTML },
    body: werkzeugPage(
      500,
      "Internal Server Error",
      "The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.",
    ),
  };
}

/** What the hosting proxy answers while the app is down or redeploying. */
export function html502(): Reply {
  return {
    status: 502,
    headers: { "content-type": "text/html" },
    body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n",
  };
}
