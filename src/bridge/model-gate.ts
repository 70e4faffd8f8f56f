/**
 * The gate every model call goes through: how many run at once, how long a turn may wait for one,
 * and what happens at that budget (a phone turn answers with a holding line and lets the work go on
 * in the background; a third-party turn gives up). One object, so the policy can change in one place.
 *
 * Two pools: live turns hold a slot of `maxCalls`; at the phone deadline the work moves to the
 * smaller background pool (at most one per phone call), so hung background work can never take the
 * slot a caller's next live turn needs. Work with no room in the background is cut at the deadline.
 */
import { ClawcallError, DeadlineError } from "../errors.js";
import { InFlight, Semaphore } from "../util/async.js";
import type { ModelBackend, ModelRequest } from "./model/index.js";

export type ModelOutcome =
  | { kind: "ok"; text: string; via: string }
  | { kind: "error"; err: unknown }
  /**
   * The turn's budget passed; `late` settles with the eventual text (undefined when it failed). With
   * `said` (whole sentences streamed before the deadline, to be spoken now), `late` settles with the
   * rest only, "" when nothing is left.
   */
  | { kind: "late"; late: Promise<string | undefined>; said?: string };

/** `phone`: the user's own calls (defer at the phone deadline). `third_party`: abort at its budget. */
export type TurnBudget = "phone" | "third_party";

export interface ModelGateOptions {
  model: ModelBackend;
  /** Live model calls at once; beyond it the gate answers E_MODEL_BUSY at once. Default 16. */
  maxCalls?: number;
  /** Model calls going on in the background (deferred answers) at once. Default 4. */
  maxBackground?: number;
  /** The phone deadline of one turn (`CLAWCALL_PHONE_TIMEOUT_MS`). */
  phoneTimeoutMs: number;
  /** Budget for third-party turns (a later answer is lost by the relay). Default 10 s, capped by the phone deadline. */
  thirdPartyBudgetMs?: number;
  /** Deadline for a model call that goes on in the background. Default 120 s, at least the phone deadline. */
  workTimeoutMs?: number;
  /** Told how every model call ended, so the bridge knows whether its model is reachable. */
  brain?: { noteOk(): void; noteError(err: unknown): void };
  /** A call that went on in the background failed (nobody is waiting for it any more). */
  onLateFailure(err: unknown): void;
  /** Monotonic ms, the clock turn starts are measured on. Default `performance.now`. */
  monotonic?: () => number;
}

export class ModelGate {
  readonly model: ModelBackend;
  readonly maxCalls: number;
  readonly maxBackground: number;
  readonly phoneTimeoutMs: number;
  readonly thirdPartyBudgetMs: number;
  readonly workTimeoutMs: number;
  readonly #live: Semaphore;
  readonly #bg: Semaphore;
  /** Phone calls that have a model call going on in the background. */
  readonly #bgSids = new Set<string>();
  /** Every model call in flight, so shutdown can cut them short. */
  readonly #work = new Set<AbortController>();
  readonly #background = new InFlight();
  readonly #onLateFailure: (err: unknown) => void;
  readonly #brain: ModelGateOptions["brain"];
  readonly #monotonic: () => number;
  #closed = false;

  constructor(o: ModelGateOptions) {
    this.model = o.model;
    this.maxCalls = o.maxCalls ?? 16;
    this.maxBackground = o.maxBackground ?? 4;
    this.phoneTimeoutMs = o.phoneTimeoutMs;
    this.thirdPartyBudgetMs = Math.min(o.thirdPartyBudgetMs ?? 10_000, o.phoneTimeoutMs);
    this.workTimeoutMs = Math.max(o.workTimeoutMs ?? 120_000, o.phoneTimeoutMs);
    this.#live = new Semaphore(this.maxCalls);
    this.#bg = new Semaphore(this.maxBackground);
    this.#onLateFailure = o.onLateFailure;
    this.#brain = o.brain;
    this.#monotonic = o.monotonic ?? (() => performance.now());
  }

  /** Model calls running now, live and in the background. */
  get active(): number {
    return this.maxCalls - this.#live.free + this.maxBackground - this.#bg.free;
  }

  /** Background work still running (model calls and what waits on them). */
  get background(): number {
    return this.#background.count;
  }

  /** Counts `p` as background work (a deferred answer being delivered, say). */
  track<T>(p: Promise<T>): Promise<T> {
    const counted = this.#background.run(() => p);
    counted.catch(() => {});
    return counted;
  }

  /** Resolves when no background work is left. */
  idle(): Promise<void> {
    return this.#background.idle();
  }

