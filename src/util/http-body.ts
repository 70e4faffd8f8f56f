/**
 * Reads a request body with a size limit: the one body reader the bridge and the sandbox share.
 * What to answer (413, a reset, a partial body) stays with each server.
 */
import type { IncomingMessage } from "node:http";

/** The body passed `limit` bytes; `declared` when Content-Length said so before a byte was read. */
export class BodyTooLargeError extends Error {
  readonly limit: number;
  readonly declared: boolean;
  constructor(limit: number, declared: boolean) {
    super(`request body over ${limit} bytes`);
    this.name = "BodyTooLargeError";
    this.limit = limit;
    this.declared = declared;
  }
}

/** The request stream failed (not a client that simply went away: that resolves `complete: false`). */
export class BodyReadError extends Error {
  constructor(cause: unknown) {
    super("request body could not be read", { cause });
    this.name = "BodyReadError";
  }
}

export interface Body {
  bytes: Buffer;
  /** False when the client went away before the end (the bytes are what arrived). */
  complete: boolean;
}

/**
 * Collects the body. Rejects with BodyTooLargeError past `limit` (declared or streamed; it stops
 * collecting and leaves the stream to the caller: drain it, or close the connection) and with
 * BodyReadError when the stream errors.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Body> {
  return new Promise((resolve, reject) => {
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) > limit) {
      reject(new BodyTooLargeError(limit, true));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      req.removeListener("data", onData);
      settle();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(() => reject(new BodyTooLargeError(limit, false)));
      else chunks.push(chunk);
    };
    const bytes = () => (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    req.on("data", onData);
    req.on("error", (err) => finish(() => reject(new BodyReadError(err))));
    req.on("aborted", () => finish(() => resolve({ bytes: bytes(), complete: false })));
    req.on("end", () => finish(() => resolve({ bytes: bytes(), complete: true })));
  });
}
