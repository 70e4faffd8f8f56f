import { setMaxListeners } from "node:events";
import { EXIT } from "../exit-codes.js";
import type { Logger } from "../log.js";
import { errorSummary } from "../relay/error-summary.js";
import { settledOrAborted, settledWithin } from "../util/async.js";
import type { Clock } from "../util/clock.js";
import { Dispatcher } from "./dispatcher.js";
import type { CallRecord, Journal } from "./journal.js";
import { Sweeper, type SweepReport } from "./recovery.js";
import { Responder } from "./responder.js";
import { PollSource } from "./source.js";
import { type ListenerTimings, listenerTimings } from "./timings.js";
import type { Agent, RelayPort } from "./types.js";

export interface ListenerOptions {
  relay: RelayPort;
  agent: Agent;
  clock: Clock;
  logger: Logger;
  pollTimeoutS: number;
  maxTurns: number;
  journal?: Journal | undefined;
  /** Agent deadline for user-facing turns, ms (`turnDeadlineMs`: a little past the bridge's phone deadline). */
  turnMs?: number;
  /**
   * How much faster than real time the relay's phone runs (the sandbox's time scale; 1 for the real
   * relay). Divides the phone-time rules: retry window, third-party budget, slot lifetime.
   */
  phoneTimeScale?: number;
  /** Shutdown grace; default poll timeout + 5 s. */
  graceMs?: number;
  random?: () => number;
  /** Skip the restart and lost-poll sweeps (unit tests). */
  recovery?: boolean;
  /**
   * How the previous listener for this state dir ended, from its status file: `clean` (it let its
   * poll finish and answered everything: no history sweep needed), `crashed`, `none` (no listener ran
   * here before: with an empty journal there is nothing to sweep), or `unknown`.
   */
  previousRun?: "clean" | "crashed" | "none" | "unknown";
}

export interface ListenerExit {
  code: number;
  reason: "stopped" | "key_rejected" | "crashed";
  recovery?: SweepReport | undefined;
}

export interface ListenerSnapshot {
  state: "starting" | "running" | "stopping" | "stopped";
  polling: boolean;
  lastPollAt: number | undefined;
  turnsAnswered: number;
  inFlight: number;
  lastError: string | undefined;
}

/**
 * Wires source → dispatcher → agent → responder, runs the restart sweep, and owns shutdown:
 * `shutdown()` opens no new poll, lets the open one finish and answers what it brings, finishes every
 * turn (fallback at the deadline), and ends within the grace. Each turn's outcome is a `turn` event
 * on `dispatcher`.
 */
export class Listener {
  readonly source: PollSource;
  readonly dispatcher: Dispatcher;
  readonly responder: Responder;
  readonly timings: ListenerTimings;
  readonly #o: ListenerOptions;
  readonly #log: Logger;
  readonly #sweeper: Sweeper;
  readonly #hardCtl = new AbortController();
  /** Sweeps stop with the first signal: no poll will show the queue drained any more. */
  readonly #sweepCtl = new AbortController();
  /** Aborts when the shutdown grace is over (or on a hard stop). */
  readonly #graceCtl = new AbortController();
  #state: ListenerSnapshot["state"] = "starting";
  #shutdownAt: number | undefined;
  #keyRejected = false;
  #lostAt: number | undefined;
  #sweeping = false;
  #lostSweep: Promise<void> = Promise.resolve();
  #recovery: SweepReport | undefined;

