/**
 * What the bridge says about itself: its counters, the `/health` body and `bridge.status.json`,
 * both built to the shapes in contract.ts.
 */
import type { Logger } from "../log.js";
import { SLOT_TTL_MS } from "../relay/deadlines.js";
import { atomicWriteJson } from "../state/atomic.js";
import { VERSION } from "../version.js";
import type { Brain } from "./brain.js";
import type { ContextStore } from "./context/index.js";
import type { AnswerSource, BridgeHealth, BridgeStatusFile, LastError } from "./contract.js";
import type { Conversations } from "./conversations.js";
import type { Deliveries } from "./deliveries.js";
import type { ModelBackend } from "./model/index.js";

/** Turns answered by source, errors, and the last error (for `clawcall status`). */
export class BridgeStats {
  turns = 0;
  fast = 0;
  model = 0;
  deferred = 0;
  fallback = 0;
  errors = 0;
  /** Deferred answers that failed (each told to the caller with an apology). */
  deferredFailed = 0;
  lastError: LastError | null = null;
  readonly #now: () => number;
  readonly #onError: ((code: string) => void) | undefined;

  /** `onError`: told each error's code (the turn's record and /metrics count the model's). */
  constructor(now: () => number, onError?: (code: string) => void) {
    this.#now = now;
    this.#onError = onError;
  }

  countTurn(source: AnswerSource): void {
    this.turns++;
    this[source]++;
  }

  noteError(code: string, message: string): void {
    this.errors++;
    this.lastError = { code, message: message.slice(0, 300), at: new Date(this.#now()).toISOString() };
    this.#onError?.(code);
  }
}

/** The live facts both reports read. */
export interface ReportSources {
  host: string;
  port(): number;
  closing(): boolean;
  startedAt: number;
  now(): number;
  stats: BridgeStats;
  model: ModelBackend;
  brain: Brain;
  context: ContextStore;
  deliveries: Deliveries;
  conversations: Conversations;
}

export function healthBody(s: ReportSources): BridgeHealth {
  return {
    ok: !s.closing(),
    host: s.host,
    port: s.port(),
    mode: s.model.mode,
    model: s.model.modelName,
    version: VERSION,
    uptime_s: Math.round((s.now() - s.startedAt) / 1000),
    pid: process.pid,
    gateway: s.model.gateway(),
    model_reachable: s.brain.reachable(),
    model_note: s.brain.note(),
    agent_name: s.context.agentName(),
    turns: s.stats.turns,
    sources: s.context.sources,
    pending_deliveries: s.deliveries.pending.length,
  };
}

export function statusFileBody(s: ReportSources): BridgeStatusFile {
  const { stats } = s;
  return {
    pid: process.pid,
    host: s.host,
    port: s.port(),
    url: `http://${s.host}:${s.port()}`,
    version: VERSION,
    mode: s.model.mode,
    model: s.model.modelName,
    startedAt: new Date(s.startedAt).toISOString(),
    updatedAt: new Date(s.now()).toISOString(),
    closing: s.closing(),
    turns: stats.turns,
    turnsBySource: {
      fast: stats.fast,
      model: stats.model,
      deferred: stats.deferred,
      fallback: stats.fallback,
    },
    errors: stats.errors,
    lastError: stats.lastError,
    gateway: s.model.gateway(),
    pendingDeliveries: s.deliveries.pending.length,
    deferredFailed: stats.deferredFailed,
    // A call the relay still holds a slot for: not ended, last turn within the slot's lifetime.
    activeCalls: s.conversations.activeCount(SLOT_TTL_MS),
  };
}

/** Writes `bridge.status.json` now and every few seconds while running. */
export class StatusFileWriter {
  readonly #path: string;
  readonly #sources: ReportSources;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;

  constructor(path: string, sources: ReportSources, log: Logger) {
    this.#path = path;
    this.#sources = sources;
    this.#log = log;
  }

  write(): void {
    try {
      atomicWriteJson(this.#path, statusFileBody(this.#sources));
    } catch (err) {
      this.#log.warn({ err }, "could not write bridge.status.json");
    }
  }

  start(periodMs = 5_000): void {
    this.write();
    this.#timer = setInterval(() => this.write(), periodMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
