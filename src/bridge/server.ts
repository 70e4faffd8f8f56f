/**
 * The bridge, composed: context sources, per-call memory, deliveries, the task registry, the model
 * behind its gate, the turns, the routes and the HTTP server. Each part lives in its own file; this
 * one wires them and owns the lifecycle (listen, close).
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Config } from "../config/index.js";
import { ClawcallError } from "../errors.js";
import { type Logger, silentLogger } from "../log.js";
import { SLOT_TTL_MS } from "../relay/deadlines.js";
import { keepsWords, TurnRecord, turnRecordPath } from "../state/turn-record.js";
import { InFlight, settledWithin } from "../util/async.js";
import { Brain } from "./brain.js";
import { ContextStore, type RelayLike, type SourceName } from "./context/index.js";
import { bridgeStatusPath, type MessageReply } from "./contract.js";
import { Conversations } from "./conversations.js";
import { Deliveries } from "./deliveries.js";
import { buildGuestDesk } from "./guest-wiring.js";
import {
  createBridgeServer,
  Guards,
  isLoopbackHost,
  type MethodHandler,
  type Route,
  readJsonBody,
  requestHandler,
  sendJson,
} from "./http.js";
import { BridgeMetrics, metricsRoutes } from "./metrics.js";
import { createModelBackend, type ModelBackend } from "./model/index.js";
import { WarmUp, watchedByWarmUp } from "./model/warm-up.js";
import { ModelFailureLog, modelFix } from "./model-failure-log.js";
import { ModelGate } from "./model-gate.js";
import { IntentRouter } from "./router.js";
import { type CommandRunner, killRunningCommands, spawnCommand } from "./runner.js";
import { BridgeStats, healthBody, type ReportSources, StatusFileWriter } from "./status.js";
import { TaskRegistry } from "./task-registry.js";
import { TasksApi } from "./tasks-api.js";
import { TurnOutcomes } from "./turn-outcomes.js";
import { Turns } from "./turns.js";

export type { AnswerSource, MessageReply } from "./contract.js";
export { BridgeStats } from "./status.js";

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
  /** Model calls going on in the background (deferred answers) at once. Default 4. */
  maxBackgroundModelCalls?: number;
  /** Append each turn to `<stateDir>/turns/bridge.jsonl` for `clawcall stats`. Default true. */
  turnRecord?: boolean;
}

/** Refuses to serve a non-loopback address without a token (the bridge would be an open model proxy). */
export function assertSafeBind(config: Config): void {
  if (!isLoopbackHost(config.bridge.host) && !config.bridge.token) {
    throw new ClawcallError(
      "E_CONFIG",
      `refusing to listen on ${config.bridge.host}: only loopback addresses are allowed unless CLAWCALL_BRIDGE_TOKEN is set`,
    );
  }
}

/** The parts a bridge is made of, built from the config and the injected dependencies. */
function buildParts(config: Config, deps: BridgeDeps) {
  const log = deps.logger ?? silentLogger();
  const now = deps.now ?? Date.now;
  const runner = deps.runner ?? spawnCommand;
  const relay: RelayLike | undefined = deps.relay === null ? undefined : deps.relay;
  const tasks = new TaskRegistry(config.stateDir, now);
  const refresh = deps.refreshMs ? { refreshMs: deps.refreshMs } : {};
  const context = new ContextStore({ config, logger: log, runner, relay, tasks, now, ...refresh });
  const conversations = new Conversations(now);
  const { outcomes, stats, record, metrics } = buildOutcomes(config, deps, { log, now, conversations });
  const deliveries = new Deliveries({
    stateDir: config.stateDir,
    logger: log,
    relay,
    context,
    conversations,
    now,
    words: config.speech.words,
    ...(deps.callbackQuietMs !== undefined ? { quietMs: deps.callbackQuietMs } : {}),
    onAdded: (reason) => {
      if (reason === "deferred_answer" || reason === "deferred_failed")
        outcomes.deferred(reason === "deferred_answer" ? "answer" : "failed");
    },
    onCallback: (reason) => outcomes.callback(reason),
  });
  const workTimeout = deps.modelWorkTimeoutMs !== undefined ? { workTimeoutMs: deps.modelWorkTimeoutMs } : {};
  const model = deps.model ?? createModelBackend(config, { logger: log, runner, ...workTimeout });
  const brain = new Brain({ mode: model.mode, gateway: () => model.gateway(), now });
  // One for the warm-up and the turns: whichever meets an absent model first says it.
  const modelFailures = new ModelFailureLog({ log, sandbox: config.relay.sandbox, fix: modelFix(config) });
  const warm = buildWarmUp(
    config,
    model,
    log,
    modelFailures,
    () => gate.active > 0 || conversations.activeCount(config.model.warmUp.intervalMs) > 0,
  );
  const gate = new ModelGate({
    model: outcomes.timed(warm ? watchedByWarmUp(model, warm) : model),
    brain,
    phoneTimeoutMs: config.model.phoneTimeoutMs,
    ...(deps.maxModelCalls !== undefined ? { maxCalls: deps.maxModelCalls } : {}),
    ...(deps.maxBackgroundModelCalls !== undefined ? { maxBackground: deps.maxBackgroundModelCalls } : {}),
    ...(deps.thirdPartyBudgetMs !== undefined ? { thirdPartyBudgetMs: deps.thirdPartyBudgetMs } : {}),
    ...workTimeout,
    onLateFailure: (err) => {
      const e = err as ClawcallError;
      log.warn({ code: e.code, err: e.message }, "deferred model call failed");
      stats.noteError(e.code ?? "E_MODEL", e.message);
    },
  });
  const onGuestTurn = () => outcomes.noteGuest();
  const guests = buildGuestDesk(config, { relay, context, conversations, gate, log, now, onGuestTurn });
  const router = new IntentRouter();
  const turns = new Turns({
    timeZone: config.identity.timeZone,
    context,
    conversations,
    deliveries,
    tasks,
    gate,
    router,
    stats,
    answered: (turn, reply) => outcomes.answered(turn, reply),
    log,
    guests,
    speech: config.speech,
    brain,
    modelFailures,
  });
  const names = () => ({ agentName: context.agentName(), userName: context.userName() });
  const tasksApi = new TasksApi({ tasks, deliveries, names });
  return {
    log,
    now,
    runner,
    relay,
    tasks,
    context,
    conversations,
    deliveries,
    model,
    stats,
    brain,
    gate,
    warm,
    router,
    turns,
    tasksApi,
    outcomes,
    record,
    metrics,
  };
}

