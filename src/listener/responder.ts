import { ClawcallError, DeadlineError, RelayHttpError, RelayTransportError } from "../errors.js";
import type { Logger } from "../log.js";
import { errorSummary } from "../relay/error-summary.js";
import { Backoff, withDeadline } from "../util/async.js";
import type { Clock } from "../util/clock.js";
import { PHRASES } from "./speech.js";
import {
  MAX_RETRY_AFTER_MS,
  QUIET_WAIT_MS,
  RESPOND_ATTEMPT_TIMEOUT_MS,
  RESPOND_BACKOFF,
  RETRY_WINDOW_MS,
} from "./timings.js";
import type { QueueWatch, RelayPort } from "./types.js";

/** Why an error leaves it open whether the relay took the answer. */
export type FailureClass = "not_sent" | "ambiguous" | "gone" | "rejected" | "key_rejected" | "aborted";

/**
 * Sorts a failed `respond` by what it says about delivery. Connection refused and 429 mean the relay
 * never took the answer (safe to send again at any time). A reset, a timeout, a 5xx or an HTML page
 * may come after the relay stored it (contract §4.1: resets before and after forwarding look alike).
 */
export function classifyRespondError(err: unknown): FailureClass {
  if (err instanceof RelayHttpError) {
    if (err.status === 404) return "gone";
    if (err.status === 401) return "key_rejected";
    if (err.status === 429) return "not_sent";
    if (err.status >= 500) return "ambiguous";
    return "rejected";
  }
  if (err instanceof RelayTransportError) {
    if (err.code === "E_TRANSPORT_ABORTED") return "aborted";
    if (err.code === "E_TRANSPORT_CONNECT") return "not_sent";
    return "ambiguous";
  }
  if (err instanceof DeadlineError) return "ambiguous";
  // Our own client refused to send it (invalid sid, empty text): nothing left the process.
  if (err instanceof ClawcallError && (err.code === "E_INVALID_INPUT" || err.code === "E_INVALID_CALL_SID"))
    return "rejected";
  return "ambiguous";
}

/** What one post says. */
interface Post {
  text: string;
  endCall: boolean;
}
/** Said instead of an answer that may land in the caller's next turn. */
const APOLOGY: Post = { text: PHRASES.lostTrain, endCall: false };

export type DeliverResult =
  | "delivered"
  | "superseded"
  | "gone"
  | "rejected"
  | "key_rejected"
  | "expired"
  | "aborted";

export interface DeliverRequest {
  callSid: string;
  text: string;
  endCall: boolean;
  /** After this clock time the answer is useless (third-party 12 s rule, slot lifetime, shutdown). */
  usefulUntil: number;
  /** False once a newer message for the call has arrived: stop at once. */
  isCurrent: () => boolean;
  /** Hard stop (grace over). */
  signal?: AbortSignal;
  logger?: Logger;
}

export interface ResponderOptions {
  relay: Pick<RelayPort, "respond">;
  clock: Clock;
  logger: Logger;
  /** The source's "the relay queue was empty after `since`" test (QueueWatch.waitForQuiet). */
  waitForQuiet: QueueWatch["waitForQuiet"];
  /**
   * QueueWatch.pollHealthy. The apology fallback waits for it: with the poll stuck, a newer message of
   * the caller's may sit in the queue, the apology would take its slot, and that message's answer
   * would then land in the turn after it.
   */
  pollHealthy?: QueueWatch["pollHealthy"];
  /**
   * QueueWatch.relayDown / waitForReturn: an answer the relay did not take while polls fail waits for
   * a poll to come back instead of being retried blind (each retry would fail too, and adds load).
   */
  relayDown?: () => boolean;
  waitForReturn?: QueueWatch["waitForReturn"];
  /**
   * PollSource.pollLostSince. A quiet call proves nothing about a message a failed poll swallowed: if
   * one failed after our answer may have been stored, the caller may have spoken since, and a repost
   * would land in that turn's slot. The apology goes instead (it fits any turn).
   */
  pollLostSince?: (since: number) => boolean;
  /** Timings (src/listener/timings.ts), scaled to the relay's phone time. */
  retryWindowMs?: number;
  attemptTimeoutMs?: number;
  quietWaitMs?: number;
  random?: () => number;
}

/**
 * Posts answers with the retry rule the relay's one-slot-per-call design forces:
 *  1. A newer message for the call has arrived → never post (newest wins).
 *  2. Not sent (connection refused, 429) → retry with backoff while the answer is useful.
 *  3. Ambiguous (reset, timeout, 5xx, HTML) → retry only inside RETRY_WINDOW_MS of the first attempt
 *     that may have been accepted; after that, post again only once the call is quiet — a poll sent
 *     after the failure came back empty, so the caller has said nothing new — and still no newer
 *     message.
 *     If the first post was accepted the repeat overwrites a slot already spoken (never heard); if it
 *     was lost the caller, who hears fillers meanwhile, gets the answer at the relay's next poll.
 *     Quiet not shown within QUIET_WAIT_MS → post the apology instead, which fits any turn.
 *  4. 404: the call is gone. 400 and other 4xx: our bug, logged at error. Neither is retried.
 */
