import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BridgeHealth, healthyOf, probeBridgeHealth } from "../bridge/contract.js";
import type { Config } from "../config/index.js";
import { EXIT } from "../exit-codes.js";
import { onStopSignals } from "../process/stop-signals.js";
import { atomicWriteJson } from "../state/atomic.js";
import {
  AlreadyRunningError,
  acquirePidLock,
  alreadyRunningLine,
  isAlive,
  listPidRecords,
  type PidLock,
  stopPid,
} from "../state/pidlock.js";
import { Backoff, settledOrAborted } from "../util/async.js";
import { sleep } from "../util/sleep.js";
import { type ChildSpec, RunningChild } from "./child.js";

/** The package root (works from dist/supervisor and src/supervisor alike). */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Exit codes after which a restart cannot help: stop everything and say why. */
const FATAL_EXITS = new Map<number, string>([
  [EXIT.KEY_REJECTED, "the relay rejected the API key — run `clawcall register --email <you>` for a new one"],
  [EXIT.CONFIG, "the configuration is invalid — see the lines above"],
  [
    EXIT.ALREADY_RUNNING,
    "another copy is already running — `clawcall status` shows it, `clawcall stop` stops it, `npm start -- --replace` takes over",
  ],
]);

export interface UpStatus {
  state: "starting" | "running" | "stopping" | "stopped" | "failed";
  pid: number;
  startedAt: string;
  relay: { sandbox: boolean; url: string };
  bridge?: { url: string; pid?: number; health?: BridgeHealth };
  listener?: { pid?: number; mode: "HTTP" };
  sandbox?: { url: string; pid?: number };
  restarts: Record<string, number>;
  error?: string;
}

export function upStatusPath(stateDir: string): string {
  return join(stateDir, "up.status.json");
}

export function readUpStatus(stateDir: string): UpStatus | undefined {
  try {
    return JSON.parse(readFileSync(upStatusPath(stateDir), "utf8")) as UpStatus;
  } catch {
    return undefined;
  }
}

/** The short block a person reads once everything is up. */
export function statusBlock(s: UpStatus, config: Config): string[] {
  const lines = ["clawcall is running"];
  lines.push(
    s.relay.sandbox
      ? `  relay      sandbox at ${s.relay.url} (demo account; set CLAWCALL_API_KEY to go live)`
      : `  relay      live at ${s.relay.url}`,
  );
  const h = s.bridge?.health;
  let model = `model ${h?.mode ?? config.model.mode}`;
  if ((h?.mode ?? config.model.mode) === "gateway") {
    if (!h?.gateway?.reachable) model += " (gateway not reachable yet: fast answers only)";
    else if (h.gateway.chat_completions === false)
      model += " (gateway chat completions disabled: see clawcall doctor)";
    else model += " (gateway answers)";
  }
  lines.push(`  bridge     ${s.bridge?.url ?? "?"}  ${model}`);
  lines.push("  listener   HTTP mode, answering through the bridge");
  if (s.relay.sandbox) {
    lines.push(`  softphone  ${s.relay.url}/`);
    lines.push(`  try        npx clawcall say "what is your name"`);
  }
  lines.push(`  logs       ${join(config.stateDir, "logs")}   stop: Ctrl-C or \`clawcall stop\``);
  return lines;
}

export interface UpOptions {
  config: Config;
  env: NodeJS.ProcessEnv;
  out(line: string): void;
  err(line: string): void;
  /** Replace running copies instead of refusing. */
  replace?: boolean;
}

/** The bridge's health when it is up and serving, else undefined. */
async function fetchHealth(url: string): Promise<BridgeHealth | undefined> {
  return healthyOf(await probeBridgeHealth(url));
}

