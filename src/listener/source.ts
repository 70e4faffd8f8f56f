import { EventEmitter, setMaxListeners } from "node:events";
import { DeadlineError, RelayHttpError, RelayTransportError } from "../errors.js";
import type { Logger } from "../log.js";
import { errorSummary } from "../relay/error-summary.js";
import { Backoff, type BackoffOptions, type Deferred, deferred, settledOrAborted } from "../util/async.js";
import type { Clock } from "../util/clock.js";
import { MAX_RETRY_AFTER_MS, MIN_EMPTY_POLL_MS, POLL_BACKOFF, pollReturnedMs } from "./timings.js";
import type { Inbound, QueueWatch, RelayPort } from "./types.js";

export type SourceEnd = { reason: "stopped" } | { reason: "key_rejected"; error: RelayHttpError };

export interface SourceOptions {
  relay: Pick<RelayPort, "listen">;
  clock: Clock;
  logger: Logger;
  /** Server-side hold we ask for (the relay caps it at 25 s). */
  pollTimeoutS: number;
  /** Called synchronously for each message, before the next poll opens. */
  onMessage: (msg: Inbound) => void;
  backoff?: BackoffOptions;
  /** An empty poll that returns faster than this is paced like an error (a relay ignoring `timeout`). */
  minEmptyPollMs?: number;
}

export interface SourceEvents {
  /**
   * A poll failed in a way that can come after the relay popped a message (reset, timeout, an
   * unreadable body): that message is lost, and its caller hears fillers until someone answers.
   */
  poll_lost: [failedAt: number];
}

/** Poll failures after which the relay may already have popped (and so lost) a message. */
export function mayHaveLostMessage(err: unknown): boolean {
  if (err instanceof DeadlineError) return true;
  if (err instanceof RelayTransportError)
    return err.code !== "E_TRANSPORT_CONNECT" && err.code !== "E_TRANSPORT_ABORTED";
  return false;
}

/** What the source knows about the relay queue, for the "is the call quiet" test. */
interface PollState {
  /** Clock time the open poll was sent, if one is open. */
  openSince: number | undefined;
  /** Start and end of the last poll that came back empty. */
  lastEmpty: { startedAt: number; endedAt: number } | undefined;
}

/**
 * The long poll: exactly one `listen` open at all times, reopened the moment the previous one
 * returns (not after the turn it brought is answered). Every error class backs off with jitter
 * (POLL_BACKOFF, reset on success); 429 waits its Retry-After; 401 ends the source. After a failure
 * the relay counts as down until a poll comes back (`relayDown`, `waitForReturn`): other requests
 * wait for that instead of failing alongside the polls.
 *
 * `stop()` opens no new poll and lets the open one finish (an abandoned poll keeps waiting on the
 * relay and swallows the next message); only `abort()` cuts it. Messages go to the one sink
 * (`onMessage`); what else it sees is an event (`poll_lost`).
 */
export class PollSource extends EventEmitter<SourceEvents> implements QueueWatch {
  readonly #o: SourceOptions;
  readonly #log: Logger;
  readonly #backoff: Backoff;
  readonly #stopCtl = new AbortController();
  readonly #abortCtl = new AbortController();
  #state: PollState = { openSince: undefined, lastEmpty: undefined };
  #changed: Deferred = deferred();
  #running = false;
  #failures = 0;
  #lastPollAt: number | undefined;
  #lastFailureAt: number | undefined;
  /** Clock time of the last poll failure that may have swallowed a message (poll_lost). */
  #lastLostAt: number | undefined;
  /**
   * waitForQuiet and waitForReturn calls in progress: while there are any, polls only check the queue
   * (timeout 0), so each comes back at once with its proof.
   */
  #probeWaiters = 0;
  #lastError: string | undefined;
  #polls = 0;
  /** A poll back within this of being sent is healthy. */
  readonly #returnedMs: number;

