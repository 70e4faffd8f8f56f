import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";

export const ROOT = join(import.meta.dirname, "../..");

/** A fresh temp dir, removed after the test file finishes. */
export { makeTempDir as tempDir } from "./temp-dirs.js";

/**
 * The test run's zone and clock, for its children: `TZ`, and libfaketime's preload and settings when
 * the suite runs under `faketime`. Without them a child would read the real date while the test reads
 * a faked one, and the suite would not move through time together.
 */
export function clockEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && (k === "TZ" || k === "LD_PRELOAD" || k.startsWith("FAKETIME"))) env[k] = v;
  }
  return env;
}

/**
 * A base environment for child processes: PATH/HOME and the run's zone and clock only, so the
 * developer's own settings never leak in.
 */
export function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "test",
    LOG_LEVEL: "info",
    ...clockEnv(),
  };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export interface Proc {
  proc: ChildProcess;
  out: string[];
  err: string[];
  /** Resolves with the first match (in stdout or stderr, past or future) of `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

const live = new Set<ChildProcess>();

/** Runs a package script with this Node (so the Node 24 CI run tests Node 24). */
export function startNode(script: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Proc {
  const proc = spawn(process.execPath, [join(ROOT, script), ...args], {
    env,
    cwd,
    stdio: ["pipe", "pipe", "pipe"],
  });
  live.add(proc);
  const out: string[] = [];
  const err: string[] = [];
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const onLine = (list: string[]) => (line: string) => {
    list.push(line);
    for (const w of [...waiters]) {
      const m = line.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  if (proc.stdout) createInterface({ input: proc.stdout }).on("line", onLine(out));
  if (proc.stderr) createInterface({ input: proc.stderr }).on("line", onLine(err));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once("exit", (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    }),
  );
  return {
    proc,
    out,
    err,
    exited,
    kill: (signal = "SIGKILL") => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
    waitFor(re, timeoutMs = 20_000) {
      for (const line of [...out, ...err]) {
        const m = line.match(re);
        if (m) return Promise.resolve(m);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(`timed out waiting for ${re}\nstdout:\n${out.join("\n")}\nstderr:\n${err.join("\n")}`),
          );
        }, timeoutMs);
        waiters.push({
          re,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(
            new Error(
              `exited (${signal ?? code}) before ${re}\nstdout:\n${out.join("\n")}\nstderr:\n${err.join("\n")}`,
            ),
          );
        });
      });
    },
  };
}

/** Kills every child this file started (call from afterEach/afterAll). */
export function killAll(): void {
  for (const p of live) p.kill("SIGKILL");
  live.clear();
}

/**
 * Runs the built `clawcall` bin to completion without blocking the test's event loop; `stdin` is piped
 * in and closed (so nothing is a TTY and nothing prompts).
 */
export async function runCliAsync(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd = ROOT,
  timeoutMs = 60_000,
  stdin = "",
) {
  const p = startNode("bin/clawcall.js", args, env, cwd);
  p.proc.stdin?.end(stdin);
  const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
  const { code } = await p.exited;
  clearTimeout(timer);
  return { code, stdout: p.out.join("\n"), stderr: p.err.join("\n") };
}

/** Polls until `check` returns a truthy value. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`eventually: timed out${last ? ` (${String(last)})` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** `clawcall up` with the sandbox on ephemeral ports in its own state dir; `extra` adds or overrides. */
export function upEnv(stateDir: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return baseEnv({
    CLAWCALL_STATE_DIR: stateDir,
    CLAWCALL_SANDBOX_PORT: "0",
    CLAWCALL_AGENT_PORT: "0",
    CLAWCALL_SANDBOX_TIME_SCALE: "10",
    CLAWCALL_POLL_TIMEOUT_S: "2",
    ...extra,
  });
}
