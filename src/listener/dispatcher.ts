import { setMaxListeners } from "node:events";
import type { Logger } from "../log.js";
import { isThirdPartyTurn, parseRelayMessage, type RelayEvent } from "../relay/messages.js";
import { deferred, Semaphore } from "../util/async.js";
import type { Clock } from "./clock.js";
import type { Journal } from "./journal.js";
import type { DeliverResult, Responder } from "./responder.js";
import { deadlineSignal, raceSignal } from "./signals.js";
import { describeError } from "./source.js";
import { PHRASES } from "./speech.js";
import type { Agent, AgentAnswer, Inbound, TurnKind } from "./types.js";

export interface TurnBudgets {
  /** Agent deadline for user-facing turns (caller speech, scheduled openings), ms from receipt. */
  turnMs: number;
  /** Agent deadline for third-party turns: the relay speaks a filler as us after 12 s. */
  thirdPartyMs: number;
  /** After this, a third-party answer is useless (a later one lands in the next turn). */
  thirdPartyUsefulMs: number;
  /** After this, a user-facing answer is not worth posting any more (slot lifetime is 300 s). */
  usefulMs: number;
  /** Deadline for handing a completion to the bridge. */
  notifyMs: number;
}

export const DEFAULT_BUDGETS: TurnBudgets = {
  turnMs: 30_000,
  thirdPartyMs: 10_500,
  thirdPartyUsefulMs: 11_500,
  usefulMs: 120_000,
  notifyMs: 10_000,
};

export interface DispatcherOptions {
  agent: Agent;
  responder: Pick<Responder, "deliver">;
  journal?: Pick<Journal, "begin" | "finish"> | undefined;
  clock: Clock;
  logger: Logger;
  /** Agent turns running at once, across calls. */
  maxTurns: number;
  /** Turns waiting for a free slot beyond which new ones get a short "busy" answer at once. */
  maxBacklog?: number;
  /** Turns queued behind the running one on a single call; the oldest waiting one is dropped. */
  maxPerCall?: number;
  budgets?: Partial<TurnBudgets>;
  onAnswered?: (info: TurnReport) => void;
  onKeyRejected?: () => void;
}

export interface TurnReport {
  callSid: string;
  kind: TurnKind;
  source: "agent" | "fallback" | "busy";
  result: DeliverResult | "superseded_before_post";
  receivedAt: number;
  agentMs: number;
  respondMs: number;
  totalMs: number;
}

interface Turn {
  journalId: string | undefined;
  callSid: string;
  kind: TurnKind;
  message: string;
  event: RelayEvent;
  receivedAt: number;
  gen: number;
  overflow: boolean;
}

interface CallState {
  sid: string;
  gen: number;
  queue: Turn[];
  running: boolean;
  log: Logger;
}

/**
 * Concurrent across calls (at most `maxTurns` agent turns at once), strictly ordered within a call:
 * each call has one worker that takes its turns in arrival order. Every turn goes to the agent (so
 * its memory of the call stays whole), but an answer is posted only if no newer message for the call
 * arrived meanwhile — the relay keeps one slot per call, so only the newest answer can be right.
 * A failed or late agent becomes a short spoken apology, never silence.
 */
export class Dispatcher {
  readonly #o: DispatcherOptions;
  readonly #log: Logger;
  readonly #budgets: TurnBudgets;
  readonly #calls = new Map<string, CallState>();
  readonly #slots: Semaphore;
  readonly #maxBacklog: number;
  readonly #maxPerCall: number;
  readonly #notifies = new Set<Promise<void>>();
  readonly #hardCtl = new AbortController();
  readonly #shutdownAgentCtl = new AbortController();
  readonly #lastSeen = new Map<string, number>();
  #shutdown: { agentBy: number; respondBy: number } | undefined;
  /** Turns queued behind their call's running turn. */
  #queued = 0;
  #idle: { promise: Promise<void>; resolve: () => void } | undefined;
  #answered = 0;
  #lastError: string | undefined;

