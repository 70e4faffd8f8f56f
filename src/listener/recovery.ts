import { RelayTransportError } from "../errors.js";
import type { Logger } from "../log.js";
import { callSidKind } from "../relay/call-sid.js";
import { errorSummary } from "../relay/error-summary.js";
import { Backoff, deadlineSignal } from "../util/async.js";
import type { Clock } from "../util/clock.js";
import type { CallRecord, Journal } from "./journal.js";
import type { Responder } from "./responder.js";
import { PHRASES } from "./speech.js";
import { HISTORY_ATTEMPTS, HISTORY_BACKOFF, type SweepTimings } from "./timings.js";
import type { CallWatch, QueueWatch, RelayPort } from "./types.js";

export type SweepMode = "restart" | "poll_lost";

/** What every sweep works with: built once by the listener. */
export interface SweepDeps {
  relay: Pick<RelayPort, "history">;
  responder: Pick<Responder, "deliver" | "postTakenSince">;
  journal?: Pick<Journal, "begin" | "finish" | "get"> | undefined;
  /** Is the relay queue drained, is the poll loop healthy (the source). */
  queue: QueueWatch;
  /** Has a call spoken since, is a turn of it being answered (the dispatcher). */
  calls: CallWatch;
  clock: Clock;
  logger: Logger;
  /** Stops every sweep: after the first shutdown signal no poll will show the queue drained. */
  signal: AbortSignal;
  random?: () => number;
}

/** One pass of a sweep. */
export interface SweepPass {
  mode: SweepMode;
  /**
   * Restart: when this process started polling. Lost poll: when the poll that may have swallowed a
   * message failed. Messages seen after it prove the call is not waiting on a lost one.
   */
  since: number;
  /** Restart only: the journal's records as loaded at start. */
  loaded?: readonly CallRecord[];
  /** Read `GET /calls/history` (default true). */
  history?: boolean;
  /** Calls already handled by an earlier pass. */
  exclude?: ReadonlySet<string>;
  /**
   * Restart: clock time after which a new call cannot have lost a message to the previous process
   * (this process's start plus the longest an orphaned poll stays open). Later calls are skipped.
   */
  startedBefore?: number;
}

export interface SweepReport {
  mode: SweepMode;
  candidates: { callSid: string; why: "journal" | "history" }[];
  apologised: string[];
  skipped: { callSid: string; why: string }[];
  historyError?: string;
}

type Why = "journal" | "history";

/**
 * Finds callers stuck in the relay's filler loop because a message of theirs was taken and never
 * answered, and sends each a short apology asking them to repeat.
 *
 * - `restart`: the journal's open turns younger than the slot lifetime (the previous process took
 *   them and died), plus calls the relay's history shows in progress that began in the last few
 *   minutes — their message may have gone into the dead process's orphaned poll, which no journal
 *   can see (a call answered moments ago only once that answer has surely been spoken).
 * - `poll_lost`: after a poll failed in a way that may come after the relay popped a message (a reset
 *   or a timeout), the in-progress calls we hold no turn for (answered moments ago: a little later),
 *   except those the relay took a post for that was sent after the failure.
 *
 * It first waits until the relay queue is drained (queued messages get real answers, not an
 * apology) and skips any call that has spoken since. An apology to a call whose turn was already
 * spoken is harmless: the relay never speaks a second answer to one turn.
 */
export class Sweeper {
  readonly #d: SweepDeps;
  readonly #t: SweepTimings;

  constructor(deps: SweepDeps, timings: SweepTimings) {
    this.#d = deps;
    this.#t = timings;
  }

