/** In-memory fakes for listener unit tests: no sockets, driven by vitest fake timers. */
import { Writable } from "node:stream";
import { pino } from "pino";
import { RelayHttpError, RelayTransportError } from "../../src/errors.js";
import type { Agent, AgentAnswer, AgentRequest, RelayPort } from "../../src/listener/types.js";
import type { Logger } from "../../src/log.js";
import type { schemas } from "../../src/relay/index.js";
import type { RelayEvent } from "../../src/relay/messages.js";

export const SID_A = `CA${"a".repeat(32)}`;
export const SID_B = `CA${"b".repeat(32)}`;
export const NOTIFY_SID = "notify-12345678-1234-4234-8234-123456789abc";
export function sid(n: number): string {
  return `CA${n.toString(16).padStart(32, "0")}`;
}

/** A logger whose lines can be read back. */
export function captureLogger(level = "debug"): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split("\n")) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

export const errors = {
  reset: (endpoint = "listen") =>
    new RelayTransportError({ code: "E_TRANSPORT_RESET", endpoint, message: "ECONNRESET" }),
  refused: (endpoint = "listen") =>
    new RelayTransportError({ code: "E_TRANSPORT_CONNECT", endpoint, message: "ECONNREFUSED" }),
  html502: (endpoint = "listen") =>
    new RelayTransportError({ code: "E_TRANSPORT_BAD_BODY", endpoint, status: 502, message: "HTML" }),
  badJson: (endpoint = "listen") =>
    new RelayTransportError({ code: "E_TRANSPORT_BAD_BODY", endpoint, status: 200, message: "bad JSON" }),
  http: (status: number, endpoint = "listen", retryAfterMs?: number) =>
    new RelayHttpError({
      status,
      endpoint,
      relayMessage: `HTTP ${status}`,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    }),
};

type ListenResult = schemas.ListenResponse;
/** A scripted step: a result, an error, or a function producing either (may wait on the signal). */
export type ListenStep =
  | ListenResult
  | Error
  | ((signal?: AbortSignal) => Promise<ListenResult>)
  | { holdMs: number; result: ListenResult | Error };

/**
 * The listener's relay port played from a script, for unit tests under fake timers (no sockets, no
 * relay behaviour): `listen` plays the script (then holds `idleMs` and returns empty); `respond`
 * records. Tests that need the relay itself use the sandbox (helpers/sandbox.ts).
 */
export class ScriptedRelayPort implements RelayPort {
  readonly script: ListenStep[] = [];
  readonly polls: { at: number; timeoutS?: number; endedAt?: number; aborted?: boolean }[] = [];
  readonly responds: { at: number; sid: string; text: string; endCall: boolean }[] = [];
  respondScript: Array<Error | "ok" | ((sid: string, text: string) => Promise<void> | void)> = [];
  history_: schemas.HistoryItem[] = [];
  open = 0;
  maxOpen = 0;
  idleMs: number;

  constructor(idleMs = 10_000) {
    this.idleMs = idleMs;
  }

  push(...steps: ListenStep[]): void {
    this.script.push(...steps);
  }
  message(callSid: string, message: string): void {
    this.script.push({ ok: true, call_sid: callSid, message });
  }

  async listen(timeoutS: number, signal?: AbortSignal): Promise<ListenResult> {
    const rec: { at: number; timeoutS: number; endedAt?: number; aborted?: boolean } = {
      at: Date.now(),
      timeoutS,
    };
    this.polls.push(rec);
    this.open++;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    try {
      const step = this.script.shift();
      let out: ListenResult | Error;
      if (step === undefined) out = await hold(this.idleMs, { ok: true, timeout: true }, signal);
      else if (typeof step === "function") out = await step(signal);
      else if (step instanceof Error) out = step;
      else if ("holdMs" in step) out = await hold(step.holdMs, step.result, signal);
      else out = step;
      if (out instanceof Error) throw out;
      return out;
    } catch (err) {
      if (signal?.aborted) {
        rec.aborted = true;
        throw new RelayTransportError({
          code: "E_TRANSPORT_ABORTED",
          endpoint: "listen",
          message: "aborted",
        });
      }
      throw err;
    } finally {
      rec.endedAt = Date.now();
      this.open--;
    }
  }

  async respond(callSid: string, text: string, endCall: boolean, o?: { signal?: AbortSignal }) {
    const step = this.respondScript.shift();
    if (step instanceof Error) throw step;
    if (typeof step === "function") await step(callSid, text);
    if (o?.signal?.aborted) throw errors.reset("respond");
    this.responds.push({ at: Date.now(), sid: callSid, text, endCall });
    return { ok: true as const };
  }

  async history() {
    return { ok: true as const, calls: this.history_ };
  }
}

function hold<T>(ms: number, value: T, signal?: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(t);
      reject(new Error("aborted"));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(value);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A fake agent: answers `echo: <message>` after `delayMs`, or per-message behaviour. */
export class FakeAgent implements Agent {
  readonly mode = "HTTP" as const;
  readonly calls: { at: number; req: AgentRequest; endedAt?: number }[] = [];
  readonly notifies: { sid: string; event: RelayEvent }[] = [];
  running = 0;
  maxRunning = 0;
  delayMs: number;
  behaviour?: (req: AgentRequest) => "fail" | "hang" | AgentAnswer | undefined;

  constructor(delayMs = 0) {
    this.delayMs = delayMs;
  }

  async answer(req: AgentRequest, signal: AbortSignal): Promise<AgentAnswer> {
    const rec: { at: number; req: AgentRequest; endedAt?: number } = { at: Date.now(), req };
    this.calls.push(rec);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      const b = this.behaviour?.(req);
      if (b === "hang") await new Promise(() => {});
      if (this.delayMs > 0) {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, this.delayMs);
          signal.addEventListener(
            "abort",
            () => {
              clearTimeout(t);
              reject(new Error("deadline"));
            },
            { once: true },
          );
        });
      }
      if (b === "fail") throw new Error("agent failed");
      if (b && typeof b === "object") return b;
      return { text: `echo: ${req.message}`, endCall: false };
    } finally {
      this.running--;
      rec.endedAt = Date.now();
    }
  }

  async notify(callSid: string, _message: string, event: RelayEvent): Promise<void> {
    this.notifies.push({ sid: callSid, event });
  }

  async close(): Promise<void> {}
}
