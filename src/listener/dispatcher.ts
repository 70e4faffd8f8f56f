import { EventEmitter, setMaxListeners } from "node:events";
import type { Logger } from "../log.js";
import { errorSummary } from "../relay/error-summary.js";
import { isThirdPartyTurn, parseRelayMessage, type RelayEvent } from "../relay/messages.js";
import { InFlight, Semaphore, withDeadline } from "../util/async.js";
import type { Clock } from "../util/clock.js";
import type { Journal } from "./journal.js";
import type { DeliverResult, Responder } from "./responder.js";
import { PHRASES } from "./speech.js";
import { type TurnBudgets, turnBudgets } from "./timings.js";
import type { Agent, AgentAnswer, CallWatch, Inbound, TurnKind } from "./types.js";

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
  /** Deadlines (turnBudgets() if unset: real phone time, the default agent deadline). */
  budgets?: TurnBudgets;
}

export interface DispatcherEvents {
  /** One turn is over: answered, superseded, or not delivered (with why). */
  turn: [report: TurnReport];
  /** The relay refused the API key while answering: nothing can be answered any more. */
  key_rejected: [];
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
  /** The relay's text, for the per-turn record's debug mode (never logged here). */
  message: string;
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
export class Dispatcher extends EventEmitter<DispatcherEvents> implements CallWatch {
  readonly #o: DispatcherOptions;
  readonly #log: Logger;
  readonly #budgets: TurnBudgets;
  readonly #calls = new Map<string, CallState>();
  readonly #slots: Semaphore;
  readonly #maxBacklog: number;
  readonly #maxPerCall: number;
  /** Call workers and completions being handed on: `drain()` waits for none. */
  readonly #work = new InFlight();
  readonly #hardCtl = new AbortController();
  readonly #shutdownAgentCtl = new AbortController();
  readonly #lastSeen = new Map<string, number>();
  #shutdown: { agentBy: number; respondBy: number } | undefined;
  /** Turns queued behind their call's running turn. */
  #queued = 0;
  #notifying = 0;
  #answered = 0;
  #lastError: string | undefined;

