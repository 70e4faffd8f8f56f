import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Config } from "../config/index.js";
import { ClawcallError } from "../errors.js";
import { type Logger, silentLogger } from "../log.js";
import { END_CALL_SENTINEL, extractEndCall } from "../openclaw/reply.js";
import { parseRelayMessage, type RelayEvent } from "../relay/index.js";
import { atomicWriteJson } from "../state/atomic.js";
import { VERSION } from "../version.js";
import { ContextStore, type RelayLike, type SourceName } from "./context/index.js";
import { type Conversation, Conversations } from "./conversations.js";
import { Deliveries } from "./deliveries.js";
import {
  HttpError,
  isJsonContentType,
  isLoopbackHost,
  readJsonBody,
  sendError,
  sendJson,
} from "./http-util.js";
import type { FastContext, IntentName } from "./intents/index.js";
import { createModelBackend, type ModelBackend } from "./model/index.js";
import {
  fenceUntrusted,
  type PromptFacts,
  phonePrompt,
  scheduledPrompt,
  thirdPartyPrompt,
} from "./prompt.js";
import { IntentRouter } from "./router.js";
import { type CommandRunner, killRunningCommands, runCommand } from "./runner.js";
import { capLength, quoted, sentence, speakable } from "./speech.js";
import { TASK_STATUSES, type TaskPatch, TaskRegistry, type TaskStatus } from "./task-registry.js";

export type AnswerSource = "fast" | "model" | "deferred" | "fallback";

/** What `POST /clawcall/message` answers. `response`/`end_call` are what the published listener reads. */
export interface MessageReply {
  response: string;
  end_call: boolean;
  intent: IntentName | null;
  source: AnswerSource;
  /** Handler time in milliseconds (after the body was read). */
  ms: number;
  /** The kind the bridge derived from the sid and the text (the request's `kind` is only a hint). */
  kind: RelayEvent["kind"];
}

export interface BridgeDeps {
  logger?: Logger;
  /** Wall clock in ms (tests pin it). */
  now?: () => number;
  /** Relay client for callbacks, account and schedules; `null` for none. Default: from config. */
  relay?: RelayLike | null;
  model?: ModelBackend;
  runner?: CommandRunner;
  /** Context refresh periods (tests shorten them). */
  refreshMs?: Partial<Record<SourceName, number>>;
  /** Quiet time after the last caller turn before calling back. Default 20 s. */
  callbackQuietMs?: number;
  /** Budget for third-party turns. Default 10 s (capped by the phone timeout). */
  thirdPartyBudgetMs?: number;
  /** Deadline for a model call running in the background (deferred answers). Default 120 s. */
  modelWorkTimeoutMs?: number;
  /** Write `<stateDir>/bridge.status.json` for `clawcall status` (the process does; unit tests don't). */
  statusFile?: boolean;
  /** Model calls at once; beyond it callers get a fallback line. Default 16. */
  maxModelCalls?: number;
}

export interface BridgeStats {
  turns: number;
  fast: number;
  model: number;
  deferred: number;
  fallback: number;
  errors: number;
  lastError: { code: string; message: string; at: string } | null;
}

export interface Bridge {
  /** The Node request handler (usable without `listen`, e.g. in benchmarks). */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  readonly server: Server;
  readonly context: ContextStore;
  readonly tasks: TaskRegistry;
  readonly deliveries: Deliveries;
  readonly conversations: Conversations;
  readonly model: ModelBackend;
  readonly stats: BridgeStats;
  /** Starts background refreshes and binds. Refuses a non-loopback host without a token. */
  listen(): Promise<{ host: string; port: number; url: string }>;
  /** Handles one message without HTTP (unit tests, benchmarks). */
  handleMessage(body: Record<string, unknown>): Promise<MessageReply>;
  /** Stop accepting, finish in-flight requests (up to `graceMs`), stop timers. */
  close(graceMs?: number): Promise<void>;
  readonly closing: boolean;
  writeStatus(): void;
}

const CALL_SID_SHAPE = /^[A-Za-z0-9_.:-]{1,128}$/;
const MAX_MESSAGE_CHARS = 16_000;
const DIDNT_CATCH = "Sorry, I didn't catch that. Could you say it again?";