export class Responder {
  readonly #o: ResponderOptions;
  readonly #window: number;
  readonly #attemptTimeout: number;
  readonly #quietWait: number;
  /** Per call: when the latest attempt the relay took (answered 200) was sent. */
  readonly #takenFrom = new Map<string, number>();

  constructor(opts: ResponderOptions) {
    this.#o = opts;
    this.#window = opts.retryWindowMs ?? RETRY_WINDOW_MS;
    this.#attemptTimeout = opts.attemptTimeoutMs ?? RESPOND_ATTEMPT_TIMEOUT_MS;
    this.#quietWait = opts.quietWaitMs ?? QUIET_WAIT_MS;
  }

  /**
   * The relay took a post for this call (an answer or an apology: it answered 200) that was sent at or
   * after `since`, so it stored it after `since`. The relay keeps one slot per call, reset when a
   * message is queued: what it stores lands in the turn of the call's latest message. So a message
   * queued before `since` (one a poll failing at `since` may have swallowed) got that post as its
   * reply, or the caller has spoken since: its caller is not waiting on it.
   */
  postTakenSince(callSid: string, since: number): boolean {
    const at = this.#takenFrom.get(callSid);
    return at !== undefined && at >= since;
  }

  async deliver(req: DeliverRequest): Promise<DeliverResult> {
    const { clock, relay } = this.#o;
    const log = req.logger ?? this.#o.logger;
    const backoff = new Backoff({ ...RESPOND_BACKOFF, random: this.#o.random });
    let windowEndsAt: number | undefined;
    /** Start of the first attempt the relay may have taken (its answer may have been spoken since). */
    let firstAmbiguousAt: number | undefined;
    let attempts = 0;
    let mustWaitQuietSince: number | undefined;
    let post: Post = { text: req.text, endCall: req.endCall };

    for (;;) {
      if (req.signal?.aborted) return "aborted";
      if (!req.isCurrent()) return "superseded";
      if (clock.now() >= req.usefulUntil) return "expired";

      if (mustWaitQuietSince !== undefined) {
        const next = await this.#afterQuiet(mustWaitQuietSince, req, post, firstAmbiguousAt, log);
        if (next === "again") {
          // Paced: a probe that answers at once (the source stopped) must not spin the event loop
          // until the answer expires, starving timers, signals and every other call.
          if (!(await this.#sleepUseful(backoff.next(), req))) return this.#why(req);
          continue;
        }
        if (typeof next === "string") return next;
        post = next;
      }

      const startedAt = clock.now();
      attempts++;
      try {
        // Raced as well: a respond that ignores its signal must not hold the turn.
        await withDeadline(
          this.#attemptTimeout,
          (signal) => relay.respond(req.callSid, post.text, post.endCall, { signal }),
          { sleep: clock.sleep, links: [req.signal] },
        );
        if (attempts > 1) log.info({ attempts }, "answer delivered after retry");
        this.#noteTaken(req.callSid, startedAt);
        return "delivered";
      } catch (err) {
        const cls = req.signal?.aborted ? "aborted" : classifyRespondError(err);
        const errText = errorSummary(err);
        switch (cls) {
          case "gone":
            log.info({ err: errText }, "call is gone (404); answer dropped");
            return "gone";
          case "rejected":
            log.error({ err: errText }, "relay refused the answer as invalid; not retrying (a bug)");
            return "rejected";
          case "key_rejected":
            log.error({ err: errText }, "relay rejected the API key while answering");
            return "key_rejected";
          case "aborted":
            return "aborted";
          case "not_sent": {
            const retryAfter = err instanceof RelayHttpError ? err.retryAfterMs : undefined;
            const wait = retryAfter !== undefined ? Math.min(retryAfter, MAX_RETRY_AFTER_MS) : backoff.next();
            // Not taken means the slot is untouched; any window already open keeps its end.
            if (retryAfter === undefined && this.#o.relayDown?.() && this.#o.waitForReturn) {
              log.warn({ err: errText, attempts }, "answer not taken; retrying once the relay is back");
              if (!(await this.#returned(req))) return this.#why(req);
              continue;
            }
            log.warn({ err: errText, waitMs: wait, attempts }, "answer not taken; retrying");
            if (!(await this.#sleepUseful(wait, req))) return this.#why(req);
            continue;
          }
          case "ambiguous": {
            firstAmbiguousAt ??= startedAt;
            windowEndsAt ??= startedAt + this.#window;
            const wait = backoff.next();
            if (mustWaitQuietSince === undefined && clock.now() + wait < windowEndsAt) {
              log.warn(
                { err: errText, waitMs: wait, attempts },
                "answer may be lost; retrying inside window",
              );
              if (!(await this.#sleepUseful(wait, req))) return this.#why(req);
              // The window bounds when the retry leaves, not when it was planned: on a loaded machine
              // a 50 ms backoff sleep can take half a second, by when the first post may have been
              // spoken and the caller's next words queued (the chaos test saw a retry leave 490 ms
              // after a stored post, 140 ms before them). Past the window, quiet first.
              if (clock.now() < windowEndsAt) continue;
              log.warn(
                { overranMs: clock.now() - windowEndsAt, attempts },
                "the retry window ended during the backoff; posting again once the call is quiet",
              );
              mustWaitQuietSince = clock.now();
              continue;
            }
            log.warn(
              { err: errText, attempts },
              "answer may be lost and the retry window is over; posting again once the call is quiet",
            );
            // Pace repeated failures in quiet mode too.
            if (!(await this.#sleepUseful(wait, req))) return this.#why(req);
            mustWaitQuietSince = clock.now();
            continue;
          }
        }
      }
    }
  }

  /**
   * After a post the relay may have taken: waits for the call to be shown quiet, then says what to
   * post (the answer, or the apology when the caller may have spoken since), "again" to wait once
   * more, or how the delivery ends.
   */
  async #afterQuiet(
    since: number,
    req: DeliverRequest,
    post: Post,
    firstAmbiguousAt: number | undefined,
    log: Logger,
  ): Promise<Post | "again" | DeliverResult> {
    const { clock } = this.#o;
    const quiet = await this.#quiet(since, req);
    if (req.signal?.aborted) return "aborted";
    if (!req.isCurrent()) return "superseded";
    if (post.text === PHRASES.lostTrain) {
      if (!quiet && clock.now() >= req.usefulUntil) return "expired";
      if (!quiet && this.#o.pollHealthy && !this.#o.pollHealthy(clock.now() - this.#quietWait))
        return "again";
      return post;
    }
    if (quiet && firstAmbiguousAt !== undefined && this.#o.pollLostSince?.(firstAmbiguousAt)) {
      log.warn(
        "a poll that may have swallowed the caller's next words failed since; posting the apology instead of the answer",
      );
      return APOLOGY;
    }
    if (quiet) return post;
    if (clock.now() >= req.usefulUntil) return "expired";
    if (this.#o.pollHealthy && !this.#o.pollHealthy(clock.now() - this.#quietWait)) return "again";
    log.warn(
      { waitedMs: clock.now() - since },
      "the call was never shown quiet; posting the apology instead of the answer",
    );
    return APOLOGY;
  }

  /** True once the call is shown quiet; false when the signal aborts or the bounded wait runs out. */
  #quiet(since: number, req: DeliverRequest): Promise<boolean> {
    const { clock } = this.#o;
    const until = Math.min(req.usefulUntil, clock.now() + this.#quietWait);
    // Raced too: a probe that ignores its signal must not hold the answer past the bound.
    return withDeadline(until - clock.now(), (signal) => this.#o.waitForQuiet(since, signal), {
      sleep: clock.sleep,
      links: [req.signal],
    }).catch(() => false);
  }

  /** True once a poll comes back; false when the answer stops being useful or current first. */
  #returned(req: DeliverRequest): Promise<boolean> {
    const { clock } = this.#o;
    return withDeadline(
      req.usefulUntil - clock.now(),
      async (signal) => (await this.#o.waitForReturn!(signal)) && req.isCurrent(),
      { sleep: clock.sleep, links: [req.signal] },
    ).catch(() => false);
  }

  #noteTaken(callSid: string, sentAt: number): void {
    const prev = this.#takenFrom.get(callSid);
    this.#takenFrom.delete(callSid);
    this.#takenFrom.set(callSid, Math.max(prev ?? sentAt, sentAt));
    if (this.#takenFrom.size > 10_000) {
      const oldest = this.#takenFrom.keys().next().value;
      if (oldest !== undefined) this.#takenFrom.delete(oldest);
    }
  }

  async #sleepUseful(ms: number, req: DeliverRequest): Promise<boolean> {
    const left = req.usefulUntil - this.#o.clock.now();
    if (ms >= left) return false;
    const ok = await this.#o.clock.sleep(ms, req.signal);
    return ok && req.isCurrent();
  }

  #why(req: DeliverRequest): DeliverResult {
    if (req.signal?.aborted) return "aborted";
    if (!req.isCurrent()) return "superseded";
    return "expired";
  }
}
