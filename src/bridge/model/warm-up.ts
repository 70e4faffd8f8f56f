/**
 * Keeps the model path warm (issue 15, item 1). The OpenClaw gateway prepares lazily: its first chat
 * request after a start takes 11–15 s even with an instant model, and after ~30 s without a request a
 * new session's first turn costs 3–8 s again. The agent sees nothing of a call before the caller's
 * first words, so the warming has to happen before calls: at start until a turn is really fast, then
 * one quiet turn whenever the path has been idle for an interval.
 *
 * Warm-up turns go straight to the back end (never through the model gate, so they never take a
 * caller's slot), in their own session key (never a call's), and their replies are thrown away (never
 * spoken). They are skipped while a call is active: the call's own turns keep the path warm, and a
 * warm-up would only compete with them for the gateway's CPU. Logs carry state changes only.
 */

import type { Logger } from "../../log.js";
import { ModelFailureLog } from "../model-failure-log.js";
import type { ModelBackend } from "./types.js";
import { withComplete } from "./with-complete.js";

/** One warm-up turn in `sessionKey`; resolves when the reply is complete, rejects when it failed. */
export type WarmUpSend = (sessionKey: string, signal: AbortSignal) => Promise<void>;

export interface WarmUpClock {
  /** Monotonic ms. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface WarmUpOptions {
  send: WarmUpSend;
  /** True while calls are active or a model call is in flight: no warm-up then. */
  busy(): boolean;
  /** Idle time after the last model request (a call's or a warm-up) before the next warm-up. */
  intervalMs: number;
  /** A warm-up turn at least this fast means the path is warm. Default WARM_TURN_MS. */
  warmMs?: number;
  /** Gap between start-up warm-ups while the path is still cold or unreachable. Default START_RETRY_MS. */
  retryMs?: number;
  /** One warm-up turn is cut after this long. Default TURN_LIMIT_MS. */
  turnLimitMs?: number;
  /** Warm-ups per session key before the next key: the gateway keeps each session's history. */
  turnsPerSession?: number;
  log: Logger;
  /** Says a failed warm-up the way model calls are said (an absent model while trying the sandbox: info). */
  failures?: ModelFailureLog;
  clock?: WarmUpClock;
  /** Session key prefix; a counter follows it. */
  sessionPrefix?: string;
}

/** The target for a caller's first model turn is 1.5 s at worst (issue 15): faster than that is warm. */
export const WARM_TURN_MS = 1_500;
/** While cold or unreachable at start, the next try comes this soon (a cold turn blocks the gateway anyway). */
export const START_RETRY_MS = 2_000;
/** The first turn after a gateway start takes up to ~15 s on a small machine; four times that is hung. */
export const TURN_LIMIT_MS = 60_000;
/** About ten minutes of warm-ups at the default interval share one gateway session. */
export const TURNS_PER_SESSION = 40;

export type WarmState = "starting" | "warm" | "cold" | "failing" | "stopped";

export interface WarmUpReport {
  state: WarmState;
  /** The last warm-up turn's duration, ms (null before the first). */
  lastMs: number | null;
  turns: number;
  failures: number;
}

