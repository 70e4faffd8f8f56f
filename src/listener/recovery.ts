import type { Logger } from "../log.js";
import { callSidKind } from "../relay/call-sid.js";
import type { Clock } from "./clock.js";
import { type CallRecord, type Journal, SLOT_LIFETIME_MS } from "./journal.js";
import type { QuietProbe, Responder } from "./responder.js";
import { describeError } from "./source.js";
import { PHRASES } from "./speech.js";
import type { RelayPort } from "./types.js";

/** History sweep: in-progress calls that started this recently may hold a swallowed message. */
export const SWEEP_WINDOW_MS = 10 * 60_000;
/**
 * Restart sweep: a call whose last turn the previous process answered this recently gets its apology
 * only this long after that answer (once it has surely been spoken), not at once — nor never: the
 * dead process's orphaned poll may have swallowed the caller's next message meanwhile.
 */
export const ANSWERED_RECENTLY_MS = 30_000;
/**
 * Lost-poll sweep: a posted answer can sit in the relay's slot until the caller's next `/poll`
 * (at most one filler, ~1.5 s); an apology sent before then would replace it. Calls answered this
 * recently get theirs only once this much time has passed since the answer.
 */
export const SETTLE_MS = 5_000;

/**
 * How long (phone time) a sweep waits for proof that the relay queue is drained (an empty poll).
 * With several calls talking the queue is seldom empty for a whole poll; past this wait the apology
 * goes out anyway if polls have been coming back (it fits whichever turn it lands in: the caller is
 * asked to repeat). If no poll has succeeded since, the relay is unreachable or stuck and none is sent.
 */
export const SWEEP_DRAIN_WAIT_MS = 30_000;

export type SweepMode = "restart" | "poll_lost";

export interface SweepOptions {
  mode: SweepMode;
  relay: Pick<RelayPort, "history">;
  responder: Pick<Responder, "deliver">;
  journal?: Pick<Journal, "begin" | "finish" | "get"> | undefined;
  /** Restart only: the journal's records as loaded at start. */
  loaded?: readonly CallRecord[];
  waitForQuiet: QuietProbe;
  /** When the dispatcher last saw a message for this call (in this process). */
  lastSeen: (callSid: string) => number | undefined;
  /** True while the dispatcher holds a turn for this call: it will be answered anyway. */
  isBusy: (callSid: string) => boolean;
  clock: Clock;
  logger: Logger;
  /**
   * Restart: when this process started polling. Lost poll: when the poll that may have swallowed a
   * message failed. Messages seen after it prove the call is not waiting on a lost one.
   */
  since: number;
  /** How long to wait for the relay queue to be shown drained (see SWEEP_DRAIN_WAIT_MS). */
  drainWaitMs: number;
  /** Clock time the last poll came back (a message or empty), if any. */
  lastPollAt?: () => number | undefined;
  /**
   * True while polls keep coming back (none failed since the given time, one came back just now):
   * only then has a message still queued on the relay reached us, so an apology cannot take its slot.
   */
  pollHealthy?: (noFailureSince: number) => boolean;
  signal: AbortSignal;
  sweepWindowMs?: number;
  /**
   * Restart: epoch ms after which a new call cannot have lost a message to the previous process
   * (this process's start plus the longest an orphaned poll stays open). Later calls are skipped.
   */
  startedBefore?: number;
  /** Read `GET /calls/history` (default true). */
  history?: boolean;
  /** Calls already handled by an earlier pass. */
  exclude?: ReadonlySet<string>;
  /** Leave calls whose last turn was answered less than this ago. */
  settleMs?: number;
  slotLifetimeMs?: number;
}

export interface SweepReport {
  mode: SweepMode;
  candidates: { callSid: string; why: "journal" | "history" }[];
  apologised: string[];
  skipped: { callSid: string; why: string }[];
  historyError?: string;
}