/** Counters, the per-turn record and `/metrics`: where each turn's outcome goes. */
function buildOutcomes(
  config: Config,
  deps: BridgeDeps,
  p: { log: Logger; now: () => number; conversations: Conversations },
) {
  const record =
    deps.turnRecord === false
      ? undefined
      : new TurnRecord({
          path: turnRecordPath(config.stateDir, "bridge"),
          now: p.now,
          logger: p.log,
          words: keepsWords(config.logLevel),
        });
  // A call the relay still holds a slot for counts as active (as in `clawcall status`).
  const metrics = config.bridge.metrics
    ? new BridgeMetrics(() => p.conversations.activeCount(SLOT_TTL_MS))
    : undefined;
  const stats = new BridgeStats(p.now, (code) => outcomes.noteError(code));
  const outcomes = new TurnOutcomes({ stats, log: p.log, record, metrics });
  return { outcomes, stats, record, metrics };
}

type Parts = ReturnType<typeof buildParts>;

/** Keep-warm turns, in gateway mode over HTTP when switched on (`CLAWCALL_WARMUP`). */
function buildWarmUp(
  config: Config,
  model: ModelBackend,
  log: Logger,
  failures: ModelFailureLog,
  busy: () => boolean,
): WarmUp | undefined {
  const send = model.warmUp?.bind(model);
  if (config.model.mode !== "gateway" || !config.model.warmUp.enabled || !send) return undefined;
  return new WarmUp({
    send,
    busy,
    intervalMs: config.model.warmUp.intervalMs,
    log: log.child({ component: "warm-up" }),
    failures,
  });
}

/**
 * Builds the bridge: the request handler, the fast-path router, context sources, the model back
 * end, deferred deliveries and the task registry. Nothing listens or refreshes until `listen()`.
 */
export function buildBridge(config: Config, deps: BridgeDeps = {}): Bridge {
  return new Bridge(config, deps, buildParts(config, deps));
}

/** A built bridge: its parts, its handler and server, and its lifecycle. Made by `buildBridge`. */
export class Bridge {
  /** The Node request handler (usable without `listen`, e.g. in benchmarks). */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  readonly server: Server;
  readonly context: ContextStore;
  readonly tasks: TaskRegistry;
  readonly deliveries: Deliveries;
  readonly conversations: Conversations;
  readonly model: ModelBackend;
  readonly gate: ModelGate;
  readonly stats: BridgeStats;
  readonly #config: Config;
  readonly #p: Parts;
  readonly #guards: Guards;
  readonly #requests = new InFlight();
  readonly #status: StatusFileWriter | undefined;
  readonly #report: ReportSources;
  readonly #timers: NodeJS.Timeout[] = [];
  #closing = false;
  #port: number;

