import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "../../config/index.js";
import { ClawcallError, RelayHttpError } from "../../errors.js";
import type { Logger } from "../../log.js";
import type { schemas } from "../../relay/index.js";
import { settledWithin } from "../../util/async.js";
import type { CommandRunner } from "../runner.js";
import { spokenNow } from "../spoken-time.js";
import type { TaskRegistry } from "../task-registry.js";
import { parseOpenclawCron, parseRelaySchedules, type ScheduleEntry } from "./cron.js";
import { type IdentityFacts, identityFromFiles } from "./identity.js";
import { answerSchedules } from "./schedule-answers.js";
import { parseOpenclawTasks, summarizeTasks, type TaskView, viewOfRecord } from "./tasks.js";

/** The part of the relay client the bridge uses (a fake in tests). */
export interface RelayLike {
  account(o?: { signal?: AbortSignal }): Promise<schemas.AccountResponse>;
  listSchedules(o?: { signal?: AbortSignal }): Promise<{ schedules: schemas.ScheduleItem[] }>;
  callback(message: string, allowFollowup?: boolean, o?: { signal?: AbortSignal }): Promise<unknown>;
  /** Recent calls with their numbers: who is calling (src/bridge/caller-check.ts). */
  history(q: { limit?: number }, o?: { signal?: AbortSignal }): Promise<{ calls: schemas.HistoryItem[] }>;
  close?(): Promise<void>;
}

export type SourceName = "identity" | "openclaw_cron" | "openclaw_tasks" | "relay_schedules" | "account";
export interface SourceStatus {
  state: "pending" | "ok" | "missing" | "error";
  at: string | null;
  error: string | null;
}

export interface ContextOptions {
  config: Config;
  logger: Logger;
  runner: CommandRunner;
  relay: RelayLike | undefined;
  tasks: TaskRegistry;
  now: () => number;
  /** Refresh periods (ms). */
  refreshMs?: Partial<Record<SourceName, number>>;
  cliTimeoutMs?: number;
}

const DEFAULT_REFRESH: Record<SourceName, number> = {
  identity: 60_000,
  openclaw_cron: 60_000,
  openclaw_tasks: 20_000,
  relay_schedules: 60_000,
  account: 60_000,
};

/** Parses CLI stdout that should hold one JSON document, possibly after log lines. */
export function parseJsonOutput(stdout: string): unknown {
  const t = stdout.trim();
  if (t === "") throw new Error("empty output");
  try {
    return JSON.parse(t);
  } catch {}
  const lines = t.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]?.trimStart() ?? "";
    if (!l.startsWith("{") && !l.startsWith("[")) continue;
    try {
      return JSON.parse(lines.slice(i).join("\n"));
    } catch {}
  }
  throw new Error("no JSON document in the output");
}

/**
 * Everything the fast path knows, cached and refreshed in the background: identity, cron jobs and
 * scheduled calls, tasks, the relay account. Reads never wait: a source not loaded yet or failing
 * answers "I don't see any …".
 */
export class ContextStore {
  readonly #o: ContextOptions;
  readonly #log: Logger;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #loggedOnce = new Set<string>();
  readonly #inFlight = new Map<SourceName, Promise<void>>();
  #stopped = false;

  identity: IdentityFacts = { agentName: undefined, userName: undefined };
  account: schemas.AccountResponse | undefined;
  /** Set when a callback came back 403: this tier cannot call the user. */
  callbackForbidden = false;
  #cronRaw: unknown;
  #relaySchedules: schemas.ScheduleItem[] = [];
  #openclawTasks: TaskView[] = [];
  #version = 0;
  /** When each source last loaded successfully (the injected clock). */
  readonly #loadedAt = new Map<SourceName, number>();
  #cronMemo: { key: string; text: string } | undefined;

  readonly sources: Record<SourceName, SourceStatus> = {
    identity: { state: "pending", at: null, error: null },
    openclaw_cron: { state: "pending", at: null, error: null },
    openclaw_tasks: { state: "pending", at: null, error: null },
    relay_schedules: { state: "pending", at: null, error: null },
    account: { state: "pending", at: null, error: null },
  };

  constructor(o: ContextOptions) {
    this.#o = o;
    this.#log = o.logger.child({ component: "context" });
  }

