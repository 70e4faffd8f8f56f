import { setMaxListeners } from "node:events";
import { EXIT } from "../exit-codes.js";
import type { Logger } from "../log.js";
import type { BackoffOptions } from "./backoff.js";
import type { Clock } from "./clock.js";
import { DEFAULT_BUDGETS, Dispatcher, type TurnBudgets, type TurnReport } from "./dispatcher.js";
import { type CallRecord, type Journal, SLOT_LIFETIME_MS } from "./journal.js";
import { ANSWERED_RECENTLY_MS, SETTLE_MS, SWEEP_DRAIN_WAIT_MS, type SweepReport, sweep } from "./recovery.js";
import { QUIET_WAIT_MS, RETRY_WINDOW_MS, Responder } from "./responder.js";
import { describeError, PollSource } from "./source.js";
import type { Agent, RelayPort } from "./types.js";

export interface ListenerOptions {
  relay: RelayPort;
  agent: Agent;
  clock: Clock;
  logger: Logger;
  pollTimeoutS: number;
  maxTurns: number;
  journal?: Journal | undefined;
  /** Agent deadline for user-facing turns, ms (HTTP: a little past the bridge's phone deadline). */
  turnMs?: number;
  /**
   * How much faster than real time the relay's phone runs (the sandbox's time scale; 1 for the real
   * relay). Divides the phone-time rules: retry window, third-party budget, slot lifetime.
   */
  phoneTimeScale?: number;
  /** Shutdown grace; default poll timeout + 5 s. */
  graceMs?: number;
  pollBackoff?: BackoffOptions;
  random?: () => number;
  /** Skip the restart and lost-poll sweeps (unit tests). */
  recovery?: boolean;
  /**
   * How the previous listener for this state dir ended, from its status file: `clean` (it let its
   * poll finish and answered everything: no history sweep needed), `crashed`, or `unknown`.
   */
  previousRun?: "clean" | "crashed" | "unknown";
  onTurn?: (r: TurnReport) => void;
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
 * turn (fallback at the deadline), and ends within `graceMs`.
 */
export class Listener {
  readonly source: PollSource;
  readonly dispatcher: Dispatcher;
  readonly responder: Responder;
  readonly #o: ListenerOptions;
  readonly #log: Logger;
  readonly #graceMs: number;
  readonly #scale: number;
  readonly #hardCtl = new AbortController();
  /** Sweeps stop with the first signal: no poll will show the queue drained any more. */
  readonly #sweepCtl = new AbortController();
  #state: ListenerSnapshot["state"] = "starting";
  #shutdownAt: number | undefined;
  #keyRejected = false;
  #lostAt: number | undefined;
  #sweeping = false;
  #lostSweep: Promise<void> = Promise.resolve();
  #graceOver: { promise: Promise<void>; resolve: () => void };

