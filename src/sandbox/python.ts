/**
 * Python and Flask semantics the real relay has and clients can observe: truthiness, `float()` and
 * `int()` parsing, `repr()` of strings, `json.dumps` with default separators, and the crash that a
 * non-string JSON field causes.
 */

/** Thrown where the real server raises an unhandled exception; the router answers with Flask's HTML 500. */
export class ServerCrash extends Error {
  constructor(what: string) {
    super(what);
    this.name = "ServerCrash";
  }
}

/** Python `bool(value)` for a JSON value: the string "false" is true, null/0/""/[]/{} are false. */
export function pyTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return false;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string") return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

/** Python `str.strip()` (whitespace as Python defines it, close enough to JS `trim`). */
export function pyStrip(s: string): string {
  return s.trim();
}

/**
 * `(body.get(key) or "").strip()`: falsy values become "", strings are stripped, and any other truthy
 * value (number, list, object, true) raises AttributeError in the real server, an HTML 500 here.
 */
export function strField(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (!pyTruthy(v)) return "";
  if (typeof v !== "string")
    throw new ServerCrash(`AttributeError: '${pyTypeName(v)}' object has no attribute 'strip'`);
  return pyStrip(v);
}

/** `bool(body.get(key, default))`. */
export function boolField(body: Record<string, unknown>, key: string, dflt: boolean): boolean {
  return Object.hasOwn(body, key) ? pyTruthy(body[key]) : dflt;
}

export function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "string") return "str";
  if (Array.isArray(v)) return "list";
  return "dict";
}

/**
 * Flask's `request.get_json(silent=True) or {}`: needs a JSON content type, malformed JSON and falsy
 * documents become {}, and a truthy non-object document crashes at the first `.get` (HTML 500).
 */
export function flaskJsonBody(contentType: string | undefined, raw: string): Record<string, unknown> {
  const mime = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  const isJson = mime === "application/json" || (mime.startsWith("application/") && mime.endsWith("+json"));
  if (!isJson) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return {};
  }
  if (!pyTruthy(parsed)) return {};
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ServerCrash(`AttributeError: '${pyTypeName(parsed)}' object has no attribute 'get'`);
  }
  return parsed as Record<string, unknown>;
}

const PY_FLOAT_RE = /^[+-]?(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*|\d(?:_?\d)*\.?)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const PY_SPECIAL_RE = /^([+-]?)(inf|infinity|nan)$/i;

/** Python `float(s)`; throws ServerCrash (ValueError) where Python would. */
export function pyFloat(s: string): number {
  const t = s.trim();
  const special = PY_SPECIAL_RE.exec(t);
  if (special) {
    if (special[2]!.toLowerCase() === "nan") return Number.NaN;
    return special[1] === "-" ? -Infinity : Infinity;
  }
  if (!PY_FLOAT_RE.test(t))
    throw new ServerCrash(`ValueError: could not convert string to float: ${pyRepr(s)}`);
  return Number(t.replaceAll("_", ""));
}

const PY_INT_RE = /^[+-]?\d(?:_?\d)*$/;

/** Python `int(s)` for a query-string value; throws ServerCrash (ValueError) where Python would. */
export function pyInt(s: string): number {
  const t = s.trim();
  if (!PY_INT_RE.test(t)) {
    throw new ServerCrash(`ValueError: invalid literal for int() with base 10: ${pyRepr(s)}`);
  }
  return Number(t.replaceAll("_", ""));
}

/** Python `repr(str)`: single quotes unless the text has a single quote and no double quote. */
export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (cp >= 0x80 && cp < 0xa0) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}

/** Escapes every character outside printable ASCII as `\uXXXX`, as Python's `ensure_ascii` does. */
export function asciiEscape(json: string): string {
  return json.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Python `json.dumps(value)` with default settings: separators `", "` and `": "`, keys in insertion
 * order, `ensure_ascii=True`.
 */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return asciiEscape(JSON.stringify(value));
  if (typeof value === "number") return pyNumber(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${asciiEscape(JSON.stringify(k))}: ${pyJsonDumps(v)}`).join(", ")}}`;
}

/** A number Python holds as a float, so it serialises as `9.0` rather than `9`. */
export class PyFloat {
  constructor(readonly value: number) {}
}

export function pyNumber(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "Infinity" : "-Infinity";
  return String(n);
}

export function pyFloatRepr(n: number): string {
  if (!Number.isFinite(n)) return pyNumber(n);
  const s = String(n);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/** Python `str(datetime)` of an aware UTC datetime: `2026-04-23 11:40:05.123000+00:00`. */
export function pyDatetimeStr(ms: number): string {
  return pyIso(ms).replace("T", " ");
}

/** Python `datetime.isoformat()` of an aware UTC datetime: `2026-04-23T11:40:05.123000+00:00`. */
export function pyIso(ms: number): string {
  const d = new Date(ms);
  const base = d.toISOString().slice(0, 19);
  const micro = d.getUTCMilliseconds() * 1000;
  return `${base}${micro === 0 ? "" : `.${String(micro).padStart(6, "0")}`}+00:00`;
}

/** Flask's datetime format: RFC 1123 in GMT, e.g. `Tue, 24 Mar 2026 11:40:05 GMT`. */
export function rfc1123(ms: number): string {
  return new Date(ms).toUTCString();
}
