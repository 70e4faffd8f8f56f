/**
 * A chaos proxy for fault tests: an HTTP proxy on 127.0.0.1:0 between the listener and the relay
 * (point the listener's CLAWCALL_API_URL at `proxy.url`). With a fixed seed it picks, for a bounded
 * number of requests, one fault per request:
 *
 * - `drop`          never forwarded, never answered: the client waits for its own timeout
 * - `delay`         forwarded at once, but the relay's answer is held back for a while (a slow link)
 * - `reset_before`  the connection is reset before anything is forwarded
 * - `reset_after`   forwarded and handled by the relay, then the connection is reset instead of
 *                   answering (the client cannot tell this from `reset_before`)
 * - `truncate`      forwarded, then the answer is cut off half way (Content-Length not reached)
 * - `html502`       an edge proxy's HTML 502 page, not forwarded
 *
 * `outage()` makes every request fail (502 pages and resets, not forwarded) until `endOutage()`; with
 * `cutOpen` it also resets the client side of requests already forwarded (an open long poll), while
 * the relay keeps holding them: the message such a poll pops is lost, as in a real network outage.
 * Every request is logged with what the relay answered and whether the client got that answer, so a
 * test can tell which long-poll messages were popped by the relay and lost on the way.
 */
import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";

export const CHAOS_KINDS = ["drop", "delay", "reset_before", "reset_after", "truncate", "html502"] as const;
export type ChaosKind = (typeof CHAOS_KINDS)[number];

/** Faults after which the relay has handled the request (and, for a poll, popped its message). */
export const AFTER_FORWARD: ReadonlySet<ChaosKind> = new Set(["reset_after", "truncate"]);

export interface ChaosOptions {
  /** Relay base URL, e.g. http://127.0.0.1:4750. */
  target: string;
  seed: number;
  /** Probability that a request gets a fault while chaos is on. */
  rate?: number;
  /** Faults in total (chaos turns itself off after this many); outages do not count. */
  maxFaults?: number;
  /** Relative weights of the kinds (default: all 1). */
  weights?: Partial<Record<ChaosKind, number>>;
  /** At most this many faults of a kind (e.g. a dropped poll costs the client its full read timeout). */
  maxPerKind?: Partial<Record<ChaosKind, number>>;
  /** How long a `delay` holds the relay's answer back, ms: uniform in [min, max). */
  delayMs?: [number, number];
  /** A dropped request's socket is destroyed after this long if the client has not given up. */
  dropMaxMs?: number;
  /** Only requests whose path matches get faults (default: everything under /api/). */
  only?: RegExp;
  /** Chaos on from the start (default true). */
  enabled?: boolean;
}

export interface ProxyRecord {
  seq: number;
  method: string;
  /** Path and query as the client sent it. */
  path: string;
  endpoint: "listen" | "respond" | "history" | "other";
  /** When the request arrived (ms epoch) and when the proxy finished with it. */
  t: number;
  ended_t: number | undefined;
  fault: ChaosKind | undefined;
  /** True when this request was part of an outage. */
  outage: boolean;
  forwarded: boolean;
  upstreamStatus: number | undefined;
  /** The relay's answer (first 4 KiB), if it was forwarded and answered. */
  upstreamBody: string | undefined;
  /** Request body (first 4 KiB). */
  requestBody: string;
  /** The relay's complete answer was written to a client that was still there. */
  delivered: boolean;
  /** The client went away before the proxy answered. */
  clientGone: boolean;
}