const systemClock: WarmUpClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class WarmUp {
  readonly #o: Required<Omit<WarmUpOptions, "clock" | "log" | "send" | "busy" | "failures">>;
  readonly #failureLog: ModelFailureLog;
  readonly #send: WarmUpSend;
  readonly #busy: () => boolean;
  readonly #log: Logger;
  readonly #clock: WarmUpClock;
  /** Tag of this process's session keys, so two bridges on one gateway never share a warm-up session. */
  readonly #tag = Math.floor(Date.now() / 1000).toString(36);
  #state: WarmState = "stopped";
  #timer: unknown;
  #inFlight: AbortController | undefined;
  /** Settles when the warm-up in flight ends. */
  #ended: Promise<void> = Promise.resolve();
  /** When the last model request (a call's or ours) ended, on the monotonic clock. */
  #lastActivity = Number.NEGATIVE_INFINITY;
  #callsInFlight = 0;
  #lastMs: number | null = null;
  #turns = 0;
  #failures = 0;

  constructor(o: WarmUpOptions) {
    this.#send = o.send;
    this.#busy = o.busy;
    this.#log = o.log;
    // Without one, every failure is a real one: a warning.
    this.#failureLog = o.failures ?? new ModelFailureLog({ log: o.log, sandbox: false, fix: "" });
    this.#clock = o.clock ?? systemClock;
    this.#o = {
      intervalMs: o.intervalMs,
      warmMs: o.warmMs ?? WARM_TURN_MS,
      retryMs: o.retryMs ?? START_RETRY_MS,
      turnLimitMs: o.turnLimitMs ?? TURN_LIMIT_MS,
      turnsPerSession: o.turnsPerSession ?? TURNS_PER_SESSION,
      sessionPrefix: o.sessionPrefix ?? "clawcall:warmup:",
    };
  }

  report(): WarmUpReport {
    return { state: this.#state, lastMs: this.#lastMs, turns: this.#turns, failures: this.#failures };
  }

  /** The session key warm-ups use now: dedicated, rotated so its history stays short. */
  get sessionKey(): string {
    return `${this.#o.sessionPrefix}${this.#tag}-${Math.floor(this.#turns / this.#o.turnsPerSession)}`;
  }

  /** Starts warming at once (after start, the path is cold until a turn proves otherwise). */
  start(): void {
    if (this.#state !== "stopped") return;
    this.#state = "starting";
    this.#schedule(0);
  }

  stop(): void {
    this.#state = "stopped";
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#inFlight?.abort();
  }

  /** A call's model request started: it keeps the path warm, so the idle clock starts over when it ends. */
  callStarted(): void {
    this.#callsInFlight++;
  }

  /**
   * Resolves once no warm-up is in flight, or after `maxMs`. On the gateway two turns that start
   * together both took ~4 s (measured: a keep-warm turn and a call's turn 0.4 s apart), while one
   * after the other take ~0.4 s each; so a call's turn waits for a warm-up that is about to end.
   */
  clear(maxMs = this.#o.warmMs): Promise<void> {
    if (!this.#inFlight) return Promise.resolve();
    return new Promise((resolve) => {
      const t = this.#clock.setTimeout(resolve, maxMs);
      void this.#ended.then(() => {
        this.#clock.clearTimeout(t);
        resolve();
      });
    });
  }

  callEnded(): void {
    this.#callsInFlight = Math.max(0, this.#callsInFlight - 1);
    this.#lastActivity = this.#clock.now();
    if (this.#state === "warm" && this.#inFlight === undefined) this.#schedule(this.#o.intervalMs);
  }

  #schedule(ms: number): void {
    if (this.#state === "stopped") return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => this.#tick(), Math.max(0, ms));
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#state === "stopped" || this.#inFlight) return;
    const starting = this.#state === "starting" || this.#state === "failing";
    if (!starting) {
      // Recent activity (a call's turn) kept the path warm: wait out the rest of the interval.
      const idle = this.#clock.now() - this.#lastActivity;
      if (idle < this.#o.intervalMs) {
        this.#schedule(this.#o.intervalMs - idle);
        return;
      }
    }
    if (this.#callsInFlight > 0 || this.#busy()) {
      this.#schedule(starting ? this.#o.retryMs : this.#o.intervalMs);
      return;
    }
    void this.#turn();
  }

  async #turn(): Promise<void> {
    const ac = new AbortController();
    this.#inFlight = ac;
    let ended: () => void = () => {};
    this.#ended = new Promise((r) => {
      ended = r;
    });
    const limit = this.#clock.setTimeout(() => ac.abort(), this.#o.turnLimitMs);
    const t0 = this.#clock.now();
    let ok = true;
    let error: unknown;
    try {
      await this.#send(this.sessionKey, ac.signal);
    } catch (err) {
      ok = false;
      error = err;
    } finally {
      this.#clock.clearTimeout(limit);
      this.#inFlight = undefined;
      ended();
    }
    if (this.#state === "stopped") return;
    const ms = Math.round(this.#clock.now() - t0);
    this.#turns++;
    this.#lastActivity = this.#clock.now();
    if (!ok) return this.#failed(error);
    this.#lastMs = ms;
    // Debug only: at the default level a keep-warm turn every 15 s would fill the log.
    this.#log.debug({ ms, session: this.sessionKey }, "model warm-up turn");
    if (ms <= this.#o.warmMs) {
      if (this.#state !== "warm") {
        this.#log.info({ ms, turns: this.#turns }, "model path warm");
        this.#state = "warm";
      }
      this.#failures = 0;
      this.#failureLog.answered();
      return this.#schedule(this.#o.intervalMs);
    }
    // Slow: the gateway was (still) cold. Try again soon until a turn is fast.
    if (this.#state === "warm") this.#state = "cold";
    this.#schedule(this.#state === "cold" ? this.#o.intervalMs : this.#o.retryMs);
  }

  #failed(err: unknown): void {
    this.#failures++;
    if (this.#state !== "failing") {
      // Once per outage: the gateway may simply not be up yet, and the next try says nothing more.
      this.#failureLog.failed(err, "model warm-up failed; retrying quietly");
    }
    this.#state = "failing";
    // Back off while it fails, up to one interval: an absent gateway is not hammered.
    this.#schedule(Math.min(this.#o.intervalMs, this.#o.retryMs * 2 ** Math.min(this.#failures - 1, 6)));
  }
}

/**
 * The back end as the gate sees it: every call's model request tells the warm-up, so it stays quiet
 * while calls are talking and counts its idle interval from their last turn.
 */
export function watchedByWarmUp(model: ModelBackend, warm: WarmUp): ModelBackend {
  return withComplete(model, async (req) => {
    warm.callStarted();
    try {
      await warm.clear();
      return await model.complete(req);
    } finally {
      warm.callEnded();
    }
  });
}