  async run(pass: SweepPass): Promise<SweepReport> {
    const report: SweepReport = { mode: pass.mode, candidates: [], apologised: [], skipped: [] };
    const { chosen, notBefore } = await this.#candidates(pass, report);
    report.candidates = [...chosen].map(([callSid, why]) => ({ callSid, why }));
    if (chosen.size === 0) return report;
    this.#d.logger.info(
      { calls: chosen.size, mode: pass.mode },
      "callers may be waiting on a lost message; apologising once the queue is drained",
    );
    if (!(await this.#waitForDrain(pass, chosen, notBefore, report))) return report;
    await Promise.all([...chosen].map(([sid, why]) => this.#apologise(pass, sid, why, report)));
    if (pass.mode === "poll_lost")
      this.#d.logger.info(
        { candidates: chosen.size, apologised: report.apologised.length },
        "lost-poll sweep done",
      );
    return report;
  }

  /**
   * Lost poll: the relay took a post for this call (ours, an earlier sweep's apology) sent after the
   * failure. A message the failed poll swallowed was queued before it, so that post landed in its slot
   * and its caller heard a reply; nothing is owed. The caller may have spoken again since (an apology
   * asks them to), and that message sits in the queue or in a poll on its way to us: an apology now
   * would fill its slot, and its real answer would then land in the turn after it — every later turn
   * of the call one answer behind. (Seen in the chaos test: a second failure while the first sweep
   * waited for the relay made a second sweep apologise again, just after the caller repeated
   * themselves.) Not for restarts: the previous process's orphaned poll stays open past `since` and
   * can swallow a message that followed our post.
   */
  #answeredSince(pass: SweepPass, sid: string): boolean {
    return pass.mode === "poll_lost" && this.#d.responder.postTakenSince(sid, pass.since);
  }

  /** Messages seen for this call after the pass's `since` prove it is not waiting on a lost one. */
  #spokeSince(pass: SweepPass, sid: string): boolean {
    return (this.#d.calls.lastSeen(sid) ?? Number.NEGATIVE_INFINITY) >= pass.since;
  }

  /**
   * The calls to apologise to, and for calls answered moments ago the time before which their
   * apology must wait (until that answer has surely been spoken).
   */
  async #candidates(
    pass: SweepPass,
    report: SweepReport,
  ): Promise<{ chosen: Map<string, Why>; notBefore: Map<string, number> }> {
    const { clock, journal, calls } = this.#d;
    const now = clock.now();
    const settle = this.#t.settleMs[pass.mode];
    const chosen = new Map<string, Why>();
    const notBefore = new Map<string, number>();
    if (pass.mode === "restart") {
      for (const r of pass.loaded ?? []) {
        if (pass.exclude?.has(r.sid)) continue;
        if (r.state === "open" && now - r.at < this.#t.slotLifetimeMs && callSidKind(r.sid) === "call")
          chosen.set(r.sid, "journal");
      }
    }
    try {
      for (const c of pass.history === false ? [] : await this.#history()) {
        const sid = c.twilio_call_sid;
        if (!sid || callSidKind(sid) !== "call" || chosen.has(sid) || pass.exclude?.has(sid)) continue;
        if (c.status !== "in-progress") continue;
        const started = c.started_at ? Date.parse(c.started_at) : Number.NaN;
        if (!Number.isFinite(started) || now - started > this.#t.sweepWindowMs) continue;
        if (pass.startedBefore !== undefined && started > pass.startedBefore) continue;
        const rec = journal?.get(sid) ?? pass.loaded?.find((r) => r.sid === sid);
        if (rec?.state === "gone") continue;
        if (this.#answeredSince(pass, sid)) {
          report.skipped.push({ callSid: sid, why: "answered after the failure" });
          continue;
        }
        if (rec && rec.state !== "open" && now - (rec.doneAt ?? rec.at) < settle) {
          // Its answer may still sit unspoken in the slot (an apology now would replace it), but a
          // message the caller sent since may have gone into an orphaned or failed poll: skipping the
          // call would leave that caller in the filler loop. So apologise later, once it is spoken.
          notBefore.set(sid, (rec.doneAt ?? rec.at) + settle);
        }
        if (calls.isBusy(sid) || this.#spokeSince(pass, sid)) continue;
        chosen.set(sid, "history");
      }
    } catch (err) {
      report.historyError = errorSummary(err);
      this.#d.logger.warn(
        { err: report.historyError, mode: pass.mode },
        "could not read call history for the sweep",
      );
    }
    return { chosen, notBefore };
  }

  /**
   * `GET /calls/history`, tried a few times with backoff, each try only once polls come back: a read
   * while the relay is down only fails, adds to the load, and would use up the tries.
   */
  async #history() {
    const { relay, clock, signal, queue } = this.#d;
    const backoff = new Backoff({ ...HISTORY_BACKOFF, random: this.#d.random });
    for (let attempt = 1; ; attempt++) {
      if (!(await queue.waitForReturn(signal)))
        throw new RelayTransportError({
          code: "E_TRANSPORT_ABORTED",
          endpoint: "history",
          message: "stopped while waiting for the relay to come back",
        });
      try {
        return (await relay.history({ limit: 100 }, { signal })).calls;
      } catch (err) {
        if (attempt >= HISTORY_ATTEMPTS || signal.aborted || !(await clock.sleep(backoff.next(), signal)))
          throw err;
      }
    }
  }

  /**
   * Lets the open poll drain what is still queued: those turns get real answers, not an apology.
   * Waits quietWaitMs: shown drained → apologise; polls coming back but never empty (a busy relay) →
   * apologise anyway; the poll loop stuck (relay unreachable, a poll hanging) → look again every
   * drainRecheckMs, so that the first healthy moment is not missed, up to the slot lifetime, after
   * which an apology can no longer be delivered. Calls answered moments ago first wait until that
   * answer is surely spoken; the proof of a drained queue must come after that wait (one from before
   * it would be stale: the caller may have spoken meanwhile). False: give up (aborted, or skipped).
   */
  async #waitForDrain(
    pass: SweepPass,
    chosen: Map<string, Why>,
    notBefore: Map<string, number>,
    report: SweepReport,
  ): Promise<boolean> {
    const { clock, queue, logger, signal } = this.#d;
    const deferUntil = Math.max(0, ...notBefore.values());
    if (deferUntil > clock.now() && !(await clock.sleep(deferUntil - clock.now(), signal))) return false;
    const quietSince = Math.max(pass.since, clock.now());
    const giveUpAt = clock.now() + this.#t.slotLifetimeMs;
    const log = { calls: chosen.size, mode: pass.mode };
    for (let round = 0; ; round++) {
      const wait = round === 0 ? this.#t.quietWaitMs : Math.min(this.#t.quietWaitMs, this.#t.drainRecheckMs);
      const quiet = await this.#quietWithin(quietSince, wait);
      if (signal.aborted) return false;
      if (quiet) return true;
      if (
        (queue.lastPollAt ?? Number.NEGATIVE_INFINITY) >= pass.since &&
        queue.pollHealthy(clock.now() - this.#t.quietWaitMs)
      ) {
        logger.warn(log, "the relay queue was never shown drained (busy); apologising anyway");
        return true;
      }
      if (round === 0) logger.warn(log, "the poll loop is not healthy; apology waits for the relay");
      if (clock.now() >= giveUpAt) {
        for (const sid of chosen.keys()) report.skipped.push({ callSid: sid, why: "relay not reachable" });
        return false;
      }
    }
  }

  /**
   * The queue shown drained within `ms` (the probe honours its signal: PollSource.waitForQuiet). A
   * probe that says "no" early (the source has stopped) still takes the whole round, so the caller's
   * loop never spins.
   */
  async #quietWithin(since: number, ms: number): Promise<boolean> {
    const { clock, queue, signal } = this.#d;
    const end = clock.now() + ms;
    const dl = deadlineSignal(ms, { sleep: clock.sleep, links: [signal] });
    let quiet: boolean;
    try {
      quiet = await queue.waitForQuiet(since, dl.signal);
    } finally {
      dl.cancel();
    }
    if (!quiet && !signal.aborted && end > clock.now()) await clock.sleep(end - clock.now(), signal);
    return quiet;
  }

  async #apologise(pass: SweepPass, sid: string, why: Why, report: SweepReport): Promise<void> {
    const { calls, responder, journal, clock, signal } = this.#d;
    const log = this.#d.logger.child({ callSid: sid });
    if (calls.isBusy(sid) || this.#spokeSince(pass, sid)) {
      report.skipped.push({ callSid: sid, why: "a new message arrived" });
      return;
    }
    if (this.#answeredSince(pass, sid)) {
      report.skipped.push({ callSid: sid, why: "answered after the failure" });
      return;
    }
    const result = await responder.deliver({
      callSid: sid,
      text: PHRASES.lostTrain,
      endCall: false,
      usefulUntil: clock.now() + this.#t.apologyUsefulMs,
      isCurrent: () => !calls.isBusy(sid) && !this.#spokeSince(pass, sid) && !this.#answeredSince(pass, sid),
      signal,
      logger: log,
    });
    if (result === "delivered") {
      // Journal it as the call's answered latest turn, so another restart does not repeat it.
      const id = journal?.begin(sid, "recovery", PHRASES.lostTrain);
      if (id !== undefined) journal?.finish(sid, id, "answered");
      report.apologised.push(sid);
      log.info({ why, mode: pass.mode }, "apologised for a turn that was lost");
    } else {
      report.skipped.push({ callSid: sid, why: result });
      log.info({ why, result, mode: pass.mode }, "no apology sent");
    }
  }
}
