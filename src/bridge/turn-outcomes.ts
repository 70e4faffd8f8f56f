/**
 * What happens once a turn's outcome is known: it is counted (status), logged, added to the per-turn
 * record (src/state/turn-record.ts) and to `/metrics`. What only other parts know about the turn (the
 * model's time and error, whether a guest was answered) travels with the request in a trace
 * (AsyncLocalStorage), so turns.ts needs no parameter for each of them.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Logger } from "../log.js";
import type { CallKind, TurnRecord } from "../state/turn-record.js";
import { DOCTOR_CALL_SID, type MessageReply } from "./contract.js";
import type { BridgeMetrics } from "./metrics.js";
import type { ModelBackend } from "./model/index.js";
import { withComplete } from "./model/with-complete.js";
import type { BridgeStats } from "./status.js";
import type { Turn } from "./turns.js";

/** What one request learned on its way, from the parts that know it. */
interface TurnTrace {
  modelMs?: number;
  modelError?: string;
  guest?: boolean;
}

export interface TurnOutcomeDeps {
  stats: BridgeStats;
  log: Logger;
  record?: TurnRecord | undefined;
  metrics?: BridgeMetrics | undefined;
}

export class TurnOutcomes {
  readonly #d: TurnOutcomeDeps;
  readonly #trace = new AsyncLocalStorage<TurnTrace>();

  constructor(d: TurnOutcomeDeps) {
    this.#d = d;
  }

  /** Runs one request (or one direct `handleMessage`) with a trace of its own. */
  traced<T>(fn: () => T): T {
    return this.#trace.run({}, fn);
  }

  /** The model back end, timed: each call's time and error go to the turn that made it. */
  timed(model: ModelBackend): ModelBackend {
    const note = (t0: number, code?: string) => {
      const ms = performance.now() - t0;
      const trace = this.#trace.getStore();
      if (trace) trace.modelMs = ms;
      this.#d.metrics?.modelCall(ms);
      if (code && trace) trace.modelError = code;
    };
    return withComplete(model, async (req) => {
      const t0 = performance.now();
      try {
        const r = await model.complete(req);
        note(t0);
        return r;
      } catch (err) {
        note(t0, (err as { code?: string })?.code ?? "E_MODEL");
        throw err;
      }
    });
  }

  /** A model error noted by the turn (`BridgeStats.noteError`): the turn's, and counted for /metrics. */
  noteError(code: string): void {
    if (!code.startsWith("E_MODEL")) return;
    const trace = this.#trace.getStore();
    if (trace) trace.modelError = code;
    this.#d.metrics?.modelError(code);
  }

  /** The guest desk answered this turn (the caller is not, or not yet, the owner). */
  noteGuest(): void {
    const trace = this.#trace.getStore();
    if (trace) trace.guest = true;
  }

  /** A turn's reply is decided (called by turns.ts before it is sent): cheap, never throws. */
  answered(turn: Turn, reply: MessageReply): void {
    const { stats, log, record, metrics } = this.#d;
    if (turn.callSid === DOCTOR_CALL_SID) {
      log.debug({ ms: reply.ms }, "doctor's test turn answered (not counted)");
      return;
    }
    stats.countTurn(reply.source);
    try {
      const trace = this.#trace.getStore() ?? {};
      if (reply.source !== "fast") {
        log.info(
          { callSid: turn.callSid, kind: reply.kind, source: reply.source, ms: reply.ms },
          "turn answered",
        );
      } else {
        log.debug({ callSid: turn.callSid, intent: reply.intent, ms: reply.ms }, "turn answered");
      }
      metrics?.turn(reply.source, reply.ms);
      record?.add({
        event: "turn",
        by: "bridge",
        call: callKind(reply.kind, trace.guest === true),
        source: reply.source,
        intent: reply.intent,
        bridge_ms: reply.ms,
        ...(trace.modelMs !== undefined ? { model_ms: Math.round(trace.modelMs) } : {}),
        ...(trace.modelError ? { model_error: trace.modelError } : {}),
        holding: reply.source === "deferred",
        end_call: reply.end_call,
        said: reply.response,
      });
    } catch (err) {
      log.warn({ err: (err as Error)?.message }, "could not record a turn");
    }
  }

  /** A deferred answer was ready (or failed) in the background. */
  deferred(outcome: "answer" | "failed"): void {
    this.#d.metrics?.deferred(outcome);
    // Told from the late work's continuation, still in its turn's trace: the model time is the late call's.
    const ms = this.#trace.getStore()?.modelMs;
    this.#d.record?.add({
      event: "deferred",
      by: "bridge",
      outcome,
      ...(ms !== undefined ? { model_ms: Math.round(ms) } : {}),
    });
  }

  /** The owner was phoned back. */
  callback(reason: string): void {
    this.#d.metrics?.callback();
    this.#d.record?.add({ event: "callback", by: "bridge", reason });
  }
}

/** Who is on the call, from the turn's kind and whether the guest desk answered it. */
export function callKind(kind: MessageReply["kind"], guest: boolean): CallKind {
  switch (kind) {
    case "caller":
      return guest ? "guest" : "owner";
    case "scheduled":
      return guest ? "guest" : "scheduled";
    case "third_party_open":
    case "third_party_says":
      return "third_party";
    case "third_party_complete":
      return "notification";
    default:
      return "unknown";
  }
}