/** A small fast seeded PRNG (mulberry32): the same seed gives the same fault sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BAD_GATEWAY = `<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;

function endpointOf(path: string): ProxyRecord["endpoint"] {
  if (path.startsWith("/api/v1/calls/listen")) return "listen";
  if (path.startsWith("/api/v1/calls/respond/")) return "respond";
  if (path.startsWith("/api/v1/calls/history")) return "history";
  return "other";
}

function resetSocket(socket: Socket): void {
  // A TCP RST where Node has it (18.3+), otherwise a plain destroy.
  const s = socket as Socket & { resetAndDestroy?: () => void };
  if (typeof s.resetAndDestroy === "function") s.resetAndDestroy();
  else s.destroy();
}

export class ChaosProxy {
  readonly log: ProxyRecord[] = [];
  readonly #o: Required<Omit<ChaosOptions, "weights" | "maxPerKind">> &
    Pick<ChaosOptions, "weights" | "maxPerKind">;
  readonly #rng: () => number;
  readonly #server: Server;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 64 });
  readonly #sockets = new Set<Socket>();
  /** Client sockets of requests forwarded and not yet answered, delayed ones too (what `cutOpen` resets). */
  readonly #open = new Set<Socket>();
  readonly #target: URL;
  readonly #perKind = new Map<ChaosKind, number>();
  #enabled: boolean;
  #faults = 0;
  #outage: readonly ChaosKind[] | undefined;
  #seq = 0;
  url = "";

  constructor(opts: ChaosOptions) {
    this.#o = {
      rate: 0.1,
      maxFaults: 50,
      delayMs: [50, 800],
      dropMaxMs: 60_000,
      only: /^\/api\//,
      enabled: true,
      ...opts,
    };
    this.#target = new URL(opts.target);
    this.#rng = mulberry32(opts.seed);
    this.#enabled = this.#o.enabled;
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on("connection", (s) => {
      this.#sockets.add(s);
      s.on("close", () => this.#sockets.delete(s));
    });
    // The listener's own client uses long-lived keep-alive connections.
    this.#server.keepAliveTimeout = 30_000;
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.#server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    this.#agent.destroy();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }

  /** Faults applied so far outside outages, by kind. */
  get faults(): number {
    return this.#faults;
  }
  faultsByKind(): Record<string, number> {
    return Object.fromEntries(this.#perKind);
  }

  /** Random faults on or off (the fault budget still applies). */
  setChaos(on: boolean): void {
    this.#enabled = on;
  }

  /**
   * From now on every request fails with one of `kinds` (none is forwarded). `cutOpen`: requests
   * already forwarded (an open poll) lose their client connection now, and the relay goes on with them.
   */
  outage(
    kinds: readonly ("html502" | "reset_before")[] = ["html502", "reset_before"],
    opts: { cutOpen?: boolean } = {},
  ): void {
    this.#outage = kinds;
    if (opts.cutOpen) for (const s of this.#open) resetSocket(s);
  }

  endOutage(): void {
    this.#outage = undefined;
  }

  #pick(path: string): { kind: ChaosKind | undefined; outage: boolean } {
    // An outage takes the whole relay API down, whatever `only` picks for random faults.
    if (this.#outage && path.startsWith("/api/")) {
      const k = this.#outage[Math.floor(this.#rng() * this.#outage.length)] ?? "html502";
      return { kind: k, outage: true };
    }
    if (!this.#o.only.test(path)) return { kind: undefined, outage: false };
    if (!this.#enabled || this.#faults >= this.#o.maxFaults) return { kind: undefined, outage: false };
    // Always draw the same number of values per request, so one seed gives one sequence.
    const roll = this.#rng();
    const which = this.#rng();
    if (roll >= this.#o.rate) return { kind: undefined, outage: false };
    const weights = CHAOS_KINDS.map((k) => {
      const cap = this.#o.maxPerKind?.[k];
      if (cap !== undefined && (this.#perKind.get(k) ?? 0) >= cap) return 0;
      return this.#o.weights?.[k] ?? 1;
    });
    const total = weights.reduce((a, b) => a + b, 0);
    if (total <= 0) return { kind: undefined, outage: false };
    let x = which * total;
    let kind: ChaosKind = CHAOS_KINDS[0];
    for (const [i, k] of CHAOS_KINDS.entries()) {
      x -= weights[i]!;
      if (x < 0) {
        kind = k;
        break;
      }
    }
    this.#faults++;
    this.#perKind.set(kind, (this.#perKind.get(kind) ?? 0) + 1);
    return { kind, outage: false };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const path = req.url ?? "/";
    const { kind, outage } = this.#pick(path);
    const rec: ProxyRecord = {
      seq: ++this.#seq,
      method: req.method ?? "GET",
      path,
      endpoint: endpointOf(path),
      t: Date.now(),
      ended_t: undefined,
      fault: kind,
      outage,
      forwarded: false,
      upstreamStatus: undefined,
      upstreamBody: undefined,
      requestBody: body.subarray(0, 4096).toString("utf8"),
      delivered: false,
      clientGone: false,
    };
    this.log.push(rec);
    const end = () => {
      rec.ended_t ??= Date.now();
    };
    res.on("close", () => {
      if (!res.writableFinished) rec.clientGone = true;
      end();
    });

    switch (kind) {
      case "html502":
        res.writeHead(502, {
          "content-type": "text/html",
          "content-length": Buffer.byteLength(BAD_GATEWAY),
        });
        res.end(BAD_GATEWAY);
        return;
      case "reset_before":
        resetSocket(req.socket);
        end();
        return;
      case "drop": {
        const t = setTimeout(() => req.socket.destroy(), this.#o.dropMaxMs);
        res.on("close", () => clearTimeout(t));
        return;
      }
      default:
        break;
    }

    // Forward. The relay handles it even if our client has gone meanwhile (as a real relay would).
    let up: { status: number; headers: IncomingMessage["headers"]; body: Buffer };
    const socket = req.socket;
    this.#open.add(socket);
    res.on("close", () => this.#open.delete(socket));
    try {
      rec.forwarded = true;
      up = await this.#forward(req, body);
    } catch {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(502, { "content-type": "text/html" });
        res.end(BAD_GATEWAY);
      }
      return;
    }
    rec.upstreamStatus = up.status;
    rec.upstreamBody = up.body.subarray(0, 4096).toString("utf8");
    if (res.destroyed || req.socket.destroyed) {
      rec.clientGone = true;
      end();
      return;
    }
    if (kind === "delay") {
      const [lo, hi] = this.#o.delayMs;
      await new Promise((r) => setTimeout(r, lo + this.#rng() * (hi - lo)));
      if (res.destroyed || req.socket.destroyed) {
        rec.clientGone = true;
        end();
        return;
      }
    }
    if (kind === "reset_after") {
      resetSocket(req.socket);
      end();
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(up.headers)) {
      if (v === undefined || k === "connection" || k === "keep-alive" || k === "transfer-encoding") continue;
      headers[k] = v;
    }
    headers["content-length"] = String(up.body.length);
    if (kind === "truncate") {
      res.writeHead(up.status, headers);
      res.write(up.body.subarray(0, Math.floor(up.body.length / 2)));
      // Let the half body leave, then cut the connection before Content-Length is reached.
      setTimeout(() => req.socket.destroy(), 20);
      return;
    }
    res.writeHead(up.status, headers);
    res.end(up.body, () => {
      rec.delivered = true;
      end();
    });
  }

  #forward(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingMessage["headers"]; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: this.#target.host };
      delete headers.connection;
      const up = request(
        {
          host: this.#target.hostname,
          port: this.#target.port,
          method: req.method,
          path: req.url,
          headers: { ...headers, "content-length": String(body.length) },
          agent: this.#agent,
        },
        (r) => {
          const chunks: Buffer[] = [];
          r.on("data", (c: Buffer) => chunks.push(c));
          r.on("end", () =>
            resolve({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks) }),
          );
          r.on("error", reject);
        },
      );
      up.on("error", reject);
      up.end(body);
    });
  }

  /** Listen requests in [from, to), by arrival time. */
  polls(from = 0, to = Number.POSITIVE_INFINITY): ProxyRecord[] {
    return this.log.filter((r) => r.endpoint === "listen" && r.t >= from && r.t < to);
  }

  /**
   * Long-poll answers the relay gave (so it popped the message) that never reached the client intact:
   * those messages are lost for good (relay contract §4.1, at-most-once delivery).
   */
  lostMessages(): { callSid: string; message: string; rec: ProxyRecord }[] {
    const out: { callSid: string; message: string; rec: ProxyRecord }[] = [];
    for (const r of this.log) {
      if (r.endpoint !== "listen" || r.upstreamStatus !== 200 || r.delivered || !r.upstreamBody) continue;
      try {
        const j = JSON.parse(r.upstreamBody) as { call_sid?: string; message?: string };
        if (typeof j.call_sid === "string")
          out.push({ callSid: j.call_sid, message: String(j.message), rec: r });
      } catch {}
    }
    return out;
  }
}
