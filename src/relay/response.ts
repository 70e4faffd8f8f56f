import type { z } from "zod";
import { RelayHttpError, RelayTransportError } from "../errors.js";
import * as s from "./schemas.js";

/**
 * Turns a relay HTTP answer into the schema's data or a typed error: RelayHttpError when the relay
 * said no, RelayTransportError (E_TRANSPORT_BAD_BODY) when the body is not the expected JSON.
 */
export function decodeResponse<T extends z.ZodType>(
  endpoint: string,
  status: number,
  headers: Record<string, unknown>,
  text: string,
  schema: T,
): z.output<T> {
  let json: unknown;
  let parsedOk = false;
  try {
    json = JSON.parse(text);
    parsedOk = json !== null && typeof json === "object";
  } catch {}

  if (status >= 400) {
    const relayMessage = parsedOk ? s.errorBody.safeParse(json).data?.error : undefined;
    const retryAfterMs = parseRetryAfter(headers["retry-after"]);
    // 401 and 429 are decisions even when a proxy answered with a page instead of JSON.
    if (relayMessage !== undefined || status === 401 || status === 429) {
      throw new RelayHttpError({
        status,
        endpoint,
        relayMessage: relayMessage ?? `HTTP ${status}`,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    }
    throw new RelayTransportError({
      code: "E_TRANSPORT_BAD_BODY",
      endpoint,
      status,
      message: `HTTP ${status} with a non-JSON body (${describeBody(text, headers["content-type"])})`,
    });
  }
  if (!parsedOk) {
    throw new RelayTransportError({
      code: "E_TRANSPORT_BAD_BODY",
      endpoint,
      status,
      message: `HTTP ${status} with a non-JSON body (${describeBody(text, headers["content-type"])})`,
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new RelayTransportError({
      code: "E_TRANSPORT_BAD_BODY",
      endpoint,
      status,
      message: `unexpected response shape: ${parsed.error.issues[0]?.message ?? "invalid"}`,
    });
  }
  return parsed.data;
}

function describeBody(text: string, contentType: unknown): string {
  const ct = typeof contentType === "string" ? contentType.split(";")[0] : "no content-type";
  const title = /<title>([^<]{0,80})<\/title>/i.exec(text)?.[1];
  return title ? `${ct}: "${title}"` : `${ct}, ${text.length} bytes`;
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds (never negative). */
export function parseRetryAfter(header: unknown, now = Date.now()): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (typeof v !== "string" || v.trim() === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  // An HTTP-date always names a day or month; Date.parse alone accepts things like "-5".
  if (!/[a-z]{3}/i.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
