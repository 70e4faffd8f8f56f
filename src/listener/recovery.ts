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
 * A call whose last turn we answered this recently is in a normal conversation: leave it alone
 * (the caller may be replying right now). Longer than the relay's silence handling (10 s gather,
 * "Are you still there?", 10 s, hang-up), so a call still up after it is waiting on a lost message.
 */
export const ANSWERED_RECENTLY_MS = 30_000;

export interface RecoveryOptions {
  relay: Pick<RelayPort, "history">;
  responder: Pick<Responder, "deliver">;
  journal: Pick<Journal, "begin" | "finish" | "get">;
  /** The journal's records as loaded at start (before this process added any). */
  loaded: readonly CallRecord[];
  waitForQuiet: QuietProbe;
  /** When the dispatcher last saw a message for this call (in this process). */
  lastSeen: (callSid: string) => number | undefined;
  clock: Clock;
  logger: Logger;
  /** Clock time this process started polling. */
  startedAt: number;
  /** Upper bound on waiting for the relay queue to drain before apologising. */
  drainWaitMs: number;
  signal: AbortSignal;
  sweepWindowMs?: number;
  answeredRecentlyMs?: number;
  slotLifetimeMs?: number;
}

export interface RecoveryReport {
  candidates: { callSid: string; why: "journal" | "history" }[];
  apologised: string[];
  skipped: { callSid: string; why: string }[];
  historyError?: string;
}

/**
 * After a restart, callers of turns the previous process took but never answered hear fillers
 * forever. This finds them — the journal's open turns younger than the slot lifetime, plus calls the
 * relay's history shows in progress that began in the last few minutes (their message may have gone
 * into the dead process's orphaned poll, which no journal can see) — waits until the relay queue is
 * drained (messages still queued get real answers), then sends each a short apology asking the
 * caller to repeat. An apology to a call whose turn was already spoken is harmless: the relay never
 * speaks a second answer to one turn.
 */
export async function recover(o: RecoveryOptions): Promise<RecoveryReport> {
  const now = o.clock.now();
  const lifetime = o.slotLifetimeMs ?? SLOT_LIFETIME_MS;
  const recent = o.answeredRecentlyMs ?? ANSWERED_RECENTLY_MS;
  const window = o.sweepWindowMs ?? SWEEP_WINDOW_MS;
  const report: RecoveryReport = { candidates: [], apologised: [], skipped: [] };
  const chosen = new Map<string, "journal" | "history">();

  for (const r of o.loaded) {
    if (r.state === "open" && now - r.at < lifetime && callSidKind(r.sid) === "call")
      chosen.set(r.sid, "journal");
  }

  try {
    const res = await withRetries(() => o.relay.history({ limit: 100 }, { signal: o.signal }), o);
    for (const c of res.calls) {
      const sid = c.twilio_call_sid;
      if (!sid || callSidKind(sid) !== "call" || chosen.has(sid)) continue;
      if (c.status !== "in-progress") continue;
      const started = c.started_at ? Date.parse(c.started_at) : Number.NaN;
      if (!Number.isFinite(started) || Date.now() - started > window) continue;
      const rec = o.journal.get(sid) ?? o.loaded.find((r) => r.sid === sid);
      if (rec && rec.state === "answered" && now - (rec.doneAt ?? rec.at) < recent) {
        report.skipped.push({ callSid: sid, why: "last turn answered moments ago" });
        continue;
      }
      if (rec && rec.state === "gone") {
        report.skipped.push({ callSid: sid, why: "call gone" });
        continue;
      }
      chosen.set(sid, "history");
    }
  } catch (err) {
    report.historyError = describeError(err);
    o.logger.warn({ err: report.historyError }, "could not read call history for the restart sweep");
  }

  report.candidates = [...chosen].map(([callSid, why]) => ({ callSid, why }));
  if (chosen.size === 0) return report;
  o.logger.info(
    { calls: chosen.size },
    "turns may have been lost before this start; apologising once the queue is drained",
  );

  // Let the open poll drain what is still queued: those turns get real answers, not an apology.
  const ac = new AbortController();
  const stopWait = new AbortController();
  const onAbort = () => ac.abort();
  o.signal.addEventListener("abort", onAbort, { once: true });
  void o.clock.sleep(o.drainWaitMs, stopWait.signal).then((fired) => fired && ac.abort());
  try {
    await o.waitForQuiet(o.startedAt, 1_000, ac.signal);
  } finally {
    stopWait.abort();
    o.signal.removeEventListener("abort", onAbort);
  }
  if (o.signal.aborted) return report;

  await Promise.all(
    [...chosen].map(async ([sid, why]) => {
      const log = o.logger.child({ callSid: sid });
      if (o.lastSeen(sid) !== undefined) {
        report.skipped.push({ callSid: sid, why: "a new message arrived" });
        return;
      }
      const id = o.journal.begin(sid, "recovery", PHRASES.lostTrain);
      const result = await o.responder.deliver({
        callSid: sid,
        text: PHRASES.lostTrain,
        endCall: false,
        usefulUntil: o.clock.now() + 30_000,
        isCurrent: () => o.lastSeen(sid) === undefined,
        signal: o.signal,
        logger: log,
      });
      if (result === "delivered") {
        o.journal.finish(sid, id, "answered");
        report.apologised.push(sid);
        log.info({ why }, "apologised for a turn lost before the restart");
      } else {
        if (result === "gone") o.journal.finish(sid, id, "gone");
        else if (result === "superseded") o.journal.finish(sid, id, "superseded");
        report.skipped.push({ callSid: sid, why: result });
        log.info({ why, result }, "no apology sent");
      }
    }),
  );
  return report;
}

async function withRetries<T>(fn: () => Promise<T>, o: RecoveryOptions): Promise<T> {
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
