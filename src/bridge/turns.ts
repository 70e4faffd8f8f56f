/**
 * One turn, from a `POST /clawcall/message` body to the reply: the kind comes from the sid and the
 * text, then the fast path, the model (through the gate) or a stock line answers, and the answer is
 * remembered for the call.
 */
import type { ClawcallError } from "../errors.js";
import type { Logger } from "../log.js";
import { parseRelayMessage, type RelayEvent, type RelayEventKind } from "../relay/index.js";
import type { Brain } from "./brain.js";
import type { ContextStore } from "./context/index.js";
import { type AnswerSource, type MessageReply, parseMessageRequest } from "./contract.js";
import type { Conversation, Conversations } from "./conversations.js";
import type { Deliveries } from "./deliveries.js";
import type { GuestDesk } from "./guest.js";
import { HttpError, type Route, readJsonBody, sendJson } from "./http.js";
import { endsWithFarewell, isFarewellReply } from "./intents/goodbye.js";
import { type FastContext, type Intent, type IntentName, repliesToAQuestion } from "./intents/index.js";
import * as lines from "./lines.js";
import type { ModelFailureLog } from "./model-failure-log.js";
import type { ModelGate } from "./model-gate.js";
import { normalize } from "./normalize.js";
import { ownerFacts } from "./owner-facts.js";
import {
  type PromptFacts,
  phonePrompt,
  scheduledPrompt,
  THIRD_PARTY_OPEN_UTTERANCE,
  thirdPartyPrompt,
  thirdPartyUtterance,
} from "./prompt.js";
import type { IntentRouter } from "./router.js";
import { modelSpeech, spokenReply } from "./spoken-reply.js";
import type { BridgeStats } from "./status.js";
import type { TaskRegistry } from "./task-registry.js";

/** One turn in progress: which call, what kind, its memory and when it started. */
export interface Turn {
  callSid: string;
  kind: RelayEventKind;
  /** The call's memory; none for notifications. */
  conv: Conversation | undefined;
  /** Start on the monotonic clock (`ms` in the reply is measured from here). */
  t0: number;
}

/** What a turn decided to say. */
export interface Answer {
  text: string;
  /** Said after the answer even when the word budget cuts it (a pointer to news waiting). */
  after?: string | undefined;
  source: AnswerSource;
  endCall?: boolean;
  intent?: IntentName | null;
}

/** How long a new model question may take before a late answer that is ready is told instead. */
const NEWS_FIRST_MS = 2_500;

/** Intents that ask for a waiting late answer (or need no answer of their own): it is told instead. */
const TELLS_NEWS = new Set<IntentName>(["news", "acknowledge"]);

/** Intents a scheduled call's context may be answered with from fast data. */
const SCHEDULED_FAST = new Set<IntentName>(["cron", "tasks", "time", "minutes"]);

export interface TurnDeps {
  timeZone: string;
  context: ContextStore;
  conversations: Conversations;
  deliveries: Deliveries;
  tasks: TaskRegistry;
  gate: ModelGate;
  router: IntentRouter;
  stats: BridgeStats;
  /** Told every reply once decided: counted, logged, recorded (turn-outcomes.ts). Never throws. */
  answered: (turn: Turn, reply: MessageReply) => void;
  log: Logger;
  /** What the caller hears: the word budget and the third-party recording notice. */
  speech: { words: number; recordingNotice: string | undefined };
  /** Whether the model can be reached (for honest fallback lines). */
  brain: Brain;
  modelFailures: ModelFailureLog; // expected absences once at info, real failures as warnings
  /** Callers who are not the owner (none: everyone is the owner, e.g. unit tests without a relay). */
  guests?: GuestDesk;
  /** Monotonic ms. Default `performance.now`. */
  monotonic?: () => number;
}

export class Turns {
  readonly #d: TurnDeps;
  readonly #monotonic: () => number;
  /** The fast path's view of the world; one shared object (the fast path is synchronous). */
  readonly #fast: FastContext;
  #current: Conversation | undefined;
  #routerName: string | undefined;
  /** Per call, the question its deferred answer is still working on, and since when (monotonic ms). */
  readonly #working = new Map<string, { question: string; since: number }>();