  constructor(opts: SourceOptions) {
    super();
    this.#o = opts;
    this.#log = opts.logger;
    this.#backoff = new Backoff(opts.backoff ?? POLL_BACKOFF);
    this.#returnedMs = pollReturnedMs(opts.pollTimeoutS);
    setMaxListeners(0, this.#stopCtl.signal, this.#abortCtl.signal);
  }

  get stopping(): boolean {
    return this.#stopCtl.signal.aborted;
  }
  get polling(): boolean {
    return this.#state.openSince !== undefined;
  }
  /** Clock time of the last poll that returned (a message or empty). */
  get lastPollAt(): number | undefined {
    return this.#lastPollAt;
  }
  /** Clock time of the last poll that failed (error, timeout, unreadable answer). */
  get lastFailureAt(): number | undefined {
    return this.#lastFailureAt;
  }
  get lastError(): string | undefined {
    return this.#lastError;
  }
  /** A poll failed at or after `since` in a way that may have swallowed a message (see poll_lost). */
  pollLostSince(since: number): boolean {
    return this.#lastLostAt !== undefined && this.#lastLostAt >= since;
  }
  /** The last poll failed and none has come back since: other requests to the relay would fail too. */
  get relayDown(): boolean {
    return this.#failures > 0;
  }
  /** Polls sent so far (tests and status). */
  get polls(): number {
    return this.#polls;
  }

  /**
   * The poll loop is healthy: no poll failed since `noFailureSince`, and one came back within a poll
   * timeout and a margin, so it is not stuck now (a message queued on the relay has reached us).
   */
  pollHealthy(noFailureSince: number): boolean {
    const last = this.#lastPollAt;
    const failed = this.#lastFailureAt;
    if (failed !== undefined && failed >= noFailureSince) return false;
    return last !== undefined && this.#o.clock.now() - last <= this.#returnedMs;
  }

  /** Runs until stopped (after the open poll returns) or the key is rejected. */
  async run(): Promise<SourceEnd> {
    if (this.#running) throw new Error("PollSource.run called twice");
    this.#running = true;
    const { clock, relay, pollTimeoutS } = this.#o;
    const minEmpty = this.#o.minEmptyPollMs ?? MIN_EMPTY_POLL_MS;
    try {
      while (!this.stopping) {
        const startedAt = clock.now();
        this.#setState({ openSince: startedAt });
        this.#polls++;
        let res: Awaited<ReturnType<RelayPort["listen"]>>;
        // Someone waits for proof that the queue is empty: a poll that only checks it (the relay
        // answers at once) shows that on a busy relay too, between two messages, where a held poll
        // almost never comes back empty.
        const probe = this.#probeWaiters > 0;
        try {
          res = await relay.listen(probe ? 0 : pollTimeoutS, this.#abortCtl.signal);
        } catch (err) {
          if (this.#abortCtl.signal.aborted) {
            this.#setState({ openSince: undefined });
            break;
          }
          if (this.stopping) {
            // Stopping, the relay often closes too (`clawcall stop`, `--replace`): no warning, no backoff.
            // A message this poll may have swallowed is the next copy's start-up sweep's to find.
            this.#setState({ openSince: undefined });
            this.#log.debug({ err: errorSummary(err) }, "the open poll ended while stopping");
            break;
          }
          this.#lastFailureAt = clock.now();
          // Counted before anyone hears of it (poll_lost, waiters): from now on the relay is down.
          this.#failures++;
          this.#setState({ openSince: undefined });
          if (err instanceof RelayHttpError && err.status === 401) {
            this.#lastError = "the relay rejected the API key (401)";
            return { reason: "key_rejected", error: err };
          }
          if (mayHaveLostMessage(err)) {
            this.#lastLostAt = clock.now();
            this.emit("poll_lost", this.#lastLostAt);
          }
          const wait = this.#waitAfter(err);
          await clock.sleep(wait, this.#stopCtl.signal);
          continue;
        }
        const endedAt = clock.now();
        this.#lastPollAt = endedAt;
        if (this.#failures > 0) {
          this.#log.info({ failures: this.#failures }, "relay reachable again");
          this.#failures = 0;
          this.#lastError = undefined;
        }
        this.#backoff.reset();
        if ("call_sid" in res && typeof res.call_sid === "string") {
          this.#setState({ openSince: undefined });
          const message = typeof res.message === "string" ? res.message : "";
          try {
            this.#o.onMessage({ callSid: res.call_sid, message, receivedAt: endedAt });
          } catch (err) {
            this.#log.error({ err: errorSummary(err) }, "could not dispatch a message");
          }
        } else {
          this.#setState({ openSince: undefined, lastEmpty: { startedAt, endedAt } });
          this.#log.debug({ ms: endedAt - startedAt }, "empty poll");
          if (probe && !this.stopping) {
            await clock.sleep(minEmpty, this.#stopCtl.signal);
          } else if (endedAt - startedAt < minEmpty && !this.stopping) {
            // A relay that ignores `timeout` must not turn us into a busy loop.
            await clock.sleep(Math.max(minEmpty, this.#backoff.next()), this.#stopCtl.signal);
          }
        }
      }
      return { reason: "stopped" };
    } finally {
      this.#setState({ openSince: undefined });
      this.#running = false;
    }
  }

  /** Opens no new poll and cuts any backoff sleep; the open poll runs to its end. */
  stop(): void {
    this.#stopCtl.abort();
  }

  /** Also abandons the open poll (grace period over, or a second signal). */
  abort(): void {
    this.#stopCtl.abort();
    this.#abortCtl.abort();
  }

  /**
   * Resolves true once the relay queue is shown to be empty after `since`: a poll sent at or after
   * `since` came back empty, so the relay held it for its whole timeout with nothing queued. Any
   * message queued before that moment has reached us (or went to another poller). An open poll
   * proves nothing — it may be stuck in front of the relay (a saturated thread pool, a proxy) rather
   * than waiting on the queue. False when `signal` aborts or the source stops.
   */
  async waitForQuiet(since: number, signal?: AbortSignal): Promise<boolean> {
    this.#probeWaiters++;
    try {
      return await this.#waitForQuiet(since, signal);
    } finally {
      this.#probeWaiters--;
    }
  }

  /**
   * Resolves true once the relay is reachable: at once if the last poll did not fail, else when a poll
   * comes back. False when `signal` aborts or the source stops. While anyone waits, polls only check
   * the queue, so the first one after an outage comes back at once instead of a poll timeout later.
   */
  async waitForReturn(signal?: AbortSignal): Promise<boolean> {
    this.#probeWaiters++;
    try {
      for (;;) {
        if (signal?.aborted) return false;
        if (!this.relayDown) return true;
        if (!this.#running) return false;
        await settledOrAborted(this.#changed.promise, signal);
      }
    } finally {
      this.#probeWaiters--;
    }
  }

  async #waitForQuiet(since: number, signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) return false;
      const s = this.#state;
      if (s.lastEmpty && s.lastEmpty.startedAt >= since) return true;
      if (!this.#running) return false;
      await settledOrAborted(this.#changed.promise, signal);
    }
  }

  #setState(patch: Partial<PollState>): void {
    this.#state = { ...this.#state, ...patch };
    const prev = this.#changed;
    this.#changed = deferred();
    prev.resolve();
  }

  /** How long to wait after a failed poll; logs once per streak at warn, then at debug. */
  #waitAfter(err: unknown): number {
    let wait: number;
    let retryAfter = false;
    if (err instanceof RelayHttpError && err.status === 429) {
      if (err.retryAfterMs !== undefined) {
        wait = Math.min(err.retryAfterMs, MAX_RETRY_AFTER_MS);
        retryAfter = true;
        // Still count it, so a relay that keeps saying 429 without a header backs off properly.
        this.#backoff.next();
      } else {
        wait = this.#backoff.next();
      }
    } else {
      wait = this.#backoff.next();
    }
    const summary = errorSummary(err);
    this.#lastError = summary;
    const fields = { err: summary, waitMs: wait, failures: this.#failures, retryAfter };
    if (this.#failures === 1) this.#log.warn(fields, "poll failed; backing off");
    else this.#log.debug(fields, "poll failed again");
    return wait;
  }
}