  constructor(opts: ListenerOptions) {
    this.#o = opts;
    this.#log = opts.logger;
    this.#scale = opts.phoneTimeScale && opts.phoneTimeScale > 0 ? opts.phoneTimeScale : 1;
    this.#graceMs = opts.graceMs ?? opts.pollTimeoutS * 1000 + 5_000;
    this.#graceOver = deferred();
    setMaxListeners(0, this.#hardCtl.signal, this.#sweepCtl.signal);
    this.source = new PollSource({
      relay: opts.relay,
      clock: opts.clock,
      logger: opts.logger,
      pollTimeoutS: opts.pollTimeoutS,
      onMessage: (m) => this.dispatcher.push(m),
      onPollLost: (at) => this.#pollLost(at),
      ...(opts.pollBackoff ? { backoff: { ...opts.pollBackoff, random: opts.random } } : {}),
    });
    this.responder = new Responder({
      relay: opts.relay,
      clock: opts.clock,
      logger: opts.logger,
      waitForQuiet: (since, signal) => this.source.waitForQuiet(since, signal),
      retryWindowMs: RETRY_WINDOW_MS / this.#scale,
      // Never give up on quiet before two polls could have shown it.
      quietWaitMs: Math.max(QUIET_WAIT_MS / this.#scale, 2 * opts.pollTimeoutS * 1000 + 2_000),
      pollHealthy: (since) => this.#pollHealthy(since),
      ...(opts.random ? { random: opts.random } : {}),
    });
    const budgets: Partial<TurnBudgets> = {
      turnMs: opts.turnMs ?? DEFAULT_BUDGETS.turnMs,
      thirdPartyMs: DEFAULT_BUDGETS.thirdPartyMs / this.#scale,
      thirdPartyUsefulMs: DEFAULT_BUDGETS.thirdPartyUsefulMs / this.#scale,
    };
    this.dispatcher = new Dispatcher({
      agent: opts.agent,
      responder: this.responder,
      journal: opts.journal,
      clock: opts.clock,
      logger: opts.logger,
      maxTurns: opts.maxTurns,
      budgets,
      ...(opts.onTurn ? { onAnswered: opts.onTurn } : {}),
      onKeyRejected: () => {
        this.#keyRejected = true;
        this.source.abort();
      },
    });
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
    const startedAt = clock.now();
    const loaded = this.#o.journal?.load() ?? [];
    this.#state = "running";
    const sourceP = this.source.run();
    let recovery: SweepReport | undefined;
    const recoveryP =
      this.#o.recovery === false || !this.#o.journal
        ? Promise.resolve()
        : this.#restartSweep(loaded, startedAt)
            .then((r) => {
              recovery = r;
            })
            .catch((err) => this.#log.error({ err: describeError(err) }, "restart sweep failed"));

    let end: Awaited<typeof sourceP>;
    try {
      end = await sourceP;
    } catch (err) {
      this.#log.fatal({ err: describeError(err) }, "poll loop crashed");
      this.#hardStop();
      this.#state = "stopped";
      return { code: EXIT.FAILURE, reason: "crashed", recovery };
    }

    if (end.reason === "key_rejected" || this.#keyRejected) {
      // Nothing can be answered with a rejected key: stop now, no retry loop.
      this.#hardStop();
      await race(this.dispatcher.drain(), clock, 1_000);
      this.#state = "stopped";
      return { code: EXIT.KEY_REJECTED, reason: "key_rejected", recovery };
    }

    // Stopped by shutdown(): the last poll has returned and its message is dispatched.
    this.#log.info({ inFlight: this.dispatcher.inFlight }, "poll closed; finishing turns in flight");
    const drained = await Promise.race([
      this.dispatcher.drain().then(() => true),
      this.#graceOver.promise.then(() => false),
    ]);
    if (!drained) {
      this.#log.warn({ inFlight: this.dispatcher.inFlight }, "grace period over; abandoning turns in flight");
      this.#hardStop();
      await race(this.dispatcher.drain(), clock, 1_000);
    }
    await race(Promise.all([recoveryP, this.#lostSweep]), clock, 1_000);
    this.#state = "stopped";
    return { code: EXIT.OK, reason: "stopped", recovery };
  }

  /** Graceful stop (first SIGINT/SIGTERM). Idempotent. */
  shutdown(): void {
    if (this.#shutdownAt !== undefined) return;
    const { clock } = this.#o;
    const now = clock.now();
    this.#shutdownAt = now;
    this.#state = "stopping";
    const graceEnd = now + this.#graceMs;
    this.#log.info(
      { inFlight: this.dispatcher.inFlight, graceMs: this.#graceMs },
      "stopping: no new poll; letting the open one finish",
    );
    this.dispatcher.beginShutdown(graceEnd - 2_500, graceEnd - 500);
    this.source.stop();
    this.#sweepCtl.abort();
    // The open poll returns by its timeout on a healthy relay; one that hangs is cut before the end.
    const pollCut = Math.min(this.#o.pollTimeoutS * 1000 + 2_500, this.#graceMs - 2_500);
    void clock.sleep(Math.max(0, pollCut), this.#hardCtl.signal).then((fired) => {
      if (fired && this.source.polling) {
        this.#log.warn("the open poll did not return in time; abandoning it");
        this.source.abort();
      }
    });
    void clock.sleep(this.#graceMs, this.#hardCtl.signal).then((fired) => {
      if (fired) this.#graceOver.resolve();
    });
  }

  /**
   * Restart sweep, in two passes: at once (the journal's open turns; in-progress calls from the
   * relay's history), and — unless the previous listener stopped cleanly — again once an orphaned
   * poll of the previous process must have ended, for calls whose message it swallowed meanwhile.
   */
  async #restartSweep(loaded: CallRecord[], startedAt: number): Promise<SweepReport> {
    const { clock } = this.#o;
    const clean = this.#o.previousRun === "clean";
    const base = {
      ...this.#sweepDeps(),
      mode: "restart" as const,
      since: startedAt,
      settleMs: ANSWERED_RECENTLY_MS / this.#scale,
      slotLifetimeMs: SLOT_LIFETIME_MS / this.#scale,
    };
    const first = await sweep({ ...base, loaded, history: !clean });
    const report = { ...first };
    this.#log.debug({ candidates: first.candidates.length, clean }, "restart sweep: first pass done");
    if (!clean) {
      // The previous process's last poll stays open on the relay for up to one poll timeout.
      const orphanMs = (this.#o.pollTimeoutS * 1000 + 2_000) / this.#scale;
      const wait = startedAt + orphanMs - clock.now();
      const fired = wait <= 0 || (await clock.sleep(wait, this.#sweepCtl.signal));
      if (fired && this.#shutdownAt === undefined) {
        const exclude = new Set(first.candidates.map((c) => c.callSid));
        const second = await sweep({ ...base, loaded: [], exclude, startedBefore: clock.now() });
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

  #sweepDeps() {
    return {
      relay: this.#o.relay,
      responder: this.responder,
      journal: this.#o.journal,
      waitForQuiet: (since: number, signal?: AbortSignal) => this.source.waitForQuiet(since, signal),
      lastSeen: (sid: string) => this.dispatcher.lastSeen(sid),
      isBusy: (sid: string) => this.dispatcher.isBusy(sid),
      clock: this.#o.clock,
      logger: this.#log,
      drainWaitMs: Math.max(SWEEP_DRAIN_WAIT_MS / this.#scale, 2 * this.#o.pollTimeoutS * 1000 + 2_000),
      lastPollAt: () => this.source.lastPollAt,
      pollHealthy: (since: number) => this.#pollHealthy(since),
      signal: this.#sweepCtl.signal,
    };
  }

  /**
   * The poll loop is healthy: no poll failed since `noFailureSince`, and one came back within a poll
   * timeout (plus a margin), so it is not stuck now.
   */
  #pollHealthy(noFailureSince: number): boolean {
    const last = this.source.lastPollAt;
    const failed = this.source.lastFailureAt;
    if (failed !== undefined && failed >= noFailureSince) return false;
    return last !== undefined && this.#o.clock.now() - last <= this.#o.pollTimeoutS * 1000 + 2_000;
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
            await sweep({
              ...this.#sweepDeps(),
              mode: "poll_lost",
              since,
              settleMs: SETTLE_MS / this.#scale,
              slotLifetimeMs: SLOT_LIFETIME_MS / this.#scale,
            });
          } catch (err) {
            this.#log.error({ err: describeError(err) }, "lost-poll sweep failed");
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
    this.#graceOver.resolve();
  }
}

async function race(p: Promise<unknown>, clock: Clock, ms: number): Promise<void> {
  const ctl = new AbortController();
  await Promise.race([p.catch(() => {}), clock.sleep(ms, ctl.signal)]);
  ctl.abort();
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export function buildListener(opts: ListenerOptions): Listener {
  return new Listener(opts);
}