  constructor(opts: DispatcherOptions) {
    this.#o = opts;
    this.#log = opts.logger;
    this.#budgets = { ...DEFAULT_BUDGETS, ...opts.budgets };
    this.#slots = new Semaphore(Math.max(1, opts.maxTurns));
    this.#maxBacklog = opts.maxBacklog ?? Math.max(64, opts.maxTurns * 4);
    this.#maxPerCall = opts.maxPerCall ?? 8;
    // Every running turn listens on these two: hundreds of listeners are expected, not a leak.
    setMaxListeners(0, this.#hardCtl.signal, this.#shutdownAgentCtl.signal);
  }

  /** Turns accepted and not finished, plus completions being handed on. */
  get inFlight(): number {
    let n = this.#notifies.size;
    for (const c of this.#calls.values()) n += c.queue.length + (c.running ? 1 : 0);
    return n;
  }
  get turnsAnswered(): number {
    return this.#answered;
  }
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** True while a turn for this call is queued or running. */
  isBusy(callSid: string): boolean {
    return this.#calls.has(callSid);
  }

  /** Clock time the last message for this call arrived in this process, if any. */
  lastSeen(callSid: string): number | undefined {
    return this.#lastSeen.get(callSid);
  }

  /** Takes one relay message. Synchronous: the source opens its next poll right after. */
  push(msg: Inbound): void {
    const event = parseRelayMessage(msg.callSid, msg.message);
    if (event.kind === "unknown") {
      this.#log.warn({ reason: event.reason, sidShape: shortSid(msg.callSid) }, "ignored a relay message");
      this.#log.debug({ text: msg.message.slice(0, 500) }, "ignored message text");
      return;
    }
    this.#noteSeen(event.callSid, msg.receivedAt);
    if (event.kind === "third_party_complete") {
      this.#notify(event.callSid, msg.message, event);
      return;
    }
    let state = this.#calls.get(event.callSid);
    if (!state) {
      state = {
        sid: event.callSid,
        gen: 0,
        queue: [],
        running: false,
        log: this.#log.child({ callSid: event.callSid }),
      };
      this.#calls.set(event.callSid, state);
    }
    state.log.debug({ kind: event.kind, text: msg.message }, "message received");
    // Turns waiting for a slot plus turns queued behind their call's running turn.
    const overflow = this.#slots.waiting + this.#queued >= this.#maxBacklog;
    const turn: Turn = {
      journalId: this.#o.journal?.begin(event.callSid, event.kind, msg.message),
      callSid: event.callSid,
      kind: event.kind,
      message: msg.message,
      event,
      receivedAt: msg.receivedAt,
      gen: ++state.gen,
      overflow,
    };
    if (state.queue.length >= this.#maxPerCall) {
      const dropped = state.queue.shift();
      if (dropped) {
        this.#queued--;
        this.#finishJournal(dropped, "superseded");
        state.log.warn(
          { queued: state.queue.length },
          "too many turns queued on one call; dropped the oldest",
        );
      }
    }
    state.queue.push(turn);
    this.#queued++;
    if (!state.running) void this.#work(state);
  }

  /**
   * Shutdown: turns still with the agent at `agentBy` get the fallback answer; posting stops at
   * `respondBy`. Turns that arrive later (the last poll's) get the same limits.
   */
  beginShutdown(agentBy: number, respondBy: number): void {
    this.#shutdown = { agentBy, respondBy };
    const wait = Math.max(0, agentBy - this.#o.clock.now());
    void this.#o.clock.sleep(wait, this.#hardCtl.signal).then((fired) => {
      if (fired) this.#shutdownAgentCtl.abort();
    });
  }

  /** Grace over: stop agents and posting now. */
  abortAll(): void {
    this.#shutdownAgentCtl.abort();
    this.#hardCtl.abort();
  }

  /** Resolves when every accepted turn and completion has finished. */
  drain(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    this.#idle ??= deferred();
    return this.#idle.promise;
  }

  async #work(state: CallState): Promise<void> {
    state.running = true;
    try {
      for (let turn = state.queue.shift(); turn; turn = state.queue.shift()) {
        this.#queued--;
        try {
          await this.#runTurn(state, turn);
        } catch (err) {
          // Never let one turn stop the call's worker.
          this.#lastError = describeError(err);
          state.log.error({ err: this.#lastError }, "turn failed unexpectedly");
        }
      }
    } finally {
      state.running = false;
      if (state.queue.length === 0) this.#calls.delete(state.sid);
      this.#checkIdle();
    }
  }

  async #runTurn(state: CallState, turn: Turn): Promise<void> {
    const { clock } = this.#o;
    const log = state.log;
    const thirdParty = isThirdPartyTurn(turn.kind);
    const b = this.#budgets;
    let answer: AgentAnswer;
    let source: TurnReport["source"] = "agent";
    let agentMs = 0;

    if (turn.overflow) {
      source = "busy";
      answer = { text: PHRASES.busy, endCall: false };
      log.warn(
        { backlog: this.#slots.waiting + this.#queued },
        "backlog full; answering busy without the agent",
      );
    } else {
      const acquired = await this.#slots.acquire(this.#hardCtl.signal);
      if (!acquired) return;
      const agentStart = clock.now();
      try {
        let deadline = turn.receivedAt + (thirdParty ? b.thirdPartyMs : b.turnMs);
        if (this.#shutdown) deadline = Math.min(deadline, this.#shutdown.agentBy);
        const dl = deadlineSignal(clock, deadline - agentStart, [
          this.#shutdownAgentCtl.signal,
          this.#hardCtl.signal,
        ]);
        try {
          answer = await raceSignal(
            this.#o.agent.answer(
              { callSid: turn.callSid, kind: turn.kind, message: turn.message, event: turn.event },
              dl.signal,
            ),
            dl.signal,
          );
        } finally {
          dl.cancel();
        }
      } catch (err) {
        source = "fallback";
        this.#lastError = `agent: ${describeError(err)}`;
        log.warn(
          { err: describeError(err), kind: turn.kind },
          "agent failed or passed its deadline; apologising",
        );
        answer = { text: thirdParty ? PHRASES.thirdPartyFailed : PHRASES.agentFailed, endCall: false };
      } finally {
        agentMs = clock.now() - agentStart;
        this.#slots.release();
      }
    }

    const report = (result: TurnReport["result"], respondMs: number) => {
      const info: TurnReport = {
        callSid: turn.callSid,
        kind: turn.kind,
        source,
        result,
        receivedAt: turn.receivedAt,
        agentMs,
        respondMs,
        totalMs: clock.now() - turn.receivedAt,
      };
      this.#o.onAnswered?.(info);
      return info;
    };

    if (turn.gen !== state.gen) {
      this.#finishJournal(turn, "superseded");
      log.debug({ kind: turn.kind }, "a newer message arrived for this call; answer not posted");
      report("superseded_before_post", 0);
      return;
    }

    let usefulUntil = turn.receivedAt + (thirdParty ? b.thirdPartyUsefulMs : b.usefulMs);
    if (this.#shutdown) usefulUntil = Math.min(usefulUntil, this.#shutdown.respondBy);
    const respondStart = clock.now();
    const result = await this.#o.responder.deliver({
      callSid: turn.callSid,
      text: answer.text,
      endCall: answer.endCall,
      usefulUntil,
      isCurrent: () => turn.gen === state.gen,
      signal: this.#hardCtl.signal,
      logger: log,
    });
    const info = report(result, clock.now() - respondStart);
    switch (result) {
      case "delivered":
        this.#answered++;
        this.#finishJournal(turn, "answered");
        log.info(
          {
            kind: turn.kind,
            source,
            endCall: answer.endCall,
            agentMs: info.agentMs,
            respondMs: info.respondMs,
            totalMs: info.totalMs,
          },
          "turn answered",
        );
        break;
      case "superseded":
        this.#finishJournal(turn, "superseded");
        log.debug("a newer message arrived while posting; stopped");
        break;
      case "gone":
        this.#finishJournal(turn, "gone");
        break;
      case "rejected":
        this.#finishJournal(turn, "rejected");
        this.#lastError = "relay refused an answer (400)";
        break;
      case "key_rejected":
        this.#lastError = "the relay rejected the API key (401)";
        this.#o.onKeyRejected?.();
        break;
      case "expired":
      case "aborted":
        this.#lastError = `answer not delivered (${result})`;
        log.warn({ kind: turn.kind, result }, "answer not delivered");
        break;
    }
  }

  #notify(callSid: string, message: string, event: RelayEvent): void {
    const log = this.#log.child({ callSid });
    const dl = deadlineSignal(this.#o.clock, this.#budgets.notifyMs, [this.#hardCtl.signal]);
    const p = raceSignal(this.#o.agent.notify(callSid, message, event, dl.signal), dl.signal)
      .then(() => log.info("third-party completion handed to the agent (not answered to the relay)"))
      .catch((err) => log.warn({ err: describeError(err) }, "could not hand the third-party completion on"))
      .finally(() => {
        dl.cancel();
        this.#notifies.delete(p);
        this.#checkIdle();
      });
    this.#notifies.add(p);
  }

  #finishJournal(turn: Turn, state: "answered" | "superseded" | "gone" | "rejected"): void {
    if (turn.journalId !== undefined) this.#o.journal?.finish(turn.callSid, turn.journalId, state);
  }

  #noteSeen(sid: string, at: number): void {
    this.#lastSeen.delete(sid);
    this.#lastSeen.set(sid, at);
    if (this.#lastSeen.size > 10_000) {
      const oldest = this.#lastSeen.keys().next().value;
      if (oldest !== undefined) this.#lastSeen.delete(oldest);
    }
  }

  #checkIdle(): void {
    if (this.#idle && this.inFlight === 0) {
      const d = this.#idle;
      this.#idle = undefined;
      d.resolve();
    }
  }
}

function shortSid(sid: string): string {
  return typeof sid === "string" ? JSON.stringify(sid.slice(0, 12)) : typeof sid;
}