/** Refuses to serve a non-loopback address without a token (the bridge would be an open model proxy). */
export function assertSafeBind(config: Config): void {
  if (!isLoopbackHost(config.bridge.host) && !config.bridge.token) {
    throw new ClawcallError(
      "E_CONFIG",
      `refusing to listen on ${config.bridge.host}: only loopback addresses are allowed unless CLAWCALL_BRIDGE_TOKEN is set`,
    );
  }
}

/**
 * Builds the bridge: the request handler, the fast-path router, context sources, the model back
 * end, deferred deliveries and the task registry. Nothing listens or refreshes until `listen()`.
 */
export function buildBridge(config: Config, deps: BridgeDeps = {}): Bridge {
  const log = deps.logger ?? silentLogger();
  const now = deps.now ?? Date.now;
  const runner = deps.runner ?? runCommand;
  const relay: RelayLike | undefined = deps.relay === null ? undefined : deps.relay;
  const tasks = new TaskRegistry(config.stateDir, now);
  const context = new ContextStore({
    config,
    logger: log,
    runner,
    relay,
    tasks,
    now,
    ...(deps.refreshMs ? { refreshMs: deps.refreshMs } : {}),
  });
  const conversations = new Conversations(now);
  const deliveries = new Deliveries({
    stateDir: config.stateDir,
    logger: log,
    relay,
    context,
    conversations,
    now,
    ...(deps.callbackQuietMs !== undefined ? { quietMs: deps.callbackQuietMs } : {}),
  });
  const model =
    deps.model ??
    createModelBackend(config, {
      logger: log,
      runner,
      ...(deps.modelWorkTimeoutMs !== undefined ? { workTimeoutMs: deps.modelWorkTimeoutMs } : {}),
    });
  const router = new IntentRouter();
  const phoneTimeoutMs = config.model.phoneTimeoutMs;
  const thirdPartyBudgetMs = Math.min(deps.thirdPartyBudgetMs ?? 10_000, phoneTimeoutMs);
  const workTimeoutMs = Math.max(deps.modelWorkTimeoutMs ?? 120_000, phoneTimeoutMs);
  const maxModelCalls = deps.maxModelCalls ?? 16;
  const startedAt = now();
  const statusPath = join(config.stateDir, "bridge.status.json");
  const tokenBuf = config.bridge.token ? Buffer.from(`Bearer ${config.bridge.token}`) : undefined;

  const stats: BridgeStats = {
    turns: 0,
    fast: 0,
    model: 0,
    deferred: 0,
    fallback: 0,
    errors: 0,
    lastError: null,
  };
  let modelCalls = 0;
  let closing = false;
  let inFlight = 0;
  let boundPort = config.bridge.port;
  let allowedHosts = new Set<string>();
  const timers: NodeJS.Timeout[] = [];
  const background = new Set<Promise<unknown>>();
  let statusDirty = true;

  const computeAllowedHosts = (port: number) => {
    const names = ["127.0.0.1", "localhost", "[::1]"];
    if (!isLoopbackHost(config.bridge.host)) names.push(config.bridge.host.toLowerCase());
    allowedHosts = new Set(names.flatMap((n) => [n, `${n}:${port}`]));
  };
  computeAllowedHosts(boundPort);

  const noteError = (code: string, message: string) => {
    stats.errors++;
    stats.lastError = { code, message: message.slice(0, 300), at: new Date(now()).toISOString() };
    statusDirty = true;
  };

  // --- the fast path's view of the world (one shared object: the fast path is synchronous) ------
  let current: Conversation | undefined;
  const fast: FastContext = {
    agentName: () => context.agentName(),
    hasAgentName: () => context.hasAgentName(),
    userName: () => context.userName(),
    spokenNow: () => context.spokenNow(),
    lastAnswer: () => current?.lastAnswer,
    cronSummary: () => context.cronSummary(),
    tasksSummary: (n) => context.tasksSummary(n),
    minutesSummary: () => context.minutesSummary(),
  };
  let routerName: string | undefined;
  const syncRouterName = () => {
    const n = context.hasAgentName() ? context.agentName() : undefined;
    if (n !== routerName) {
      routerName = n;
      router.setAgentName(n);
    }
  };

  const facts = (): PromptFacts => ({
    agentName: context.agentName(),
    userName: context.userName(),
    timeZone: config.identity.timeZone,
    now: context.spokenNow(),
  });

  const track = <T>(p: Promise<T>): Promise<T> => {
    background.add(p);
    p.finally(() => background.delete(p)).catch(() => {});
    return p;
  };

  /**
   * Runs the model with a work deadline. Resolves within `budgetMs` with the reply, or with
   * `{late}` (the work continues and `late` settles with the eventual reply).
   */
  const runModel = (
    req: Omit<Parameters<ModelBackend["complete"]>[0], "signal">,
    budgetMs: number,
    abortOnBudget: boolean,
  ): Promise<
    | { kind: "ok"; text: string; via: string }
    | { kind: "error"; err: unknown }
    | { kind: "late"; late: Promise<string | undefined> }
  > => {
    if (modelCalls >= maxModelCalls) {
      return Promise.resolve({
        kind: "error",
        err: new ClawcallError("E_BRIDGE_TIMEOUT", "too many model calls"),
      });
    }
    modelCalls++;
    const work = new AbortController();
    const workTimer = setTimeout(
      () => work.abort(new ClawcallError("E_DEADLINE", "model work deadline")),
      abortOnBudget ? budgetMs : workTimeoutMs,
    );
    workTimer.unref();
    const p = track(
      model.complete({ ...req, signal: work.signal }).finally(() => {
        clearTimeout(workTimer);
        modelCalls--;
      }),
    );
    return new Promise((resolve) => {
      let settled = false;
      const budget = setTimeout(
        () => {
          if (settled) return;
          settled = true;
          if (abortOnBudget) {
            work.abort(new ClawcallError("E_DEADLINE", "turn budget"));
            resolve({
              kind: "error",
              err: new ClawcallError("E_DEADLINE", `model passed the ${budgetMs} ms budget`),
            });
            return;
          }
          resolve({
            kind: "late",
            late: p.then(
              (r) => r.text,
              (err) => {
                log.warn(
                  { code: (err as ClawcallError).code, err: (err as Error).message },
                  "deferred model call failed",
                );
                noteError((err as ClawcallError).code ?? "E_MODEL", (err as Error).message);
                return undefined;
              },
            ),
          });
        },
        Math.max(0, budgetMs),
      );
      budget.unref();
      p.then(
        (r) => {
          if (settled) return;
          settled = true;
          clearTimeout(budget);
          resolve({ kind: "ok", text: r.text, via: r.via });
        },
        (err) => {
          if (settled) return;
          settled = true;
          clearTimeout(budget);
          resolve({ kind: "error", err });
        },
      );
    });
  };

  const reply = (
    conv: Conversation | undefined,
    text: string,
    endCall: boolean,
    intent: IntentName | null,
    source: AnswerSource,
    kind: RelayEvent["kind"],
    t0: number,
  ): MessageReply => {
    const response = capLength(text);
    if (conv) conversations.add(conv, "assistant", response);
    stats.turns++;
    stats[source]++;
    if (stats.turns % 20 === 0) statusDirty = true;
    return {
      response,
      end_call: endCall,
      intent,
      source,
      ms: Math.round((performance.now() - t0) * 1000) / 1000,
      kind,
    };
  };

  const withPrefix = (prefix: string | undefined, text: string) =>
    prefix ? `${sentence(prefix)} ${text}` : text;

  const modelFallbackLine = () =>
    model.mode === "off"
      ? "On the phone I can only answer simple things right now: the time, your scheduled jobs, your tasks and your minutes."
      : "Sorry, I can't look into that right now. Please try again in a little while.";

  // --- one turn per kind ----------------------------------------------------------------------------

  const callerTurn = async (callSid: string, text: string, t0: number): Promise<MessageReply> => {
    const { conv } = conversations.touch(callSid, "caller");
    const prefix = deliveries.takeForTurn();
    if (text === "") return reply(conv, withPrefix(prefix, DIDNT_CATCH), false, null, "fast", "caller", t0);
    syncRouterName();
    const routed = router.route(text);
    if (routed.intent) {
      current = conv;
      const answer = routed.intent.answer(fast, routed.normalized);
      current = undefined;
      conversations.add(conv, "user", text);
      return reply(
        conv,
        withPrefix(prefix, answer),
        routed.intent.endCall === true,
        routed.intent.name,
        "fast",
        "caller",
        t0,
      );
    }
    const history = conv.turns.slice();
    conversations.add(conv, "user", text);
    if (model.mode === "off")
      return reply(conv, withPrefix(prefix, modelFallbackLine()), false, null, "fallback", "caller", t0);
    const budget = phoneTimeoutMs - (performance.now() - t0);
    const r = await runModel(
      { callSid, system: phonePrompt(facts()), utterance: text, history, purpose: "caller" },
      budget,
      false,
    );
    if (r.kind === "ok") {
      const spoken = speakable(extractEndCall(r.text).text);
      if (spoken) return reply(conv, withPrefix(prefix, spoken), false, null, "model", "caller", t0);
      noteError("E_MODEL_BAD_OUTPUT", "model reply had nothing speakable");
      return reply(conv, withPrefix(prefix, modelFallbackLine()), false, null, "fallback", "caller", t0);
    }
    if (r.kind === "error") {
      const e = r.err as ClawcallError;
      noteError(e.code ?? "E_MODEL", e.message ?? String(r.err));
      log.warn(
        { callSid, code: e.code, err: e.message },
        "model call failed; answering with a fallback line",
      );
      return reply(conv, withPrefix(prefix, modelFallbackLine()), false, null, "fallback", "caller", t0);
    }
    deferAnswer(r.late, text);
    return reply(
      conv,
      withPrefix(
        prefix,
        context.callbackAllowed()
          ? "That one is taking me longer than I'd like. I'll keep working on it and call you back with the answer, or tell you next time we talk."
          : "That one is taking me longer than I'd like. I'll keep working on it and tell you the answer as soon as we talk next.",
      ),
      false,
      null,
      "deferred",
      "caller",
      t0,
    );
  };

  const deferAnswer = (late: Promise<string | undefined>, question: string) => {
    void track(
      late.then((text) => {
        const spoken = text ? sentence(speakable(extractEndCall(text).text, 500)) : "";
        if (!spoken) return;
        const about = capLength(speakable(question, 120), 120);
        const user = context.userName();
        deliveries.add(
          {
            inCall: `About your earlier question, "${about}": ${spoken}`,
            callback: `Hi${user ? ` ${user}` : ""}, it's ${context.agentName()} with the answer to your question, "${about}". ${spoken}`,
            reason: "deferred_answer",
          },
          { callback: true },
        );
        log.info("deferred answer ready");
      }),
    );
  };

  const scheduledTurn = async (callSid: string, ctxText: string, t0: number): Promise<MessageReply> => {
    const { conv } = conversations.touch(callSid, "scheduled");
    const user = context.userName();
    const opener = `Hi${user ? ` ${user}` : ""}, it's ${context.agentName()} with your scheduled call.`;
    const prefix = deliveries.takeForTurn();
    const head = prefix ? `${opener} ${prefix}` : opener;
    if (ctxText === "")
      return reply(conv, `${head} What can I do for you?`, false, null, "fast", "scheduled", t0);
    syncRouterName();
    const routed = router.route(ctxText);
    if (routed.intent && ["cron", "tasks", "time", "minutes"].includes(routed.intent.name)) {
      current = conv;
      const answer = routed.intent.answer(fast, routed.normalized);
      current = undefined;
      return reply(conv, `${head} ${answer}`, false, routed.intent.name, "fast", "scheduled", t0);
    }
    conversations.add(conv, "user", `[Scheduled call] ${ctxText}`);
    const plain = `${head} You asked me to call about this: ${sentence(capLength(speakable(ctxText, 300), 300))}`;
    if (model.mode === "off") return reply(conv, plain, false, null, "fallback", "scheduled", t0);
    const factsText = `${context.tasksSummary("")} ${context.cronSummary()}`;
    const r = await runModel(
      {
        callSid,
        system: scheduledPrompt(facts(), factsText),
        utterance: `The scheduled call is about: ${ctxText}`,
        history: [],
        purpose: "scheduled",
      },
      phoneTimeoutMs - (performance.now() - t0),
      false,
    );
    if (r.kind === "ok") {
      const spoken = speakable(extractEndCall(r.text).text);
      if (spoken)
        return reply(conv, prefix ? `${prefix} ${spoken}` : spoken, false, null, "model", "scheduled", t0);
    }
    if (r.kind === "late") {
      deferAnswer(r.late, ctxText);
      return reply(
        conv,
        `${head} I'm still putting it together; I'll have it for you in a moment.`,
        false,
        null,
        "deferred",
        "scheduled",
        t0,
      );
    }
    if (r.kind === "error")
      noteError((r.err as ClawcallError).code ?? "E_MODEL", String((r.err as Error).message));
    return reply(conv, plain, false, null, "fallback", "scheduled", t0);
  };

  const thirdPartyTurn = async (
    callSid: string,
    ev: Extract<RelayEvent, { kind: "third_party_open" | "third_party_says" }>,
    t0: number,
  ): Promise<MessageReply> => {
    const { conv } = conversations.touch(callSid, "third_party");
    conv.kind = "third_party";
    if (ev.kind === "third_party_open") {
      conv.objective = ev.objective;
      conv.context = ev.context;
    }
    const user = context.userName();
    const opening = `Hello, this is ${context.agentName()}, an AI assistant calling on behalf of ${user ?? "a client"}.${conv.objective ? ` I'm calling about this: ${sentence(capLength(speakable(conv.objective, 200), 200))}` : ""}`;
    const utterance =
      ev.kind === "third_party_open"
        ? "(The person has just answered the phone. Open the conversation toward your objective.)"
        : `<third_party_speech>\n${fenceUntrusted(ev.speech)}\n</third_party_speech>`;
    const history = conv.turns.slice();
    conversations.add(conv, "user", utterance);
    if (model.mode === "off") {
      return ev.kind === "third_party_open"
        ? reply(conv, opening, false, null, "fallback", ev.kind, t0)
        : reply(
            conv,
            "I'm sorry, I can't continue this call right now. Goodbye.",
            true,
            null,
            "fallback",
            ev.kind,
            t0,
          );
    }
    const r = await runModel(
      {
        callSid,
        system: thirdPartyPrompt(facts(), { objective: conv.objective, context: conv.context }),
        utterance,
        history,
        purpose: "third_party",
      },
      thirdPartyBudgetMs - (performance.now() - t0),
      true,
    );
    if (r.kind === "ok") {
      const { text, endCall } = extractEndCall(r.text);
      const spoken = speakable(text, 400);
      if (spoken) return reply(conv, spoken, endCall, null, "model", ev.kind, t0);
      if (endCall) return reply(conv, "Thank you, goodbye.", true, null, "model", ev.kind, t0);
    } else if (r.kind === "error") {
      const e = r.err as ClawcallError;
      noteError(e.code ?? "E_MODEL", e.message ?? String(r.err));
      log.warn({ callSid, code: e.code }, "third-party turn missed its budget; using a stock line");
    }
    return ev.kind === "third_party_open"
      ? reply(conv, opening, false, null, "fallback", ev.kind, t0)
      : reply(conv, "Sorry, could you say that once more?", false, null, "fallback", ev.kind, t0);
  };

  const completionTurn = (
    ev: Extract<RelayEvent, { kind: "third_party_complete" }>,
    t0: number,
  ): MessageReply => {
    const agentLines = ev.transcript.filter((t) => t.role === "agent");
    const theirLines = ev.transcript.filter((t) => t.role !== "agent");
    const lastAgent = agentLines[agentLines.length - 1]?.text;
    const conv = conversations.findThirdPartyBySaid(agentLines.map((t) => t.text));
    const objective = conv?.objective;
    const topic = objective ? capLength(speakable(objective, 120), 120) : "a call I made for you";
    const lastTheirs = theirLines[theirLines.length - 1]?.text;
    const summary = [
      `${theirLines.length === 0 ? "Nobody said anything on" : "I finished"} the call about ${topic}.`,
      lastTheirs ? `They last said: ${quoted(capLength(speakable(lastTheirs, 200), 200))}` : "",
      lastAgent ? `I ended with: ${quoted(capLength(speakable(lastAgent, 200), 200))}` : "",
    ]
      .filter(Boolean)
      .join(" ");
    const existing = tasks.list().find((t) => t.source === "third_party" && t.title.includes(ev.jobId));
    if (!existing) {
      tasks.create({
        title: `Phone call: ${objective ? capLength(objective, 80) : "third-party call"} (job ${ev.jobId})`,
        status: ev.status === "completed" ? "done" : "failed",
        result: summary,
        source: "third_party",
        notify: true,
      });
      const user = context.userName();
      deliveries.add(
        {
          inCall: `An update: ${summary}`,
          callback: `Hi${user ? ` ${user}` : ""}, it's ${context.agentName()}. ${summary}`,
          reason: "third_party_complete",
        },
        { callback: true },
      );
    }
    return reply(undefined, summary, false, null, "fast", "third_party_complete", t0);
  };

  const handleMessage = async (body: Record<string, unknown>): Promise<MessageReply> => {
    const t0 = performance.now();
    const sid = body.call_sid;
    if (typeof sid !== "string" || !CALL_SID_SHAPE.test(sid)) {
      throw new HttpError(
        400,
        "E_BRIDGE_BAD_REQUEST",
        "call_sid must be a string of letters, digits, . _ : -",
      );
    }
    const message = body.message;
    if (typeof message !== "string") {
      throw new HttpError(400, "E_BRIDGE_BAD_REQUEST", "message must be a string");
    }
    if (message.length > MAX_MESSAGE_CHARS) {
      throw new HttpError(413, "E_BRIDGE_TOO_LARGE", `message over ${MAX_MESSAGE_CHARS} characters`);
    }
    if (body.kind !== undefined && typeof body.kind !== "string") {
      throw new HttpError(400, "E_BRIDGE_BAD_REQUEST", "kind must be a string when present");
    }
    // The kind comes from the sid's shape and the prefix, never from the request's `kind` field.
    const ev = parseRelayMessage(sid, message);
    switch (ev.kind) {
      case "caller":
        return callerTurn(sid, ev.text, t0);
      case "scheduled":
        return scheduledTurn(sid, ev.context, t0);
      case "third_party_open":
      case "third_party_says":
        return thirdPartyTurn(sid, ev, t0);
      case "third_party_complete":
        return completionTurn(ev, t0);
      default:
        // A sid that is not a relay shape (a hand-made test, say) is plain caller speech.
        if (ev.reason === "invalid call sid") return callerTurn(sid, message.trim(), t0);
        log.warn({ callSid: sid, reason: ev.reason }, "unreadable notification");
        return reply(undefined, "I couldn't read that notification.", false, null, "fallback", "unknown", t0);
    }
  };

  // --- tasks API --------------------------------------------------------------------------------------

  const str = (v: unknown, field: string, max: number, nullable: boolean): string | null | undefined => {
    if (v === undefined) return undefined;
    if (v === null && nullable) return null;
    if (typeof v !== "string" || v.length > max) {
      throw new HttpError(
        400,
        "E_BRIDGE_BAD_REQUEST",
        `${field} must be a string of at most ${max} characters`,
      );
    }
    return v;
  };
  const status = (v: unknown): TaskStatus | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== "string" || !(TASK_STATUSES as readonly string[]).includes(v)) {
      throw new HttpError(400, "E_BRIDGE_BAD_REQUEST", `status must be one of ${TASK_STATUSES.join(", ")}`);
    }
    return v as TaskStatus;
  };
  const bool = (v: unknown, field: string): boolean | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== "boolean")
      throw new HttpError(400, "E_BRIDGE_BAD_REQUEST", `${field} must be true or false`);
    return v;
  };

  const notifyFinished = (t: ReturnType<TaskRegistry["create"]>) => {
    if (!t.notify || t.notifiedAt) return;
    const user = context.userName();
    const outcome =
      t.status === "done"
        ? `${speakable(t.title, 100)} is done.${t.result ? ` ${sentence(speakable(t.result, 300))}` : ""}`
        : t.status === "failed"
          ? `${speakable(t.title, 100)} failed.${t.result ? ` ${sentence(speakable(t.result, 300))}` : ""}`
          : `${speakable(t.title, 100)} was cancelled.`;
    deliveries.add(
      {
        inCall: `A task update: ${outcome}`,
        callback: `Hi${user ? ` ${user}` : ""}, it's ${context.agentName()}. ${outcome}`,
        reason: "task_finished",
      },
      { callback: true },
    );
    tasks.markNotified(t.id);
  };

  const createTask = (body: Record<string, unknown>) => {
    const title = str(body.title, "title", 200, false);
    if (!title || title.trim() === "") throw new HttpError(400, "E_BRIDGE_BAD_REQUEST", "title is required");
    const task = tasks.create({
      title: title.trim(),
      status: status(body.status) ?? "running",
      progress: str(body.progress, "progress", 500, true) ?? null,
      result: str(body.result, "result", 2000, true) ?? null,
      notify: bool(body.notify, "notify") ?? false,
    });
    if (task.endedAt) notifyFinished(task);
    return tasks.get(task.id) ?? task;
  };

  const patchTask = (id: string, body: Record<string, unknown>) => {
    const patch: TaskPatch = {};
    const title = str(body.title, "title", 200, false);
    if (title !== undefined && title !== null) {
      if (title.trim() === "") throw new HttpError(400, "E_BRIDGE_BAD_REQUEST", "title must not be empty");
      patch.title = title.trim();
    }
    const st = status(body.status);
    if (st !== undefined) patch.status = st;
    const progress = str(body.progress, "progress", 500, true);
    if (progress !== undefined) patch.progress = progress;
    const result = str(body.result, "result", 2000, true);
    if (result !== undefined) patch.result = result;
    const notify = bool(body.notify, "notify");
    if (notify !== undefined) patch.notify = notify;
    const r = tasks.update(id, patch);
    if (!r) throw new HttpError(404, "E_BRIDGE_NOT_FOUND", "no task with that id");
    if (r.finished) notifyFinished(r.task);
    return tasks.get(id) ?? r.task;
  };

  // --- HTTP -------------------------------------------------------------------------------------------

  const checkToken = (req: IncomingMessage) => {
    if (!tokenBuf) return;
    const got = Buffer.from(req.headers.authorization ?? "");
    if (got.length !== tokenBuf.length || !timingSafeEqual(got, tokenBuf)) {
      throw new HttpError(401, "E_BRIDGE_AUTH", "missing or wrong bridge token (Authorization: Bearer …)");
    }
  };

  const requireJson = (req: IncomingMessage) => {
    if (!isJsonContentType(req.headers["content-type"])) {
      throw new HttpError(415, "E_BRIDGE_CONTENT_TYPE", "Content-Type must be application/json");
    }
  };

  const health = () => ({
    ok: !closing,
    host: config.bridge.host,
    port: boundPort,
    mode: model.mode,
    model: model.modelName,
    version: VERSION,
    uptime_s: Math.round((now() - startedAt) / 1000),
    // Lets `clawcall status`/`doctor` tell our bridge from a stale copy holding the port.
    pid: process.pid,
    gateway: model.gateway(),
    agent_name: context.agentName(),
    turns: stats.turns,
    sources: context.sources,
    pending_deliveries: deliveries.pending.length,
  });

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const method = req.method ?? "GET";

    if (path === "/clawcall/message") {
      if (method !== "POST") throw new HttpError(405, "E_BRIDGE_METHOD", "use POST");
      checkToken(req);
      requireJson(req);
      const body = await readJsonBody(req);
      const r = await handleMessage(body);
      sendJson(res, 200, r);
      if (r.source !== "fast") {
        log.info({ callSid: body.call_sid, kind: r.kind, source: r.source, ms: r.ms }, "turn answered");
      } else {
        log.debug({ callSid: body.call_sid, intent: r.intent, ms: r.ms }, "turn answered");
      }
      log.debug({ callSid: body.call_sid, message: body.message }, "caller said");
      return;
    }
    if (path === "/health" || path === "/healthz") {
      if (method !== "GET" && method !== "HEAD") throw new HttpError(405, "E_BRIDGE_METHOD", "use GET");
      sendJson(res, closing ? 503 : 200, health());
      return;
    }
    if (path === "/tasks") {
      checkToken(req);
      if (method === "GET") {
        sendJson(res, 200, { ok: true, tasks: tasks.list() });
        return;
      }
      if (method === "POST") {
        requireJson(req);
        const task = createTask(await readJsonBody(req));
        sendJson(res, 201, { ok: true, task });
        return;
      }
      throw new HttpError(405, "E_BRIDGE_METHOD", "use GET or POST");
    }
    if (path.startsWith("/tasks/")) {
      checkToken(req);
      const id = decodeURIComponent(path.slice("/tasks/".length));
      if (method === "GET") {
        const task = tasks.get(id);
        if (!task) throw new HttpError(404, "E_BRIDGE_NOT_FOUND", "no task with that id");
        sendJson(res, 200, { ok: true, task });
        return;
      }
      if (method === "PATCH") {
        requireJson(req);
        const task = patchTask(id, await readJsonBody(req));
        sendJson(res, 200, { ok: true, task });
        return;
      }
      throw new HttpError(405, "E_BRIDGE_METHOD", "use GET or PATCH");
    }
    if (path === "/context/refresh") {
      if (method !== "POST") throw new HttpError(405, "E_BRIDGE_METHOD", "use POST");
      checkToken(req);
      requireJson(req);
      await readJsonBody(req).catch(() => ({}));
      await context.refreshAll();
      sendJson(res, 200, { ok: true, sources: context.sources });
      return;
    }
    throw new HttpError(404, "E_BRIDGE_NOT_FOUND", "no such route");
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    inFlight++;
    res.once("close", () => {
      inFlight--;
    });
    if (closing) {
      sendError(res, new HttpError(503, "E_BRIDGE_CLOSING"), true);
      req.resume();
      return;
    }
    // DNS rebinding: a browser page on evil.example resolving to 127.0.0.1 sends its own Host.
    const host = req.headers.host?.toLowerCase();
    if (
      host !== undefined &&
      !allowedHosts.has(host) &&
      !(config.bridge.token && !isLoopbackHost(config.bridge.host))
    ) {
      sendError(res, new HttpError(403, "E_BRIDGE_HOST", "Host header is not a loopback name"), true);
      req.resume();
      return;
    }
    route(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) {
        // Do not keep reading an oversize body: answer and close the connection.
        const close = err.status === 413;
        sendError(res, err, close);
        if (!close && !req.complete) req.resume();
        return;
      }
      const e = err as Error;
      noteError("E_BRIDGE_INTERNAL", e?.message ?? String(err));
      log.error({ err }, "unexpected error in request");
      sendError(res, new HttpError(500, "E_BRIDGE_INTERNAL"), true);
    });
  };

  const server = createServer(
    {
      headersTimeout: 5_000,
      requestTimeout: 15_000,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: 1_000,
      maxHeaderSize: 16 * 1024,
    },
    handler,
  );
  server.on("clientError", (err, socket) => {
    if (socket.writable && !socket.destroyed) {
      const body = JSON.stringify({
        ok: false,
        code: "E_BRIDGE_BAD_REQUEST",
        error: "malformed HTTP request",
      });
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    } else socket.destroy(err);
  });

  const writeStatus = () => {
    if (deps.statusFile !== true) return;
    try {
      atomicWriteJson(statusPath, {
        pid: process.pid,
        host: config.bridge.host,
        port: boundPort,
        url: `http://${config.bridge.host}:${boundPort}`,
        version: VERSION,
        mode: model.mode,
        model: model.modelName,
        startedAt: new Date(startedAt).toISOString(),
        updatedAt: new Date(now()).toISOString(),
        closing,
        turns: stats.turns,
        turnsBySource: {
          fast: stats.fast,
          model: stats.model,
          deferred: stats.deferred,
          fallback: stats.fallback,
        },
        errors: stats.errors,
        lastError: stats.lastError,
        gateway: model.gateway(),
        pendingDeliveries: deliveries.pending.length,
        activeCalls: conversations.size,
      });
      statusDirty = false;
    } catch (err) {
      log.warn({ err }, "could not write bridge.status.json");
    }
  };

  const bridge: Bridge = {
    handler,
    server,
    context,
    tasks,
    deliveries,
    conversations,
    model,
    stats,
    handleMessage,
    get closing() {
      return closing;
    },
    writeStatus,
    async listen() {
      assertSafeBind(config);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.bridge.port, config.bridge.host, () => {
          server.off("error", reject);
          resolve();
        });
      });
      boundPort = (server.address() as AddressInfo).port;
      computeAllowedHosts(boundPort);
      context.start();
      void model.probe().catch(() => {});
      const probe = setInterval(() => void model.probe().catch(() => {}), 30_000);
      const sweep = setInterval(() => conversations.sweep(), 60_000);
      const status = setInterval(() => {
        if (statusDirty || deps.statusFile) writeStatus();
      }, 5_000);
      for (const t of [probe, sweep, status]) {
        t.unref();
        timers.push(t);
      }
      writeStatus();
      return { host: config.bridge.host, port: boundPort, url: `http://${config.bridge.host}:${boundPort}` };
    },
    async close(graceMs = phoneTimeoutMs + 2_000) {
      if (closing) return;
      closing = true;
      for (const t of timers) clearInterval(t);
      context.stop();
      deliveries.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      server.closeAllConnections();
      await Promise.race([closed, new Promise((r) => setTimeout(r, 1_000))]);
      // Background CLI calls (context refresh, deferred model work) run in their own process groups.
      if (runner === runCommand) killRunningCommands();
      writeStatus();
      await model.close();
      await relay?.close?.().catch(() => {});
    },
  };
  return bridge;
}

export { END_CALL_SENTINEL };