  constructor(d: TurnDeps) {
    this.#d = d;
    this.#monotonic = d.monotonic ?? (() => performance.now());
    const { context } = d;
    this.#fast = {
      agentName: () => context.agentName(),
      hasAgentName: () => context.hasAgentName(),
      userName: () => context.userName(),
      spokenNow: () => context.spokenNow(),
      lastAnswer: () => this.#current?.lastAnswer,
      moreAnswer: () => this.#current?.rest,
      cronSummary: (n) => context.cronSummary(n),
      tasksSummary: (n) => context.tasksSummary(n),
      minutesSummary: () => context.minutesSummary(),
      working: () => {
        const w = this.#current && this.#working.get(this.#current.callSid);
        return w ? lines.stillWorking(w.question, this.#monotonic() - w.since) : undefined;
      },
    };
  }

  /** The route this part serves. */
  routes(): Route[] {
    return [
      {
        path: "/clawcall/message",
        token: true,
        methods: {
          POST: {
            json: true,
            handle: async ({ req, res }) => {
              const body = await readJsonBody(req);
              const r = await this.handle(body);
              sendJson(res, 200, r);
              if (!this.#d.guests?.hidesSpeech(body.message)) {
                this.#d.log.debug({ callSid: body.call_sid, message: body.message }, "caller said");
              }
            },
          },
        },
      },
    ];
  }

