import type { IncomingMessage, ServerResponse } from "node:http";
import { ERROR_CODES, type ErrorCode } from "../errors.js";

/** Requests bodies over this are refused with 413. */
export const BODY_LIMIT_BYTES = 64 * 1024;

export class HttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  constructor(status: number, code: ErrorCode, message?: string) {
    super(message ?? ERROR_CODES[code]);
    this.status = status;
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

const DECODER = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads a JSON object body: 413 past the limit (declared or streamed), 400 for bad UTF-8, bad JSON
 * or anything but an object. Never throws anything but HttpError.
 */
export function readJsonBody(
  req: IncomingMessage,
  limit = BODY_LIMIT_BYTES,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) > limit) {
      reject(new HttpError(413, "E_BRIDGE_TOO_LARGE", `request body over ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const fail = (e: HttpError) => {
      if (done) return;
      done = true;
      req.removeListener("data", onData);
      reject(e);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        fail(new HttpError(413, "E_BRIDGE_TOO_LARGE", `request body over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.on("error", () => fail(new HttpError(400, "E_BRIDGE_BAD_JSON", "request body could not be read")));
    req.on("aborted", () => fail(new HttpError(400, "E_BRIDGE_BAD_JSON", "request was aborted")));
    req.on("end", () => {
      if (done) return;
      done = true;
      let text: string;
      try {
        text = DECODER.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
      } catch {
        reject(new HttpError(400, "E_BRIDGE_BAD_JSON", "request body is not UTF-8"));
        return;
      }
      if (text.trim() === "") {
        reject(new HttpError(400, "E_BRIDGE_BAD_JSON", "request body is empty"));
        return;
      }
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        reject(new HttpError(400, "E_BRIDGE_BAD_JSON"));
        return;
      }
      if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
        reject(new HttpError(400, "E_BRIDGE_BAD_REQUEST", "request body must be a JSON object"));
        return;
      }
      resolve(doc as Record<string, unknown>);
    });
  });
}

/** 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(?:\.\d{1,3}){3}$/.test(h) || h === "::ffff:127.0.0.1";
}