/**
 * Finds callers stuck in the relay's filler loop because a message of theirs was taken and never
 * answered, and sends each a short apology asking them to repeat.
 *
 * - `restart`: the journal's open turns younger than the slot lifetime (the previous process took
 *   them and died), plus calls the relay's history shows in progress that began in the last few
 *   minutes — their message may have gone into the dead process's orphaned poll, which no journal
 *   can see (a call answered moments ago only once that answer has surely been spoken).
 * - `poll_lost`: after a poll failed in a way that may come after the relay popped a message (a reset
 *   or a timeout), the in-progress calls we hold no turn for (answered moments ago: a little later).
 *
 * It first waits until the relay queue is drained (queued messages get real answers, not an
 * apology) and skips any call that has spoken since. An apology to a call whose turn was already
 * spoken is harmless: the relay never speaks a second answer to one turn.
 */
export async function sweep(o: SweepOptions): Promise<SweepReport> {
  const now = o.clock.now();
  const lifetime = o.slotLifetimeMs ?? SLOT_LIFETIME_MS;
  const settle = o.settleMs ?? (o.mode === "restart" ? ANSWERED_RECENTLY_MS : SETTLE_MS);
  const window = o.sweepWindowMs ?? SWEEP_WINDOW_MS;
  const report: SweepReport = { mode: o.mode, candidates: [], apologised: [], skipped: [] };
  const chosen = new Map<string, "journal" | "history">();
  /** Calls answered moments ago: their apology waits until that answer has surely been spoken. */
  const notBefore = new Map<string, number>();
  const spokeSince = (sid: string) => (o.lastSeen(sid) ?? Number.NEGATIVE_INFINITY) >= o.since;

  if (o.mode === "restart") {
    for (const r of o.loaded ?? []) {
      if (o.exclude?.has(r.sid)) continue;
      if (r.state === "open" && now - r.at < lifetime && callSidKind(r.sid) === "call")
        chosen.set(r.sid, "journal");
    }
  }

  try {
    const res =
      o.history === false
        ? { calls: [] }
        : await withRetries(() => o.relay.history({ limit: 100 }, { signal: o.signal }), o);
    for (const c of res.calls) {
      const sid = c.twilio_call_sid;
      if (!sid || callSidKind(sid) !== "call" || chosen.has(sid) || o.exclude?.has(sid)) continue;
      if (c.status !== "in-progress") continue;
      const started = c.started_at ? Date.parse(c.started_at) : Number.NaN;
      if (!Number.isFinite(started) || now - started > window) continue;
      if (o.startedBefore !== undefined && started > o.startedBefore) continue;
      const rec = o.journal?.get(sid) ?? o.loaded?.find((r) => r.sid === sid);
      if (rec?.state === "gone") continue;
      if (rec && rec.state !== "open" && now - (rec.doneAt ?? rec.at) < settle) {
        // Its answer may still sit unspoken in the slot (an apology now would replace it), but a
        // message the caller sent since may have gone into an orphaned or failed poll: skipping the
        // call would leave that caller in the filler loop. So apologise later, once it is spoken.
        notBefore.set(sid, (rec.doneAt ?? rec.at) + settle);
      }
      if (o.isBusy(sid) || spokeSince(sid)) continue;
      chosen.set(sid, "history");
    }
  } catch (err) {
    report.historyError = describeError(err);
    o.logger.warn({ err: report.historyError, mode: o.mode }, "could not read call history for the sweep");
  }

  report.candidates = [...chosen].map(([callSid, why]) => ({ callSid, why }));
  if (chosen.size === 0) return report;
  o.logger.info(
    { calls: chosen.size, mode: o.mode },
    "callers may be waiting on a lost message; apologising once the queue is drained",
  );

  // Let the open poll drain what is still queued: those turns get real answers, not an apology.
  // Waits drainWaitMs: shown drained → apologise; polls coming back but never empty (a busy relay)
  // → apologise anyway; the poll loop stuck (relay unreachable, a poll hanging) → look again every
  // second, so that the first healthy moment is not missed, up to the slot lifetime, after which an
  // apology can no longer be delivered.
  // Calls answered moments ago first wait until that answer is surely spoken; the proof of a drained
  // queue must come after that wait (one from before it would be stale: the caller may have spoken
  // meanwhile), and the apologies go out right after the proof.
  const deferUntil = Math.max(0, ...notBefore.values());
  if (deferUntil > o.clock.now() && !(await o.clock.sleep(deferUntil - o.clock.now(), o.signal)))
    return report;
  const quietSince = Math.max(o.since, o.clock.now());
  const giveUpAt = o.clock.now() + lifetime;
  for (let round = 0; ; round++) {
    const quiet = await waitBounded(
      o,
      quietSince,
      round === 0 ? o.drainWaitMs : Math.min(o.drainWaitMs, 1_000),
    );
    if (o.signal.aborted) return report;
    if (quiet) break;
    if (
      (o.lastPollAt?.() ?? Number.NEGATIVE_INFINITY) >= o.since &&
      (o.pollHealthy?.(o.clock.now() - o.drainWaitMs) ?? true)
    ) {
      o.logger.warn(
        { calls: chosen.size, mode: o.mode },
        "the relay queue was never shown drained (busy); apologising anyway",
      );
      break;
    }
    if (round === 0)
      o.logger.warn(
        { calls: chosen.size, mode: o.mode },
        "the poll loop is not healthy; apology waits for the relay",
      );
    if (o.clock.now() >= giveUpAt) {
      for (const sid of chosen.keys()) report.skipped.push({ callSid: sid, why: "relay not reachable" });
      return report;
    }
  }

  await Promise.all(
    [...chosen].map(async ([sid, why]) => {
      const log = o.logger.child({ callSid: sid });
      if (o.isBusy(sid) || spokeSince(sid)) {
        report.skipped.push({ callSid: sid, why: "a new message arrived" });
        return;
      }
      const result = await o.responder.deliver({
        callSid: sid,
        text: PHRASES.lostTrain,
        endCall: false,
        usefulUntil: o.clock.now() + 30_000,
        isCurrent: () => !o.isBusy(sid) && !spokeSince(sid),
        signal: o.signal,
        logger: log,
      });
      if (result === "delivered") {
        // Journal it as the call's answered latest turn, so another restart does not repeat it.
        const id = o.journal?.begin(sid, "recovery", PHRASES.lostTrain);
        if (id !== undefined) o.journal?.finish(sid, id, "answered");
        report.apologised.push(sid);
        log.info({ why, mode: o.mode }, "apologised for a turn that was lost");
      } else {
        report.skipped.push({ callSid: sid, why: result });
        log.info({ why, result, mode: o.mode }, "no apology sent");
      }
    }),
  );
  if (o.mode === "poll_lost")
    o.logger.info({ candidates: chosen.size, apologised: report.apologised.length }, "lost-poll sweep done");
  return report;
}

/**
 * waitForQuiet, bounded by `ms` and the sweep's signal. A probe that says "no" early (the source has
 * stopped) still takes the whole round, so the caller's loop never spins.
 */
async function waitBounded(o: SweepOptions, since: number, ms: number): Promise<boolean> {
  const ac = new AbortController();
  const stopWait = new AbortController();
  const onAbort = () => {
    ac.abort();
    stopWait.abort();
  };
  o.signal.addEventListener("abort", onAbort, { once: true });
  const bound = o.clock.sleep(ms, stopWait.signal).then((fired) => {
    if (fired) ac.abort();
  });
  try {
    const quiet = await o.waitForQuiet(since, ac.signal);
    if (quiet) return true;
    await bound;
    return false;
  } finally {
    stopWait.abort();
    o.signal.removeEventListener("abort", onAbort);
  }
}

async function withRetries<T>(fn: () => Promise<T>, o: SweepOptions): Promise<T> {
  let last: unknown;
  for (let i = 0; i < 3; i++) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      if (o.signal.aborted) break;
      if (!(await o.clock.sleep(500 * 2 ** i, o.signal))) break;
    }
  }
  throw last;
}