  /** Shutdown: cuts every model call short and refuses new ones (callers have a line already). */
  abortAll(): void {
    this.#closed = true;
    const reason = new ClawcallError("E_MODEL_ABORTED", "the bridge is shutting down");
    for (const c of this.#work) c.abort(reason);
  }

  /**
   * Runs the model for a turn that started at `t0` (on the monotonic clock). Resolves within the
   * turn's budget: with the reply, an error, or (phone turns) `late` while the work goes on.
   */
  run(
    req: Omit<ModelRequest, "signal">,
    budget: TurnBudget,
    t0: number,
    /** A shorter phone deadline for this turn (something else is ready to be said). */
    phoneDeadlineMs?: number,
  ): Promise<ModelOutcome> {
    if (this.#closed) {
      return Promise.resolve({
        kind: "error",
        err: new ClawcallError("E_MODEL_ABORTED", "the bridge is shutting down"),
      });
    }
    if (!this.#live.tryAcquire()) {
      return Promise.resolve({
        kind: "error",
        err: new ClawcallError("E_MODEL_BUSY", `all ${this.maxCalls} model slots are taken`),
      });
    }
    const total =
      budget === "phone"
        ? Math.min(this.phoneTimeoutMs, phoneDeadlineMs ?? Number.POSITIVE_INFINITY)
        : this.thirdPartyBudgetMs;
    const left = total - (this.#monotonic() - t0);
    const work = new AbortController();
    this.#work.add(work);
    // Which pool the call holds: live until the phone deadline moves it to the background.
    let held: "live" | "background" = "live";
    const workMs = this.workTimeoutMs;
    const workTimer =
      budget === "third_party"
        ? undefined
        : setTimeout(() => work.abort(new DeadlineError("model work", workMs)), workMs).unref();
    // Phone turns: the streamed reply so far, so the deadline can speak its whole sentences.
    let soFar = "";
    const onText = (t: string) => {
      soFar = t;
    };
    const p = this.track(
      this.model
        .complete({ ...req, signal: work.signal, ...(budget === "phone" ? { onText } : {}) })
        .then(
          (r) => {
            this.#brain?.noteOk();
            return r;
          },
          (err) => {
            this.#brain?.noteError(err);
            throw err;
          },
        )
        .finally(() => {
          clearTimeout(workTimer);
          this.#work.delete(work);
          if (held === "live") this.#live.release();
          else {
            this.#bg.release();
            this.#bgSids.delete(req.callSid);
          }
        }),
    );
    return new Promise((resolve) => {
      let settled = false;
      const settle = (o: ModelOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(o);
      };
      const cut = (err: unknown) => {
        work.abort(err);
        settle({ kind: "error", err });
      };
      const timer = setTimeout(
        () => {
          if (budget === "third_party") return cut(new DeadlineError("the model", total));
          if (this.#bgSids.has(req.callSid)) {
            return cut(
              new ClawcallError("E_MODEL_BUSY", "this call already has a model call in the background"),
            );
          }
          if (!this.#bg.tryAcquire()) {
            return cut(
              new ClawcallError("E_MODEL_BUSY", `all ${this.maxBackground} background slots are taken`),
            );
          }
          held = "background";
          this.#bgSids.add(req.callSid);
          this.#live.release();
          const said = wholeSentences(soFar);
          if (!said) return settle({ kind: "late", late: this.#lateText(p) });
          settle({ kind: "late", said, late: this.#lateText(p).then((t) => restAfter(t, said)) });
        },
        Math.max(0, left),
      );
      timer.unref();
      p.then(
        (r) => settle({ kind: "ok", text: r.text, via: r.via }),
        (err) => settle({ kind: "error", err }),
      );
    });
  }

  #lateText(p: Promise<{ text: string }>): Promise<string | undefined> {
    return p.then(
      (r) => r.text,
      (err) => {
        this.#onLateFailure(err);
        return undefined;
      },
    );
  }
}

/**
 * The streamed text up to its last sentence end that has something after it (a space): a stop at the
 * very end may be "3." of "3.5", still arriving.
 */
export function wholeSentences(text: string): string {
  const m = /^[\s\S]*[.!?]["')\]]?(?=\s)/.exec(text);
  return m ? m[0].trim() : "";
}

/** What is left to tell once `said` was spoken ("" for nothing); the whole text if it does not start so. */
function restAfter(text: string | undefined, said: string): string | undefined {
  if (text === undefined) return undefined;
  return text.startsWith(said) ? text.slice(said.length).trim() : text;
}
