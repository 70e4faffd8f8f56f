/**
 * A log of every relay request, so tests can check a client's request pattern. Headers and bodies only
 * with the `logBodies` option (in-process tests), and never the Authorization value.
 */
import type { Endpoint, FaultKind } from "./faults.js";

export interface RequestRecord {
  seq: number;
  endpoint: Endpoint;
  method: string;
  /** Path and query as sent (the relay carries no secrets in URLs). */
  path: string;
  /** Epoch ms when the request arrived. */
  t: number;
  /** Epoch ms when the answer was written (or the socket destroyed); null while in flight. */
  ended_t: number | null;
  status: number | null;
  fault: FaultKind | null;
  /** True when the client had already gone when the answer was written (the answer was lost). */
  client_gone: boolean;
  /** For listen: the call sid of the message this request popped. */
  delivered_call_sid?: string;
  /** With `logBodies`: the request headers, Authorization reduced to its scheme. */
  headers?: Record<string, string>;
  /** With `logBodies`: the request body as received. */
  body?: string;
}

/** Headers for the log: Authorization keeps only its scheme ("Bearer"), so no key is ever stored. */
export function loggableHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const text = Array.isArray(v) ? v.join(", ") : v;
    out[k] = k === "authorization" ? `${text.split(" ")[0]} [redacted]` : text;
  }
  return out;
}

export class RequestStats {
  private records: RequestRecord[] = [];
  private seq = 0;

  constructor(private readonly max = 20_000) {}

  start(endpoint: Endpoint, method: string, path: string, t: number): RequestRecord {
    this.seq += 1;
    const r: RequestRecord = {
      seq: this.seq,
      endpoint,
      method,
      path,
      t,
      ended_t: null,
      status: null,
      fault: null,
      client_gone: false,
    };
    this.records.push(r);
    if (this.records.length > this.max) this.records.splice(0, this.records.length - this.max);
    return r;
  }

  list(endpoint?: string): RequestRecord[] {
    return this.records.filter((r) => !endpoint || r.endpoint === endpoint).map((r) => ({ ...r }));
  }

  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.records) out[r.endpoint] = (out[r.endpoint] ?? 0) + 1;
    return out;
  }

  clear(): void {
    this.records = [];
  }
}