/** The three programs `up` runs, in start order (the sandbox only without an API key). */
function childSpecs(config: Config, env: NodeJS.ProcessEnv, replace: boolean): ChildSpec[] {
  const passArgs = replace ? ["--replace"] : [];
  const specs: ChildSpec[] = [];
  if (config.relay.sandbox) {
    specs.push({
      name: "sandbox",
      script: "bin/clawcall.js",
      // `npm start -- --replace` takes over a sandbox started on its own too.
      // Its banner (with the demo key) is for a terminal: `up` prints its own, the log stays JSON lines.
      args: ["sandbox", "--port", String(config.sandbox.port), "--quiet", ...passArgs],
      env,
      readyPattern: /sandbox relay listening on (http:\/\/\S+)/,
    });
  }
  specs.push({
    name: "bridge",
    script: "bridge/phone-agent-server.js",
    args: passArgs,
    env,
    readyPattern: /listening on (http:\/\/\S+)/,
  });
  specs.push({
    name: "listener",
    script: "listener/clawcall-listener.js",
    args: passArgs,
    env,
    readyPattern: /Agent mode: (HTTP|CLI)/,
  });
  return specs;
}

/**
 * Runs the whole runtime in the foreground: sandbox (without a key), bridge, then listener;
 * restarts a crashed child with backoff; stops all three on SIGINT/SIGTERM. Resolves the exit code.
 */
export async function runUp(opts: UpOptions): Promise<number> {
  let lock: PidLock;
  try {
    lock = await acquirePidLock(opts.config.stateDir, { name: "up" }, { replace: opts.replace ?? false });
  } catch (e) {
    // `up` is what `npm start` runs: name the command a newcomer would type to take over.
    const r = e instanceof AlreadyRunningError ? e.record : undefined;
    opts.err(`clawcall up: ${r ? alreadyRunningLine(r) : (e as Error).message}`);
    return EXIT.ALREADY_RUNNING;
  }
  // Writing to a closed pipe (a pager or `| tee` gone after Ctrl-C) must not kill the supervisor
  // halfway through stopping its children.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
  await adoptOrphans(opts.config.stateDir, opts.err);
  return new Supervisor(opts, lock).run();
}

/** One `up` run: its children, their restarts, its status file and its stop. */
class Supervisor {
  readonly #o: UpOptions;
  readonly #config: Config;
  readonly #lock: PidLock;
  readonly #status: UpStatus;
  readonly #specs: ChildSpec[];
  readonly #logDir: string;
  readonly #children = new Map<string, RunningChild>();
  /** Restart delays per child: the ceiling itself, no jitter (one local process, nothing to spread). */
  readonly #restartBackoff = new Map<string, Backoff>();
  readonly #stop = new AbortController();
  #stopping = false;
  #fatal: { code: number; why: string } | undefined;
  #removeSignals: () => void = () => {};