  constructor(config: Config, deps: BridgeDeps, p: Parts) {
    this.#config = config;
    this.#p = p;
    ({ context: this.context, tasks: this.tasks, deliveries: this.deliveries } = p);
    ({ conversations: this.conversations, model: this.model, gate: this.gate, stats: this.stats } = p);
    this.#port = config.bridge.port;
    this.#guards = new Guards({ host: config.bridge.host, token: config.bridge.token });
    this.#guards.setPort(this.#port);
    this.#report = {
      host: config.bridge.host,
      port: () => this.#port,
      closing: () => this.#closing,
      startedAt: p.now(),
      now: p.now,
      stats: p.stats,
      model: p.model,
      brain: p.brain,
      context: p.context,
      deliveries: p.deliveries,
      conversations: p.conversations,
    };
    this.#status =
      deps.statusFile === true
        ? new StatusFileWriter(bridgeStatusPath(config.stateDir), this.#report, p.log)
        : undefined;
    const handle = requestHandler({
      routes: this.#routes(),
      guards: this.#guards,
      closing: () => this.#closing,
      onInternalError: (err) => {
        p.stats.noteError("E_BRIDGE_INTERNAL", (err as Error)?.message ?? String(err));
        p.log.error({ err }, "unexpected error in request");
      },
    });
    // Counted until the response closes, so close() can wait for what is in flight.
    this.handler = (req, res) => {
      void this.#requests.run(() => new Promise((resolve) => res.once("close", resolve)));
      p.outcomes.traced(() => handle(req, res));
    };
    this.server = createBridgeServer(this.handler);
  }

  #routes(): Route[] {
    const healthGet: MethodHandler = {
      handle: ({ res }) => sendJson(res, this.#closing ? 503 : 200, healthBody(this.#report)),
    };
    const health: Route = {
      path: "/health",
      alias: "/healthz",
      methods: { GET: healthGet, HEAD: healthGet },
    };
    const refresh: Route = {
      path: "/context/refresh",
      token: true,
      methods: {
        POST: {
          json: true,
          handle: async ({ req, res }) => {
            // The refresh takes no body; a bad one is read and ignored, not refused.
            await readJsonBody(req).catch(() => ({}));
            await this.context.refreshAll();
            sendJson(res, 200, { ok: true, sources: this.context.sources });
          },
        },
      },
    };
    return [
      ...this.#p.turns.routes(),
      health,
      ...this.#p.tasksApi.routes(),
      refresh,
      ...metricsRoutes(this.#p.metrics),
    ];
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** Handles one message without HTTP (unit tests, benchmarks). */
  handleMessage(body: Record<string, unknown>): Promise<MessageReply> {
    return this.#p.outcomes.traced(() => this.#p.turns.handle(body));
  }

  writeStatus(): void {
    this.#status?.write();
  }

  /** Starts background refreshes and binds. Refuses a non-loopback host without a token. */
  async listen(): Promise<{ host: string; port: number; url: string }> {
    const { host } = this.#config.bridge;
    assertSafeBind(this.#config);
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.#config.bridge.port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    this.#port = (this.server.address() as AddressInfo).port;
    this.#guards.setPort(this.#port);
    this.context.start();
    const probe = () => void this.model.probe().catch(() => {});
    probe();
    this.#timers.push(
      setInterval(probe, 30_000).unref(),
      setInterval(() => this.conversations.sweep(), 60_000).unref(),
      setInterval(() => void this.deliveries.sweepEnded().catch(() => {}), 15_000).unref(),
    );
    this.#status?.start();
    this.#p.warm?.start();
    // The intents' regexes compile on first use (~80 ms): pay it soon, not on a caller's first turn,
    // and not in front of the first /health either.
    this.#timers.push(
      setTimeout(() => {
        try {
          this.#p.router.warm();
        } catch (err) {
          this.#p.log.error(
            { err },
            "the router's classifier weights are unreadable; fast answers use patterns only",
          );
        }
      }, 1_000).unref(),
    );
    return { host, port: this.#port, url: `http://${host}:${this.#port}` };
  }

  /**
   * Stop accepting, cut model calls short (a waiting turn answers with its fallback line, deferred
   * work is told later with an apology), finish in-flight requests (up to `graceMs`), stop timers.
   */
  async close(graceMs = this.#config.model.phoneTimeoutMs + 2_000): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    for (const t of this.#timers) clearInterval(t);
    this.#p.warm?.stop();
    this.#status?.stop();
    this.context.stop();
    this.deliveries.close();
    this.gate.abortAll();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    await settledWithin(this.#requests.idle(), graceMs);
    // The apologies for cut deferred work are saved (told on the next call) before we go.
    await settledWithin(this.gate.idle(), 1_000);
    this.server.closeAllConnections();
    await settledWithin(closed, 1_000);
    // Background CLI calls (context refresh, deferred model work) run in their own process groups.
    if (this.#p.runner === spawnCommand) killRunningCommands();
    this.writeStatus();
    await this.#p.record?.flush();
    await this.model.close();
    await this.#p.relay?.close?.().catch(() => {});
  }
}