  constructor(opts: DispatcherOptions) {
    super();
    this.#o = opts;
    this.#log = opts.logger;
    this.#budgets = opts.budgets ?? turnBudgets();
    this.#slots = new Semaphore(Math.max(1, opts.maxTurns));
    this.#maxBacklog = opts.maxBacklog ?? Math.max(64, opts.maxTurns * 4);
    this.#maxPerCall = opts.maxPerCall ?? 8;
    // Every running turn listens on these two: hundreds of listeners are expected, not a leak.
    setMaxListeners(0, this.#hardCtl.signal, this.#shutdownAgentCtl.signal);
  }

  /** Turns accepted and not finished, plus completions being handed on. */
  get inFlight(): number {
    let n = this.#notifying;
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
    const state = this.#callState(event.callSid);
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
    if (!state.running) void this.#work.run(() => this.#runCall(state));
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
    return this.#work.idle();
  }

  #callState(sid: string): CallState {
    let state = this.#calls.get(sid);
    if (!state) {
      state = { sid, gen: 0, queue: [], running: false, log: this.#log.child({ callSid: sid }) };
      this.#calls.set(sid, state);
    }
    return state;
  }

  /** The call's worker: its turns one at a time, in arrival order. */
  async #runCall(state: CallState): Promise<void> {
    state.running = true;
    try {
      for (let turn = state.queue.shift(); turn; turn = state.queue.shift()) {
        this.#queued--;
        try {
          await this.#runTurn(state, turn);
        } catch (err) {
          // Never let one turn stop the call's worker.
          this.#lastError = errorSummary(err);
          state.log.error({ err: this.#lastError }, "turn failed unexpectedly");
        }
      }
    } finally {
      state.running = false;
      if (state.queue.length === 0) this.#calls.delete(state.sid);
    }
  }

  async #runTurn(state: CallState, turn: Turn): Promise<void> {
    const asked = await this.#ask(state, turn);
    if (!asked) return;
    const report = (result: TurnReport["result"], respondMs: number): TurnReport => {
      const info: TurnReport = {
        callSid: turn.callSid,
        kind: turn.kind,
        source: asked.source,
        result,
        receivedAt: turn.receivedAt,
        agentMs: asked.agentMs,
        respondMs,
        totalMs: this.#o.clock.now() - turn.receivedAt,
        message: turn.message,
      };
      this.emit("turn", info);
      return info;
    };
    if (turn.gen !== state.gen) {
      this.#finishJournal(turn, "superseded");
      state.log.debug({ kind: turn.kind }, "a newer message arrived for this call; answer not posted");
      report("superseded_before_post", 0);
      return;
    }
    const respondStart = this.#o.clock.now();
    const result = await this.#post(state, turn, asked.answer);
    const info = report(result, this.#o.clock.now() - respondStart);
    if (result === "delivered")
      state.log.info(
        {
          kind: turn.kind,
          source: info.source,
          endCall: asked.answer.endCall,
          agentMs: info.agentMs,
          respondMs: info.respondMs,
          totalMs: info.totalMs,
        },
        "turn answered",
      );
  }

  /**
   * The agent's answer within the turn's deadline; the busy line for an overflow turn; an apology
   * when the agent fails or is late. Undefined when the grace ran out while waiting for a slot.
   */
  async #ask(
    state: CallState,
    turn: Turn,
  ): Promise<{ answer: AgentAnswer; source: TurnReport["source"]; agentMs: number } | undefined> {
    const { clock } = this.#o;
    if (turn.overflow) {
      state.log.warn(
        { backlog: this.#slots.waiting + this.#queued },
        "backlog full; answering busy without the agent",
      );
      return { answer: { text: PHRASES.busy, endCall: false }, source: "busy", agentMs: 0 };
    }
    if (!(await this.#slots.acquire(this.#hardCtl.signal))) return undefined;
    const thirdParty = isThirdPartyTurn(turn.kind);
    const agentStart = clock.now();
    let deadline = turn.receivedAt + (thirdParty ? this.#budgets.thirdPartyMs : this.#budgets.turnMs);
    if (this.#shutdown) deadline = Math.min(deadline, this.#shutdown.agentBy);
    try {
      const req = { callSid: turn.callSid, kind: turn.kind, message: turn.message, event: turn.event };
      const answer = await withDeadline(
        deadline - agentStart,
        (signal) => this.#o.agent.answer(req, signal),
        {
          sleep: clock.sleep,
          links: [this.#shutdownAgentCtl.signal, this.#hardCtl.signal],
        },
      );
      return { answer, source: "agent", agentMs: clock.now() - agentStart };
    } catch (err) {
      this.#lastError = `agent: ${errorSummary(err)}`;
      state.log.warn(
        { err: errorSummary(err), kind: turn.kind },
        "agent failed or passed its deadline; apologising",
      );
      const text = thirdParty ? PHRASES.thirdPartyFailed : PHRASES.agentFailed;
      return { answer: { text, endCall: false }, source: "fallback", agentMs: clock.now() - agentStart };
    } finally {
      this.#slots.release();
    }
  }

  /** Posts the answer while it is useful and current; journals and records what came of it. */
  async #post(state: CallState, turn: Turn, answer: AgentAnswer): Promise<DeliverResult> {
    let usefulUntil =
      turn.receivedAt +
      (isThirdPartyTurn(turn.kind) ? this.#budgets.thirdPartyUsefulMs : this.#budgets.usefulMs);
    if (this.#shutdown) usefulUntil = Math.min(usefulUntil, this.#shutdown.respondBy);
    const result = await this.#o.responder.deliver({
      callSid: turn.callSid,
      text: answer.text,
      endCall: answer.endCall,
      usefulUntil,
      isCurrent: () => turn.gen === state.gen,
      signal: this.#hardCtl.signal,
      logger: state.log,
    });
    switch (result) {
      case "delivered":
        this.#answered++;
        this.#finishJournal(turn, "answered");
        break;
      case "superseded":
        this.#finishJournal(turn, "superseded");
        state.log.debug("a newer message arrived while posting; stopped");
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
        this.emit("key_rejected");
        break;
      case "expired":
      case "aborted":
        this.#lastError = `answer not delivered (${result})`;
        state.log.warn({ kind: turn.kind, result }, "answer not delivered");
        break;
    }
    return result;
  }

  #notify(callSid: string, message: string, event: RelayEvent): void {
    const log = this.#log.child({ callSid });
    const { clock, agent } = this.#o;
    this.#notifying++;
    void this.#work.run(async () => {
      try {
        await withDeadline(
          this.#budgets.notifyMs,
          (signal) => agent.notify(callSid, message, event, signal),
          {
            sleep: clock.sleep,
            links: [this.#hardCtl.signal],
          },
        );
        log.info("third-party completion handed to the agent (not answered to the relay)");
      } catch (err) {
        log.warn({ err: errorSummary(err) }, "could not hand the third-party completion on");
      } finally {
        this.#notifying--;
      }
    });
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
}

function shortSid(sid: string): string {
  return typeof sid === "string" ? JSON.stringify(sid.slice(0, 12)) : typeof sid;
}