  /** Loads every source now (without waiting) and keeps them fresh. */
  start(): void {
    // Identity is two small files: read them once synchronously so the first call knows the name.
    this.#loadIdentitySync();
    for (const name of Object.keys(DEFAULT_REFRESH) as SourceName[]) {
      void this.refresh(name);
      const every = this.#o.refreshMs?.[name] ?? DEFAULT_REFRESH[name];
      const t = setInterval(() => void this.refresh(name), every);
      t.unref();
      this.#timers.push(t);
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
  }

  /**
   * Refreshes all sources and resolves when they are done (tests, `POST /context/refresh`). A load
   * already running may have read the data before the change that asked for this: one more follows it.
   */
  async refreshAll(): Promise<void> {
    await Promise.all((Object.keys(DEFAULT_REFRESH) as SourceName[]).map((n) => this.refresh(n, true)));
  }

  refresh(name: SourceName, fresh = false): Promise<void> {
    const running = this.#inFlight.get(name);
    if (running && !fresh) return running;
    const start = () => this.#refreshOne(name);
    const p = (running ? running.then(start) : start()).finally(() => {
      if (this.#inFlight.get(name) === p) this.#inFlight.delete(name);
    });
    this.#inFlight.set(name, p);
    return p;
  }

  /**
   * Before a "none" answer about schedules or tasks: sources last loaded longer ago than their
   * refresh period are loaded again first (bounded), so "no scheduled calls" never comes from old data.
   */
  /**
   * Minutes are charged when a call ends, so the account read a minute ago is wrong after the last
   * call: asked about minutes, reload it when older than `maxAgeMs` (bounded: stale beats silence).
   */
  async freshAccount(maxAgeMs = 5_000, boundMs = 1_500): Promise<void> {
    const at = this.#loadedAt.get("account");
    if (at !== undefined && this.#o.now() - at <= maxAgeMs) return;
    await settledWithin(this.refresh("account"), boundMs);
  }

  async freshBeforeNone(topic: "cron" | "tasks", boundMs = 2_000): Promise<void> {
    const names: SourceName[] = topic === "cron" ? ["openclaw_cron", "relay_schedules"] : ["openclaw_tasks"];
    const now = this.#o.now();
    const noJobs = () =>
      this.#cronRaw === undefined ||
      parseOpenclawCron(this.#cronRaw, new Date(now), this.#o.config.identity.timeZone).length === 0;
    const empty =
      topic === "cron" ? this.#relaySchedules.length === 0 && noJobs() : this.taskViews().length === 0;
    if (!empty) return;
    const stale = names.filter((n) => {
      const at = this.#loadedAt.get(n);
      return at === undefined || now - at > (this.#o.refreshMs?.[n] ?? DEFAULT_REFRESH[n]);
    });
    if (stale.length > 0) await settledWithin(Promise.all(stale.map((n) => this.refresh(n))), boundMs);
  }

  async #refreshOne(name: SourceName): Promise<void> {
    if (this.#stopped) return;
    const status = this.sources[name];
    try {
      switch (name) {
        case "identity":
          await this.#loadIdentity();
          break;
        case "openclaw_cron":
          this.#cronRaw = await this.#cli(["cron", "list", "--json"]);
          break;
        case "openclaw_tasks":
          this.#openclawTasks = parseOpenclawTasks(await this.#cli(["tasks", "list", "--json"]));
          break;
        case "relay_schedules":
          if (!this.#o.relay) throw new ClawcallError("E_CONFIG", "no relay client");
          this.#relaySchedules = (
            await this.#o.relay.listSchedules({ signal: AbortSignal.timeout(10_000) })
          ).schedules;
          break;
        case "account":
          if (!this.#o.relay) throw new ClawcallError("E_CONFIG", "no relay client");
          this.account = await this.#o.relay.account({ signal: AbortSignal.timeout(10_000) });
          if (this.account.tier === "pro" || this.account.tier === "team") this.callbackForbidden = false;
          break;
      }
      this.#version++;
      this.#loadedAt.set(name, this.#o.now());
      status.state = "ok";
      status.error = null;
      status.at = new Date(this.#o.now()).toISOString();
      this.#loggedOnce.delete(name);
      if (name === "openclaw_cron" || name === "openclaw_tasks") this.#loggedOnce.delete("openclaw-missing");
    } catch (err) {
      const missing = err instanceof ClawcallError && err.code === "E_CLI_MISSING";
      status.state = missing ? "missing" : "error";
      status.error = err instanceof Error ? err.message : String(err);
      status.at = new Date(this.#o.now()).toISOString();
      // Logged once per failure streak, not on every refresh.
      // A missing binary is one fact, not one per source: say it once.
      const key = missing ? "openclaw-missing" : name;
      if (!this.#loggedOnce.has(key)) {
        this.#loggedOnce.add(key);
        const code = err instanceof ClawcallError ? err.code : undefined;
        if (missing) {
          // No OpenClaw yet while trying the sandbox is expected: said once, at info.
          this.#log[this.#o.config.relay.sandbox ? "info" : "warn"](
            { source: name, code, bin: this.#o.config.model.openclawBin },
            "openclaw CLI not found: answering without its data (set CLAWCALL_OPENCLAW_BIN or install OpenClaw)",
          );
        } else {
          this.#log.warn(
            { source: name, code, err: status.error },
            "context source failed; using cached data",
          );
        }
      }
    }
  }

  #loadIdentitySync(): void {
    const dir = this.#o.config.identity.workspaceDir;
    const read = (f: string) => {
      try {
        return readFileSync(join(dir, f), "utf8");
      } catch {
        return undefined;
      }
    };
    this.identity = identityFromFiles(read("IDENTITY.md"), read("USER.md"));
  }

  async #loadIdentity(): Promise<void> {
    const dir = this.#o.config.identity.workspaceDir;
    const read = (f: string) => readFile(join(dir, f), "utf8").catch(() => undefined);
    const [idMd, userMd] = await Promise.all([read("IDENTITY.md"), read("USER.md")]);
    this.identity = identityFromFiles(idMd, userMd);
  }

  async #cli(args: string[]): Promise<unknown> {
    const bin = this.#o.config.model.openclawBin;
    const r = await this.#o.runner(bin, args, { timeoutMs: this.#o.cliTimeoutMs ?? 15_000 });
    if (r.timedOut) throw new ClawcallError("E_CLI_FAILED", `${bin} ${args.join(" ")} timed out`);
    try {
      // OpenClaw may exit non-zero on config warnings while stdout still holds the JSON.
      return parseJsonOutput(r.stdout);
    } catch (err) {
      throw new ClawcallError(
        "E_CLI_FAILED",
        `${bin} ${args.join(" ")} exited ${r.code ?? r.signal} without JSON (${(err as Error).message})`,
      );
    }
  }

  // --- what the fast path reads -------------------------------------------------------------------

  agentName(): string {
    return (
      this.#o.config.identity.agentName ??
      this.identity.agentName ??
      this.account?.agent_name ??
      "your assistant"
    );
  }

  hasAgentName(): boolean {
    return this.agentName() !== "your assistant";
  }

  userName(): string | undefined {
    return this.#o.config.identity.userName ?? this.identity.userName;
  }

  /** The bridge's clock (injected in tests). */
  now(): number {
    return this.#o.now();
  }

  spokenNow(): string {
    return spokenNow(new Date(this.#o.now()), this.#o.config.identity.timeZone);
  }

  /** The answer to a question about schedules; the last one is kept for 30 s of wall time. */
  cronSummary(question = ""): string {
    const now = this.#o.now();
    const key = `${this.#version}:${Math.floor(now / 30_000)}:${question}`;
    if (this.#cronMemo?.key === key) return this.#cronMemo.text;
    const { jobs, calls } = this.schedules();
    const text = answerSchedules(question, jobs, calls, new Date(now), this.#o.config.identity.timeZone);
    this.#cronMemo = { key, text };
    return text;
  }

  /** OpenClaw's cron jobs and the relay's scheduled calls, with next runs from now. */
  schedules(): { jobs: ScheduleEntry[]; calls: ScheduleEntry[] } {
    const zone = this.#o.config.identity.timeZone;
    const date = new Date(this.#o.now());
    return {
      jobs: this.#cronRaw === undefined ? [] : parseOpenclawCron(this.#cronRaw, date, zone),
      calls: parseRelaySchedules(this.#relaySchedules, date, zone),
    };
  }

  taskViews(): TaskView[] {
    return [...this.#o.tasks.list().map(viewOfRecord), ...this.#openclawTasks];
  }

  tasksSummary(normalized: string): string {
    return summarizeTasks(this.taskViews(), normalized, this.#o.now());
  }

  minutesSummary(): string {
    const a = this.account;
    if (!a) return "I can't see your minutes right now. Please ask me again in a little while.";
    const left = Math.max(0, Math.floor(a.minutes_remaining));
    const limit = Math.floor(a.minutes_limit);
    if (left <= 0) return `You've used all ${limit} of your minutes for this month.`;
    return `You have ${left} minute${left === 1 ? "" : "s"} left this month, out of ${limit}.`;
  }

  /** Whether a relay callback may work (unknown tier: try, a 403 will tell). */
  callbackAllowed(): boolean {
    if (!this.#o.relay || this.callbackForbidden) return false;
    const tier = this.account?.tier;
    return tier === undefined || tier === "pro" || tier === "team";
  }

  noteCallbackError(err: unknown): void {
    if (err instanceof RelayHttpError && err.status === 403) this.callbackForbidden = true;
  }
}