  constructor(opts: UpOptions, lock: PidLock) {
    this.#o = opts;
    this.#config = opts.config;
    this.#lock = lock;
    this.#logDir = join(opts.config.stateDir, "logs");
    this.#status = {
      state: "starting",
      pid: process.pid,
      startedAt: new Date().toISOString(),
      relay: { sandbox: opts.config.relay.sandbox, url: opts.config.relay.apiUrl },
      restarts: {},
    };
    const env = { ...opts.env, CLAWCALL_STATE_DIR: opts.config.stateDir };
    this.#specs = childSpecs(opts.config, env, opts.replace ?? false);
  }

  #save(): void {
    atomicWriteJson(upStatusPath(this.#config.stateDir), this.#status);
  }

  #spec(name: ChildSpec["name"]): ChildSpec {
    return this.#specs.find((s) => s.name === name)!;
  }

  #pid(name: string): number | undefined {
    return this.#children.get(name)?.proc.pid;
  }

  async run(): Promise<number> {
    const { out, err } = this.#o;
    this.#save();
    this.#removeSignals = onStopSignals({
      onFirst: () => this.#stop.abort(),
      onSecond: (sig) => {
        err(`clawcall up: second ${sig}, killing everything now`);
        for (const c of this.#children.values()) c.proc.kill("SIGKILL");
        this.#lock.release();
      },
    });
    try {
      await this.#startAll();
    } catch (e) {
      if (!this.#stop.signal.aborted || this.#fatal) {
        const why = this.#fatal?.why ?? (e as Error).message;
        this.#status.error = why;
        err(`clawcall up: ${why}`);
        return this.#shutdown(this.#fatal?.code ?? EXIT.FAILURE);
      }
      return this.#shutdown(EXIT.OK);
    }
    await this.#runUntilStopped();
    if (this.#fatal) {
      this.#status.error = this.#fatal.why;
      err(`clawcall up: stopping — ${this.#fatal.why}`);
      return this.#shutdown(this.#fatal.code);
    }
    out("clawcall up: stopping…");
    const code = await this.#shutdown(EXIT.OK);
    out("clawcall up: stopped");
    return code;
  }

  /** Sandbox, bridge (until healthy), listener; then the status block. */
  async #startAll(): Promise<void> {
    const status = this.#status;
    const stop = this.#stop.signal;
    const env = { ...this.#spec("bridge").env };
    if (this.#config.relay.sandbox) {
      const url = await race(this.#start(this.#spec("sandbox")), stop);
      status.relay.url = url;
      status.sandbox = { url, pid: this.#pid("sandbox") };
      env.CLAWCALL_API_URL = url;
      this.#save();
    }
    for (const s of this.#specs) if (s.name !== "sandbox") s.env = env;
    const bridgeUrl = await race(this.#start(this.#spec("bridge")), stop);
    const health = await this.#waitHealthy(bridgeUrl);
    status.bridge = { url: bridgeUrl, pid: this.#pid("bridge"), health };
    this.#spec("listener").env = { ...env, CLAWCALL_AGENT_URL: bridgeUrl };
    await race(this.#start(this.#spec("listener")), stop);
    status.listener = { mode: "HTTP", pid: this.#pid("listener") };
    status.state = "running";
    this.#save();
    for (const line of statusBlock(status, this.#config)) this.#o.out(line);
  }

  async #waitHealthy(url: string): Promise<BridgeHealth> {
    let health: BridgeHealth | undefined;
    for (let i = 0; i < 50 && !health && !this.#stop.signal.aborted; i++) {
      health = await fetchHealth(url);
      if (!health) await sleep(100, this.#stop.signal);
    }
    if (!health) throw new Error(`the bridge at ${url} never reported healthy`);
    return health;
  }

  /** Waits for the stop, refreshing the bridge's health facts so `status`/`--detach` show current ones. */
  async #runUntilStopped(): Promise<void> {
    const refresher = setInterval(async () => {
      const bridge = this.#status.bridge;
      if (!bridge?.url) return;
      const h = await fetchHealth(bridge.url);
      if (h) {
        bridge.health = h;
        this.#save();
      }
    }, 15_000);
    refresher.unref();
    await settledOrAborted(new Promise(() => {}), this.#stop.signal);
    clearInterval(refresher);
  }

  #start(spec: ChildSpec): Promise<string> {
    const events = { onNotice: (name: string, line: string) => this.#o.err(`[${name}] ${line}`) };
    const child = new RunningChild(PACKAGE_ROOT, spec, this.#logDir, events);
    this.#children.set(spec.name, child);
    void this.#supervise(spec, child);
    return child.ready;
  }

  /** Restarts a child that exits on its own, with backoff; stops everything after a fatal exit code. */
  async #supervise(spec: ChildSpec, child: RunningChild): Promise<void> {
    const { code, signal } = await child.exited;
    if (this.#stopping || this.#children.get(spec.name) !== child) return;
    const why = code !== null ? FATAL_EXITS.get(code) : undefined;
    if (why) {
      this.#fatal = { code: code ?? 1, why: `${spec.name}: ${why}` };
      this.#stop.abort();
      return;
    }
    const status = this.#status;
    const n = (status.restarts[spec.name] ?? 0) + 1;
    let backoff = this.#restartBackoff.get(spec.name);
    if (!backoff) {
      backoff = new Backoff({ baseMs: 500, capMs: 30_000 });
      this.#restartBackoff.set(spec.name, backoff);
    }
    // A child that ran a minute before dying starts its backoff afresh.
    if (Date.now() - child.startedAt > 60_000) backoff.reset();
    const delayMs = backoff.ceiling();
    backoff.next();
    status.restarts[spec.name] = n;
    this.#save();
    const err = this.#o.err;
    err(
      `[${spec.name}] exited (${signal ?? `code ${code}`}); restarting in ${(delayMs / 1000).toFixed(1)} s`,
    );
    if (!(await sleep(delayMs, this.#stop.signal)) || this.#stopping) return;
    try {
      const url = await this.#start(spec);
      const pid = this.#pid(spec.name);
      if (spec.name === "bridge") status.bridge = { ...status.bridge, url, pid };
      if (spec.name === "listener") status.listener = { mode: "HTTP", pid };
      if (spec.name === "sandbox") status.sandbox = { url, pid };
      this.#save();
      err(`[${spec.name}] restarted (pid ${pid})`);
    } catch (e) {
      err(`[${spec.name}] restart failed: ${(e as Error).message}`);
    }
  }

  /**
   * With a live relay: listener first (it lets its open poll finish, since an abandoned poll still
   * takes a message, and answers what is in flight), then the bridge. With the sandbox all three stop
   * at once: its calls end with it, and its closing resets the listener's poll instead of waiting it out.
   */
  async #shutdown(code: number): Promise<number> {
    this.#stopping = true;
    this.#status.state = "stopping";
    this.#save();
    const grace: Record<string, number> = {
      listener: (this.#config.listener.pollTimeoutS + 20) * 1000,
      bridge: 15_000,
    };
    const stop = (name: string) => this.#children.get(name)?.stop(grace[name] ?? 5_000);
    if (this.#children.has("sandbox")) await Promise.all(["listener", "bridge", "sandbox"].map(stop));
    else for (const name of ["listener", "bridge"]) await stop(name);
    this.#status.state = code === 0 ? "stopped" : "failed";
    this.#save();
    this.#removeSignals();
    this.#lock.release();
    return code;
  }
}

/** `p`'s value, or an Error("stopped") as soon as `signal` aborts. */
async function race<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (!(await settledOrAborted(p, signal))) {
    p.catch(() => {});
    throw new Error("stopped");
  }
  return p;
}

export function packageFile(rel: string): string | undefined {
  const p = join(PACKAGE_ROOT, rel);
  return existsSync(p) ? p : undefined;
}

/**
 * Children of an earlier `up` that died without stopping them (SIGKILL, a crash) are still ours:
 * stop them cleanly before starting new ones, instead of refusing because "a bridge is running".
 */
async function adoptOrphans(stateDir: string, err: (line: string) => void): Promise<void> {
  const previous = readUpStatus(stateDir);
  if (!previous || previous.pid === process.pid || isAlive(previous.pid)) return;
  const theirs = new Set(
    [previous.listener?.pid, previous.bridge?.pid, previous.sandbox?.pid].filter((p): p is number => !!p),
  );
  const order = ["listener", "bridge", "sandbox"];
  const orphans = listPidRecords(stateDir)
    .filter((r) => r.alive && theirs.has(r.record.pid))
    .sort((a, b) => order.indexOf(a.record.name) - order.indexOf(b.record.name));
  for (const o of orphans) {
    err(
      `clawcall up: stopping the ${o.record.name} left running by an earlier \`clawcall up\` (pid ${o.record.pid})`,
    );
    await stopPid(o.record.pid, 30_000);
  }
}