  constructor(opts: ListenerOptions) {
    this.#o = opts;
    this.#log = opts.logger;
    const t = listenerTimings(opts);
    this.timings = t;
    const { relay, clock, logger, journal } = opts;
    const random = opts.random ? { random: opts.random } : {};
    setMaxListeners(0, this.#hardCtl.signal, this.#sweepCtl.signal);
    this.source = new PollSource({
      relay,
      clock,
      logger,
      pollTimeoutS: opts.pollTimeoutS,
      onMessage: (m) => this.dispatcher.push(m),
    });
    this.source.on("poll_lost", (at) => this.#pollLost(at));
    this.responder = new Responder({
      relay,
      clock,
      logger,
      waitForQuiet: (since, signal) => this.source.waitForQuiet(since, signal),
      pollHealthy: (since) => this.source.pollHealthy(since),
      relayDown: () => this.source.relayDown,
      waitForReturn: (signal) => this.source.waitForReturn(signal),
      pollLostSince: (since) => this.source.pollLostSince(since),
      retryWindowMs: t.retryWindowMs,
      attemptTimeoutMs: t.attemptTimeoutMs,
      quietWaitMs: t.quietWaitMs,
      ...random,
    });
    this.dispatcher = new Dispatcher({
      agent: opts.agent,
      responder: this.responder,
      journal,
      clock,
      logger,
      maxTurns: opts.maxTurns,
      budgets: t.turns,
    });
    this.dispatcher.on("key_rejected", () => {
      this.#keyRejected = true;
      this.source.abort();
    });
    const queue = this.source;
    const calls = this.dispatcher;
    const deps = { relay, responder: this.responder, journal, queue, calls, clock, logger, ...random };
    this.#sweeper = new Sweeper({ ...deps, signal: this.#sweepCtl.signal }, t.sweep);
  }

  snapshot(): ListenerSnapshot {
    return {
      state: this.#state,
      polling: this.source.polling,
      lastPollAt: this.source.lastPollAt,
      turnsAnswered: this.dispatcher.turnsAnswered,
      inFlight: this.dispatcher.inFlight,
      lastError: this.source.lastError ?? this.dispatcher.lastError,
    };
  }

  async run(): Promise<ListenerExit> {
    const { clock } = this.#o;
    const finalDrain = { sleep: clock.sleep };
    const { finalDrainMs } = this.timings.shutdown;
    const startedAt = clock.now();
    const loaded = this.#o.journal?.load() ?? [];
    this.#state = "running";
    const sourceP = this.source.run();
    const recoveryP =
      this.#o.recovery === false || !this.#o.journal
        ? Promise.resolve()
        : this.#restartSweep(loaded, startedAt)
            .then((r) => {
              this.#recovery = r;
            })
            .catch((err) => this.#log.error({ err: errorSummary(err) }, "restart sweep failed"));

    let end: Awaited<typeof sourceP>;
    try {
      end = await sourceP;
    } catch (err) {
      this.#log.fatal({ err: errorSummary(err) }, "poll loop crashed");
      this.#hardStop();
      return this.#stopped(EXIT.FAILURE, "crashed");
    }

    if (end.reason === "key_rejected" || this.#keyRejected) {
      // Nothing can be answered with a rejected key: stop now, no retry loop.
      this.#hardStop();
      await settledWithin(this.dispatcher.drain(), finalDrainMs, finalDrain);
      return this.#stopped(EXIT.KEY_REJECTED, "key_rejected");
    }

    // Stopped by shutdown(): the last poll has returned and its message is dispatched.
    this.#log.info({ inFlight: this.dispatcher.inFlight }, "poll closed; finishing turns in flight");
    if (!(await settledOrAborted(this.dispatcher.drain(), this.#graceCtl.signal))) {
      this.#log.warn({ inFlight: this.dispatcher.inFlight }, "grace period over; abandoning turns in flight");
      this.#hardStop();
      await settledWithin(this.dispatcher.drain(), finalDrainMs, finalDrain);
    }
    await settledWithin(Promise.all([recoveryP, this.#lostSweep]), finalDrainMs, finalDrain);
    return this.#stopped(EXIT.OK, "stopped");
  }

  /** Graceful stop (first SIGINT/SIGTERM). Idempotent. */
  shutdown(): void {
    if (this.#shutdownAt !== undefined) return;
    const { clock } = this.#o;
    const t = this.timings.shutdown;
    const now = clock.now();
    this.#shutdownAt = now;
    this.#state = "stopping";
    this.#log.info(
      { inFlight: this.dispatcher.inFlight, graceMs: t.graceMs },
      "stopping: no new poll; letting the open one finish",
    );
    this.dispatcher.beginShutdown(now + t.fallbackAtMs, now + t.lastPostAtMs);
    this.source.stop();
    this.#sweepCtl.abort();
    // The open poll returns by its timeout on a healthy relay; one that hangs is cut before the end.
    void clock.sleep(t.pollCutAtMs, this.#hardCtl.signal).then((fired) => {
      if (fired && this.source.polling) {
        this.#log.warn("the open poll did not return in time; abandoning it");
        this.source.abort();
      }
    });
    void clock.sleep(t.graceMs, this.#hardCtl.signal).then((fired) => {
      if (fired) this.#graceCtl.abort();
    });
  }

  #stopped(code: number, reason: ListenerExit["reason"]): ListenerExit {
    this.#state = "stopped";
    return { code, reason, recovery: this.#recovery };
  }

  /**
   * Restart sweep, in two passes: at once (the journal's open turns; in-progress calls from the
   * relay's history), and — unless the previous listener stopped cleanly — again once an orphaned
   * poll of the previous process must have ended, for calls whose message it swallowed meanwhile.
   */
  async #restartSweep(loaded: CallRecord[], startedAt: number): Promise<SweepReport> {
    const { clock } = this.#o;
    if (this.#o.previousRun === "none" && loaded.length === 0) {
      // A first start: no earlier process held a poll or a turn, so no caller can be waiting on one.
      // Any pass would only make the first calls wait (the second one a whole poll timeout).
      this.#log.info({ previousRun: "none", candidates: 0, apologised: 0 }, "restart sweep done");
      return { mode: "restart", candidates: [], apologised: [], skipped: [] };
    }
    const clean = this.#o.previousRun === "clean";
    const base = { mode: "restart" as const, since: startedAt };
    const first = await this.#sweeper.run({ ...base, loaded, history: !clean });
    const report = { ...first };
    this.#log.debug({ candidates: first.candidates.length, clean }, "restart sweep: first pass done");
    if (!clean) {
      // The previous process's last poll stays open on the relay for up to one poll timeout.
      const wait = startedAt + this.timings.orphanedPollMs - clock.now();
      const fired = wait <= 0 || (await clock.sleep(wait, this.#sweepCtl.signal));
      if (fired && this.#shutdownAt === undefined) {
        const exclude = new Set(first.candidates.map((c) => c.callSid));
        const second = await this.#sweeper.run({ ...base, loaded: [], exclude, startedBefore: clock.now() });
        report.candidates = [...first.candidates, ...second.candidates];
        report.apologised = [...first.apologised, ...second.apologised];
        report.skipped = [...first.skipped, ...second.skipped];
      }
    }
    this.#log.info(
      {
        previousRun: this.#o.previousRun ?? "unknown",
        candidates: report.candidates.length,
        apologised: report.apologised.length,
      },
      "restart sweep done",
    );
    return report;
  }

  /** A poll may have swallowed a message: once polling is healthy again, sweep for its caller. */
  #pollLost(at: number): void {
    if (this.#shutdownAt !== undefined || this.#o.recovery === false) return;
    // The latest failure, not the first: a caller who spoke after an earlier failure may have lost
    // their next message in a later one, and "spoke since" must not skip them (all the earlier
    // failures' callers have not spoken since the latest either).
    this.#lostAt = at;
    if (this.#sweeping) return;
    this.#sweeping = true;
    this.#lostSweep = (async () => {
      try {
        while (
          this.#lostAt !== undefined &&
          this.#shutdownAt === undefined &&
          !this.#sweepCtl.signal.aborted
        ) {
          const since = this.#lostAt;
          this.#lostAt = undefined;
          try {
            const r = await this.#sweeper.run({ mode: "poll_lost", since });
            // Owed until it has run against a reachable relay: history failed because the relay went
            // down again, so run it once more when it is back (its reads wait for that).
            if (r.historyError !== undefined && this.source.relayDown) this.#lostAt ??= since;
          } catch (err) {
            this.#log.error({ err: errorSummary(err) }, "lost-poll sweep failed");
          }
        }
      } finally {
        this.#sweeping = false;
      }
    })();
  }

  #hardStop(): void {
    this.#sweepCtl.abort();
    this.source.abort();
    this.dispatcher.abortAll();
    this.#hardCtl.abort();
    this.#graceCtl.abort();
  }
}