  /** Handles one message body. Throws HttpError (400/413) for a body that breaks the contract. */
  async handle(body: Record<string, unknown>): Promise<MessageReply> {
    const t0 = this.#monotonic();
    const parsed = parseMessageRequest(body);
    if (!parsed.ok) {
      const { status, message } = parsed.problem;
      throw new HttpError(status === 413 ? "E_BRIDGE_TOO_LARGE" : "E_BRIDGE_BAD_REQUEST", message);
    }
    const { call_sid: sid, message } = parsed.value;
    // The kind comes from the sid's shape and the prefix, never from the request's `kind` field.
    const ev = parseRelayMessage(sid, message);
    switch (ev.kind) {
      case "caller":
        return this.#caller(sid, ev.text, t0);
      case "scheduled":
        return this.#scheduled(sid, ev.context, t0);
      case "third_party_open":
      case "third_party_says":
        return this.#thirdParty(sid, ev, t0);
      case "third_party_complete":
        return this.#completion(ev, t0);
      default:
        // A sid that is not a relay shape (a hand-made test, say) is plain caller speech.
        if (ev.reason === "invalid call sid") return this.#caller(sid, message.trim(), t0);
        this.#d.log.warn({ callSid: sid, reason: ev.reason }, "unreadable notification");
        return this.#reply(
          { callSid: sid, kind: "unknown", conv: undefined, t0 },
          { text: lines.UNREADABLE_NOTIFICATION, source: "fallback" },
        );
    }
  }

  // --- the parts every turn shares ----------------------------------------------------------------

  /** Every reply leaves through here, shaped (spoken-reply.ts); the call keeps it for "repeat" and "go on". */
  #reply(turn: Turn, a: Answer): MessageReply {
    const { response, whole, rest } = spokenReply(turn.kind, a, this.#d.speech);
    if (turn.conv) {
      this.#d.conversations.add(turn.conv, "assistant", response);
      turn.conv.lastAnswer = whole;
      turn.conv.rest = rest;
      // The relay hangs up after an end_call answer: the call stops counting as active at once.
      if (a.endCall) this.#d.conversations.end(turn.conv);
    }
    const reply: MessageReply = {
      response,
      end_call: a.endCall ?? false,
      intent: a.intent ?? null,
      source: a.source,
      ms: Math.round((this.#monotonic() - turn.t0) * 1000) / 1000,
      kind: turn.kind,
    };
    this.#d.answered(turn, reply);
    return reply;
  }

  #names(): lines.Names {
    return { agentName: this.#d.context.agentName(), userName: this.#d.context.userName() };
  }

  #facts(): PromptFacts {
    const { context } = this.#d;
    return {
      agentName: context.agentName(),
      userName: context.userName(),
      timeZone: this.#d.timeZone,
      now: context.spokenNow(),
    };
  }

  /** The prompt facts plus what only the owner may hear: tasks, schedules, owed answers, minutes. */
  #ownerFacts(): PromptFacts {
    const { context, deliveries } = this.#d;
    const a = context.account;
    return {
      ...this.#facts(),
      known: ownerFacts({
        tasks: context.taskViews(),
        schedules: context.schedules(),
        working: [...this.#working.values()].map((w) => w.question),
        waiting: deliveries.pending.length,
        minutes: a ? { remaining: a.minutes_remaining, limit: a.minutes_limit } : undefined,
        now: context.now(),
        timeZone: this.#d.timeZone,
      }),
    };
  }

  /** Routes text on the fast path (the router learns the agent's name when it changes). */
  #route(text: string) {
    const { context, router } = this.#d;
    const n = context.hasAgentName() ? context.agentName() : undefined;
    if (n !== this.#routerName) {
      this.#routerName = n;
      router.setAgentName(n);
    }
    return router.route(text);
  }

  /** The fast answer; schedules and tasks are reloaded first when a "none" would come from old data. */
  async #answerFresh(conv: Conversation, intent: Intent, n: string): Promise<string | undefined> {
    if (intent.name === "cron" || intent.name === "tasks") await this.#d.context.freshBeforeNone(intent.name);
    else if (intent.name === "minutes") await this.#d.context.freshAccount();
    return this.#answerFast(conv, intent, n);
  }

  #answerFast(conv: Conversation, intent: Intent, n: string): string | undefined {
    this.#current = conv;
    try {
      return intent.answer(this.#fast, n);
    } finally {
      this.#current = undefined;
    }
  }

  /** Records a failed model call as the bridge's last error. */
  #noteModelError(err: unknown): ClawcallError {
    const e = err as ClawcallError;
    this.#d.stats.noteError(e?.code ?? "E_MODEL", e?.message ?? String(err));
    return e;
  }

  // --- one turn per kind ----------------------------------------------------------------------------

  async #caller(callSid: string, text: string, t0: number): Promise<MessageReply> {
    const { conversations, deliveries, gate } = this.#d;
    const { conv } = conversations.touch(callSid, "caller");
    const turn: Turn = { callSid, kind: "caller", conv, t0 };
    // Nothing private (late answers included) before the caller is known to be the owner.
    const guest = await this.#d.guests?.screen(callSid, text, conv, t0, (t) => this.#route(t));
    if (guest) return this.#reply(turn, guest);
    const prefix = this.#d.guests?.newsForOwner();
    const say = (a: Answer) => this.#reply(turn, { ...a, text: lines.withPrefix(prefix, a.text) });
    // A late answer is told on its own turn, never glued to an unrelated answer: an answer to
    // something else only points at it, once per call.
    const pointer = () => {
      const waiting = deliveries.pointOnce(callSid);
      return waiting ? lines.newsWaiting(waiting) : undefined;
    };
    const fallback = () =>
      say({ text: lines.modelFallback(this.#d.brain.whyNoAnswer()), source: "fallback" });
    if (text === "") return say({ text: lines.DIDNT_CATCH, source: "fast" });
    let routed = this.#route(text);
    if (routed.intent && repliesToAQuestion(routed.intent, conv, routed.normalized))
      routed = { ...routed, intent: undefined };
    if (routed.intent && TELLS_NEWS.has(routed.intent.name)) {
      const item = deliveries.takeOne();
      if (item) {
        conversations.add(conv, "user", text);
        return say({ text: item.inCall, source: "fast", intent: routed.intent.name });
      }
    }
    // An intent may leave a turn to the model after all (answer() undefined: the model may know more).
    const answer = routed.intent && (await this.#answerFresh(conv, routed.intent, routed.normalized));
    if (routed.intent && answer !== undefined) {
      conversations.add(conv, "user", text);
      const endCall = routed.intent.endCall === true;
      // Before a goodbye the waiting late answer is told (one), rather than left for a callback.
      const parting = endCall ? deliveries.takeOne()?.inCall : undefined;
      return say({
        text: endCall ? lines.withPrefix(parting, answer) : answer,
        after: endCall ? undefined : pointer(),
        source: "fast",
        intent: routed.intent.name,
        endCall,
      });
    }
    const history = conv.turns.slice();
    conversations.add(conv, "user", text);
    if (gate.model.mode === "off") return fallback();
    // With a late answer ready, a slow new question does not hold it back (see the late branch).
    const r = await gate.run(
      { callSid, system: phonePrompt(this.#ownerFacts()), utterance: text, history, purpose: "caller" },
      "phone",
      t0,
      deliveries.pending.length > 0 ? NEWS_FIRST_MS : undefined,
    );
    if (r.kind === "ok") {
      this.#d.modelFailures.answered();
      const { text: spoken, endCall } = modelSpeech(r.text);
      // The model hangs up with the marker, or by saying goodbye back to a caller who said it.
      const hangUp =
        endCall ||
        (spoken !== "" && endsWithFarewell(routed.normalized) && isFarewellReply(normalize(spoken), spoken));
      if (spoken) {
        return say({ text: spoken, after: hangUp ? undefined : pointer(), source: "model", endCall: hangUp });
      }
      if (endCall) return say({ text: lines.goodbye(this.#names()), source: "model", endCall: true });
      this.#d.stats.noteError("E_MODEL_BAD_OUTPUT", "model reply had nothing speakable");
      return fallback();
    }
    if (r.kind === "error") {
      this.#noteModelError(r.err);
      this.#d.modelFailures.failed(r.err, "model call failed; answering with a fallback line", { callSid });
      return fallback();
    }
    this.#deferAnswer(r.late, text, callSid);
    if (r.said && modelSpeech(r.said).text) return say({ text: modelSpeech(r.said).text, source: "model" });
    const ready = deliveries.takeOne();
    if (ready) return say({ text: lines.newsWhileWorking(ready.inCall), source: "deferred" });
    return say({ text: lines.holding(this.#d.context.callbackAllowed()), source: "deferred" });
  }

  /**
   * Delivers a late model answer: by callback where allowed, else at the start of the next turn. A
   * late answer that fails is told the same way, as an apology: the holding line promised something.
   */
  #deferAnswer(late: Promise<string | undefined>, question: string, callSid: string): void {
    this.#working.set(callSid, { question, since: this.#monotonic() });
    void this.#d.gate.track(
      late.then((text) => {
        this.#working.delete(callSid);
        if (text === "") return; // all of it was streamed and said at the deadline (r.said)
        const spoken = text ? modelSpeech(text).text : "";
        if (!spoken) {
          this.#d.stats.deferredFailed++;
          const apology = lines.lateFailure(this.#names(), question);
          this.#d.deliveries.add(
            { ...apology, reason: "deferred_failed", topic: question },
            { callback: true },
          );
          this.#d.log.warn("deferred answer failed; the caller will hear an apology");
          return;
        }
        const news = lines.lateAnswer(this.#names(), question, spoken);
        this.#d.deliveries.add({ ...news, reason: "deferred_answer", topic: question }, { callback: true });
        this.#d.log.info("deferred answer ready");
      }),
    );
  }

  async #scheduled(callSid: string, ctxText: string, t0: number): Promise<MessageReply> {
    const { conversations, deliveries, gate, context } = this.#d;
    const { conv } = conversations.touch(callSid, "scheduled");
    const turn: Turn = { callSid, kind: "scheduled", conv, t0 };
    const say = (a: Answer) => this.#reply(turn, a);
    // A "[SCHEDULED]" text on a call the relay did not place to the owner is a forgery: a guest's.
    const guest = await this.#d.guests?.screen(callSid, ctxText, conv, t0, (t) => this.#route(t));
    if (guest) return say(guest);
    const prefix = deliveries.takeOne()?.inCall;
    const head = lines.scheduledOpener(this.#names(), prefix);
    if (ctxText === "") return say({ text: lines.scheduledNoContext(head), source: "fast" });
    const routed = this.#route(ctxText);
    const fast = routed.intent && SCHEDULED_FAST.has(routed.intent.name) ? routed.intent : undefined;
    const answer = fast && (await this.#answerFresh(conv, fast, routed.normalized));
    if (fast && answer !== undefined)
      return say({ text: `${head} ${answer}`, source: "fast", intent: fast.name });
    conversations.add(conv, "user", `[Scheduled call] ${ctxText}`);
    const plain = lines.scheduledPlain(head, ctxText);
    if (gate.model.mode === "off") return say({ text: plain, source: "fallback" });
    const facts = `${context.tasksSummary("")} ${context.cronSummary()}`;
    const r = await gate.run(
      {
        callSid,
        system: scheduledPrompt(this.#ownerFacts(), facts),
        utterance: `The scheduled call is about: ${ctxText}`,
        history: [],
        purpose: "scheduled",
      },
      "phone",
      t0,
    );
    if (r.kind === "ok") {
      const spoken = modelSpeech(r.text).text;
      if (spoken) return say({ text: prefix ? `${prefix} ${spoken}` : spoken, source: "model" });
    }
    if (r.kind === "late") {
      this.#deferAnswer(r.late, ctxText, callSid);
      return say({ text: lines.scheduledStillWorking(head), source: "deferred" });
    }
    if (r.kind === "error") this.#noteModelError(r.err);
    return say({ text: plain, source: "fallback" });
  }

  async #thirdParty(
    callSid: string,
    ev: Extract<RelayEvent, { kind: "third_party_open" | "third_party_says" }>,
    t0: number,
  ): Promise<MessageReply> {
    const { conversations, gate } = this.#d;
    const { conv } = conversations.touch(callSid, "third_party");
    conv.kind = "third_party";
    if (ev.kind === "third_party_open") {
      conv.objective = ev.objective;
      conv.context = ev.context;
    }
    const turn: Turn = { callSid, kind: ev.kind, conv, t0 };
    const say = (a: Answer) => this.#reply(turn, a);
    const stock = () =>
      ev.kind === "third_party_open"
        ? say({ text: lines.thirdPartyOpening(this.#names(), conv.objective), source: "fallback" })
        : say({ text: lines.THIRD_PARTY_SAY_AGAIN, source: "fallback" });
    const utterance =
      ev.kind === "third_party_open" ? THIRD_PARTY_OPEN_UTTERANCE : thirdPartyUtterance(ev.speech);
    const history = conv.turns.slice();
    conversations.add(conv, "user", utterance);
    if (gate.model.mode === "off") {
      return ev.kind === "third_party_open"
        ? stock()
        : say({ text: lines.THIRD_PARTY_CANNOT_CONTINUE, source: "fallback", endCall: true });
    }
    const r = await gate.run(
      {
        callSid,
        system: thirdPartyPrompt(this.#facts(), { objective: conv.objective, context: conv.context }),
        utterance,
        history,
        purpose: "third_party",
      },
      "third_party",
      t0,
    );
    if (r.kind === "ok") {
      const { text, endCall } = modelSpeech(r.text);
      if (text) return say({ text, source: "model", endCall });
      if (endCall) return say({ text: lines.THIRD_PARTY_GOODBYE, source: "model", endCall: true });
    } else if (r.kind === "error") {
      const e = this.#noteModelError(r.err);
      this.#d.log.warn({ callSid, code: e?.code }, "third-party turn missed its budget; using a stock line");
    }
    return stock();
  }

  /** A finished third-party call: never answered to the relay; recorded and told to the user. */
  #completion(ev: Extract<RelayEvent, { kind: "third_party_complete" }>, t0: number): MessageReply {
    const { conversations, tasks, deliveries } = this.#d;
    const agentLines = ev.transcript.filter((t) => t.role === "agent");
    const theirLines = ev.transcript.filter((t) => t.role !== "agent");
    const conv = conversations.findThirdPartyBySaid(agentLines.map((t) => t.text));
    if (conv) conversations.end(conv);
    const objective = conv?.objective;
    const summary = lines.thirdPartySummary({
      objective,
      heardAnything: theirLines.length > 0,
      lastTheirs: theirLines[theirLines.length - 1]?.text,
      lastAgent: agentLines[agentLines.length - 1]?.text,
    });
    const existing = tasks.list().find((t) => t.source === "third_party" && t.title.includes(ev.jobId));
    if (!existing) {
      tasks.create({
        title: lines.thirdPartyTaskTitle(objective, ev.jobId),
        status: ev.status === "completed" ? "done" : "failed",
        result: summary,
        source: "third_party",
        notify: true,
      });
      deliveries.add(
        { ...lines.thirdPartyNews(this.#names(), summary), reason: "third_party_complete" },
        { callback: true },
      );
    }
    return this.#reply(
      { callSid: ev.callSid, kind: "third_party_complete", conv: undefined, t0 },
      { text: summary, source: "fast" },
    );
  }
}
