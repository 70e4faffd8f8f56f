import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import type { Config } from "../config/index.js";
import { EXIT } from "../exit-codes.js";
import { atomicWriteJson } from "../state/atomic.js";
import { acquirePidLock, isAlive, listPidRecords, type PidLock, stopPid } from "../state/pidlock.js";
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
    "another copy is already running — `clawcall status` shows it, `clawcall stop` stops it",
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

export interface BridgeHealth {
  ok?: boolean;
  mode?: string;
  model?: string | null;
  version?: string;
  gateway?: { reachable?: boolean; chat_completions?: boolean | null };
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

async function fetchHealth(url: string, timeoutMs = 2_000): Promise<BridgeHealth | undefined> {
  try {
    const res = await request(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.body.json()) as BridgeHealth;
    return res.statusCode === 200 ? body : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs the whole runtime in the foreground: sandbox (without a key), bridge, then listener;
 * restarts a crashed child with backoff; stops all three on SIGINT/SIGTERM. Resolves the exit code.
 */
export async function runUp(opts: UpOptions): Promise<number> {
  const { config, out, err } = opts;
  const logDir = join(config.stateDir, "logs");
  let lock: PidLock;
  try {
    lock = await acquirePidLock(config.stateDir, { name: "up" }, { replace: opts.replace ?? false });
  } catch (e) {
    err(`clawcall up: ${(e as Error).message}`);
    return EXIT.ALREADY_RUNNING;
  }

  // Writing to a closed pipe (a pager or `| tee` gone after Ctrl-C) must not kill the supervisor
  // halfway through stopping its children.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
  await adoptOrphans(config.stateDir, err);

  const status: UpStatus = {
    state: "starting",
    pid: process.pid,
    startedAt: new Date().toISOString(),
    relay: { sandbox: config.relay.sandbox, url: config.relay.apiUrl },
    restarts: {},
  };
  const save = () => atomicWriteJson(upStatusPath(config.stateDir), status);
  save();

  const children = new Map<string, RunningChild>();
  let stopping = false;
  let fatal: { code: number; why: string } | undefined;
  const stopSignal = new AbortController();
  const baseEnv: NodeJS.ProcessEnv = { ...opts.env, CLAWCALL_STATE_DIR: config.stateDir };
  const passArgs = opts.replace ? ["--replace"] : [];

  const specs: ChildSpec[] = [];
  if (config.relay.sandbox) {
    specs.push({
      name: "sandbox",
      script: "bin/clawcall.js",
      args: ["sandbox", "--port", String(config.sandbox.port)],
      env: baseEnv,
      readyPattern: /sandbox relay listening on (http:\/\/\S+)/,
      showPlain: false,
    });
  }
  specs.push({
    name: "bridge",
    script: "bridge/phone-agent-server.js",
    args: passArgs,
    env: baseEnv,
    readyPattern: /listening on (http:\/\/\S+)/,
  });
  specs.push({
    name: "listener",
    script: "listener/clawcall-listener.js",
    args: passArgs,
    env: baseEnv,
    readyPattern: /Agent mode: (HTTP|CLI)/,
  });

  const events = { onNotice: (name: string, line: string) => err(`[${name}] ${line}`) };

  const start = async (spec: ChildSpec): Promise<string> => {
    const child = new RunningChild(PACKAGE_ROOT, spec, logDir, events);
    children.set(spec.name, child);
    void supervise(spec, child);
    return child.ready;
  };

  const supervise = async (spec: ChildSpec, child: RunningChild) => {
    const { code, signal } = await child.exited;
    if (stopping || children.get(spec.name) !== child) return;
    const why = code !== null ? FATAL_EXITS.get(code) : undefined;
    if (why) {
      fatal = { code: code ?? 1, why: `${spec.name}: ${why}` };
      stopSignal.abort();
      return;
    }
    const n = (status.restarts[spec.name] ?? 0) + 1;
    // A child that ran a minute before dying starts its backoff afresh.
    const ranMs = Date.now() - child.startedAt;
    const attempt = ranMs > 60_000 ? 1 : n;
    const delayMs = Math.min(30_000, 500 * 2 ** (attempt - 1));
    status.restarts[spec.name] = n;
    save();
    err(
      `[${spec.name}] exited (${signal ?? `code ${code}`}); restarting in ${(delayMs / 1000).toFixed(1)} s`,
    );
    if (!(await sleep(delayMs, stopSignal.signal)) || stopping) return;
    try {
      const url = await start(spec);
      if (spec.name === "bridge")
        status.bridge = { ...status.bridge, url, pid: children.get("bridge")?.proc.pid };
      if (spec.name === "listener")
        status.listener = { mode: "HTTP", pid: children.get("listener")?.proc.pid };
      if (spec.name === "sandbox") status.sandbox = { url, pid: children.get("sandbox")?.proc.pid };
      save();
      err(`[${spec.name}] restarted (pid ${children.get(spec.name)?.proc.pid})`);
    } catch (e) {
      err(`[${spec.name}] restart failed: ${(e as Error).message}`);
    }
  };

  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) {
      err(`clawcall up: second ${sig}, killing everything now`);
      for (const c of children.values()) c.proc.kill("SIGKILL");
      lock.release();
      process.exit(EXIT.FAILURE);
    }
    stopSignal.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const shutdown = async (code: number): Promise<number> => {
    stopping = true;
    status.state = "stopping";
    save();
    // Listener first (it lets its open poll finish and answers what is in flight), then the bridge.
    const grace: Record<string, number> = {
      listener: (config.listener.pollTimeoutS + 20) * 1000,
      bridge: 15_000,
    };
    for (const name of ["listener", "bridge", "sandbox"]) {
      const c = children.get(name);
      if (c) await c.stop(grace[name] ?? 5_000);
    }
    status.state = code === 0 ? "stopped" : "failed";
    save();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    lock.release();
    return code;
  };

  try {
    const env = { ...baseEnv };
    if (config.relay.sandbox) {
      const spec = specs.find((s) => s.name === "sandbox")!;
      const url = await race(start(spec), stopSignal.signal);
      status.relay.url = url;
      status.sandbox = { url, pid: children.get("sandbox")?.proc.pid };
      env.CLAWCALL_API_URL = url;
      save();
    }
    for (const s of specs) if (s.name !== "sandbox") s.env = env;
    const bridgeSpec = specs.find((s) => s.name === "bridge")!;
    const bridgeUrl = await race(start(bridgeSpec), stopSignal.signal);
    let health: BridgeHealth | undefined;
    for (let i = 0; i < 50 && !health?.ok && !stopSignal.signal.aborted; i++) {
      health = await fetchHealth(bridgeUrl);
      if (!health?.ok) await sleep(100, stopSignal.signal);
    }
    if (!health?.ok) throw new Error(`the bridge at ${bridgeUrl} never reported healthy`);
    status.bridge = { url: bridgeUrl, pid: children.get("bridge")?.proc.pid, health };
    const listenerSpec = specs.find((s) => s.name === "listener")!;
    listenerSpec.env = { ...env, CLAWCALL_AGENT_URL: bridgeUrl };
    await race(start(listenerSpec), stopSignal.signal);
    status.listener = { mode: "HTTP", pid: children.get("listener")?.proc.pid };
    status.state = "running";
    save();
    for (const line of statusBlock(status, config)) out(line);
  } catch (e) {
    if (!stopSignal.signal.aborted || fatal) {
      const why = fatal?.why ?? (e as Error).message;
      status.error = why;
      err(`clawcall up: ${why}`);
      return shutdown(fatal?.code ?? EXIT.FAILURE);
    }
    return shutdown(EXIT.OK);
  }

  // Refresh the bridge's health facts now and then so `status`/`--detach` show current ones.
  const refresher = setInterval(async () => {
    if (status.bridge?.url) {
      const h = await fetchHealth(status.bridge.url);
      if (h) {
        status.bridge.health = h;
        save();
      }
    }
  }, 15_000);
  refresher.unref();
  await new Promise<void>((resolve) =>
    stopSignal.signal.addEventListener("abort", () => resolve(), { once: true }),
  );
  clearInterval(refresher);
  if (fatal) {
    status.error = fatal.why;
    err(`clawcall up: stopping — ${fatal.why}`);
    return shutdown(fatal.code);
  }
  out("clawcall up: stopping…");
  const code = await shutdown(EXIT.OK);
  out("clawcall up: stopped");
  return code;
}

function race<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(new Error("stopped"));
    signal.addEventListener("abort", () => reject(new Error("stopped")), { once: true });
    p.then(resolve, reject);
  });
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
