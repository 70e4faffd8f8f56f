/**
 * Processes and servers for listener e2e tests: the real listener launcher as a child process, the
 * sandbox relay in-process (or as a process), and a small fake bridge with a configurable delay.
 * Every child is tracked and killed by `killAll()` (afterEach).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { baseEnv, ROOT } from "./proc.js";
import { makeTempDir } from "./temp-dirs.js";

export { eventually, ROOT } from "./proc.js";
export { type RunningSandbox, startSandbox } from "./sandbox.js";

const live = new Set<ChildProcess>();

/** A fresh temp dir, removed after the test file finishes (or by removeTempDirs). */
export function tempDir(prefix = "clawcall-listener-"): string {
  return makeTempDir(prefix);
}

/** Removes every temp dir made so far (afterEach, after the children are gone). */
export { removeTempDirs } from "./temp-dirs.js";

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Parsed NDJSON lines from stdout (non-JSON lines are kept as {raw}). */
  logs: LogLine[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(match: string | RegExp | ((l: LogLine) => boolean), timeoutMs?: number): Promise<LogLine>;
  kill(signal?: NodeJS.Signals): void;
}

/** Waits for a child's log line matching `re` and returns its first group (a URL); throws if it exits first. */
export async function startedAt(c: Child, re: RegExp): Promise<string> {
  const line = await Promise.race([
    c.waitForLog((l) => re.test(String(l.msg ?? "")), 20_000),
    c.exited.then((e) => {
      throw new Error(`exited early (${e.code}): ${c.stderr.join("\n")}`);
    }),
  ]);
  return re.exec(String(line.msg))![1]!;
}

/** Spawns `node <script> ...args` with this Node (so the Node 24 CI run tests Node 24). */
export function spawnNode(script: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Child {
  const proc = spawn(process.execPath, [join(ROOT, script), ...args], {
    env,
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(proc);
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  const waiters: { test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  const feed = (l: LogLine) => {
    logs.push(l);
    for (const w of [...waiters]) {
      if (w.test(l)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(l);
      }
    }
  };
  if (proc.stdout)
    createInterface({ input: proc.stdout }).on("line", (line) => {
      try {
        feed(JSON.parse(line) as LogLine);
      } catch {
        feed({ raw: line, msg: line });
      }
    });
  if (proc.stderr) createInterface({ input: proc.stderr }).on("line", (line) => stderr.push(line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once("exit", (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    }),
  );
  const toTest = (m: string | RegExp | ((l: LogLine) => boolean)) =>
    typeof m === "function"
      ? m
      : (l: LogLine) => (typeof m === "string" ? l.msg === m : m.test(String(l.msg ?? "")));
  return {
    proc,
    pid: proc.pid ?? -1,
    logs,
    stderr,
    exited,
    waitForLog(match, timeoutMs = 20_000) {
      const test = toTest(match);
      const hit = logs.find(test);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          reject(
            new Error(
              `timed out waiting for log ${String(match)}\n${logs
                .slice(-30)
                .map((l) => JSON.stringify(l))
                .join("\n")}\nstderr: ${stderr.join("\n")}`,
            ),
          );
        }, timeoutMs);
        waiters.push({
          test,
          resolve: (l) => {
            clearTimeout(t);
            resolve(l);
          },
        });
      });
    },
    kill(signal = "SIGKILL") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
  };
}

/** Environment for a listener against a sandbox: nothing from the developer's shell but PATH/HOME, zone and clock. */
export function listenerEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return baseEnv({ LOG_LEVEL: "debug", CLAWCALL_SANDBOX_TIME_SCALE: "20", ...extra });
}

/**
 * Starts the listener and waits for its start line; with `settled` (default) also for the end of its
 * restart sweep, so a test's new calls do not race the sweep's apologies for calls from before.
 */
export async function startListener(
  env: NodeJS.ProcessEnv,
  args: string[] = [],
  opts: { settled?: boolean } = {},
): Promise<Child> {
  const c = spawnNode("listener/clawcall-listener.js", args, env);
  await Promise.race([
    c.waitForLog(opts.settled === false ? /^Agent mode: (HTTP|CLI)$/ : "restart sweep done"),
    c.exited.then((e) => {
      throw new Error(`listener exited early (${e.code}): ${c.stderr.join("\n")}`);
    }),
  ]);
  return c;
}

/** Kills every child a test started. */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...live].map(
      (p) =>
        new Promise<void>((r) => {
          if (p.exitCode !== null || p.signalCode !== null) return r();
          p.once("exit", () => r());
          p.kill("SIGKILL");
        }),
    ),
  );
}

export interface BridgeHit {
  call_sid: string;
  message: string;
  kind: string;
  at: number;
  endedAt?: number;
  authorization?: string | undefined;
}

export interface FakeBridge {
  url: string;
  hits: BridgeHit[];
  delayMs: number;
  maxConcurrent: number;
  /** Per-message override: return an answer, "fail" (500), or undefined for the default echo. */
  behaviour?: (hit: BridgeHit) => { response: string; end_call?: boolean } | "fail" | undefined;
  /** While set, answers wait for it (then `delayMs`): a test decides when the agent is done. */
  hold?: Promise<unknown>;
  close(): Promise<void>;
}

/** A bridge stand-in on 127.0.0.1:0: answers "You said: <message>" after `delayMs`. */
export async function startFakeBridge(delayMs = 0): Promise<FakeBridge> {
  let running = 0;
  const bridge: FakeBridge = {
    url: "",
    hits: [],
    delayMs,
    maxConcurrent: 0,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      let j: { call_sid?: string; message?: string; kind?: string } = {};
      try {
        j = JSON.parse(body);
      } catch {}
      const hit: BridgeHit = {
        call_sid: String(j.call_sid),
        message: String(j.message),
        kind: String(j.kind),
        at: Date.now(),
        authorization: req.headers.authorization,
      };
      bridge.hits.push(hit);
      running++;
      bridge.maxConcurrent = Math.max(bridge.maxConcurrent, running);
      const reply = () => {
        running--;
        hit.endedAt = Date.now();
        const b = bridge.behaviour?.(hit);
        if (b === "fail") {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ ok: false, error: { code: "E_BRIDGE_INTERNAL" } }));
          return;
        }
        const answer = b ?? {
          response: `You said: ${hit.message}`,
          end_call: /goodbye/i.test(hit.message),
        };
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ ...answer, intent: null, source: "fake", ms: bridge.delayMs }));
      };
      void Promise.resolve(bridge.hold).then(() => setTimeout(reply, bridge.delayMs));
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  bridge.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = bridge.close;
  bridge.close = () => {
    server.closeAllConnections();
    return close();
  };
  return bridge;
}
