// @ts-check
/**
 * Child processes for the benchmarks: spawned with this Node (`process.execPath`), never a shell,
 * stdout/stderr read line by line (pino NDJSON), ports read back from "listening on
 * http://127.0.0.1:N" lines, RSS read from /proc. Every child is tracked and killed by `killAll()`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

export const ROOT = join(import.meta.dirname, "../..");

/** @type {Set<Proc>} */
const live = new Set();
/** @type {string[]} */
const tempDirs = [];

/** A fresh temp dir, removed by `cleanup()`. */
export function tempDir(prefix = "clawcall-bench-") {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

/**
 * Environment for a child: PATH and HOME only from ours, so no developer setting leaks in.
 * @param {Record<string, string | undefined>} extra
 * @returns {NodeJS.ProcessEnv}
 */
export function childEnv(extra) {
  /** @type {NodeJS.ProcessEnv} */
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", LOG_LEVEL: "info" };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

/**
 * @typedef {object} Proc
 * @property {import("node:child_process").ChildProcess} child
 * @property {number} pid
 * @property {string} name
 * @property {number} spawnedAt performance.now() just before spawn
 * @property {string[]} tail last lines of output (stdout and stderr), for error messages
 * @property {(re: RegExp, timeoutMs?: number) => Promise<{ match: RegExpMatchArray, at: number }>} waitForLine
 * @property {(fn: (line: string) => void) => void} onLine
 * @property {Promise<{ code: number | null, signal: NodeJS.Signals | null }>} exited
 * @property {() => boolean} alive
 * @property {(graceMs?: number) => Promise<void>} stop SIGTERM, then SIGKILL after `graceMs`
 * @property {() => Promise<void>} kill SIGKILL
 */

/**
 * Spawns `node <script> ...args` from the repo root.
 * @param {string} name label for messages
 * @param {string} script path relative to the repo root
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} env
 * @param {{ nodeArgs?: string[], cwd?: string }} [opts]
 * @returns {Proc}
 */
export function startNode(name, script, args, env, opts = {}) {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), join(ROOT, script), ...args], {
    env,
    cwd: opts.cwd ?? ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  /** @type {string[]} */
  const tail = [];
  /** @type {{ re: RegExp, resolve: (v: { match: RegExpMatchArray, at: number }) => void }[]} */
  const waiters = [];
  /** @type {((line: string) => void)[]} */
  const handlers = [];
  /** The first lines (readiness lines come early), kept for `waitForLine` calls made after them. */
  /** @type {{ at: number, line: string }[]} */
  const head = [];
  const feed = (/** @type {string} */ line) => {
    const at = performance.now();
    tail.push(line);
    if (tail.length > 200) tail.splice(0, tail.length - 200);
    for (const h of handlers) h(line);
    for (const w of [...waiters]) {
      const m = line.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve({ match: m, at });
      }
    }
    if (head.length < 500) head.push({ at, line });
  };
  if (child.stdout) createInterface({ input: child.stdout }).on("line", feed);
  if (child.stderr) createInterface({ input: child.stderr }).on("line", feed);
  const exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    });
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  /** @type {Proc} */
  const proc = {
    child,
    pid: child.pid ?? -1,
    name,
    spawnedAt,
    tail,
    exited,
    alive,
    onLine: (fn) => {
      handlers.push(fn);
    },
    waitForLine(re, timeoutMs = 20_000) {
      for (const s of head) {
        const m = s.line.match(re);
        if (m) return Promise.resolve({ match: m, at: s.at });
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(
              `${name}: no line matching ${re} within ${timeoutMs} ms\n${tail.slice(-20).join("\n")}`,
            ),
          );
        }, timeoutMs);
        waiters.push({
          re,
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v);
          },
        });
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (${signal ?? code}) before ${re}\n${tail.slice(-20).join("\n")}`));
        });
      });
    },
    async stop(graceMs = 3_000) {
      if (!alive()) return;
      child.kill("SIGTERM");
      const t = setTimeout(() => {
        if (alive()) child.kill("SIGKILL");
      }, graceMs);
      await exited;
      clearTimeout(t);
    },
    async kill() {
      if (!alive()) return;
      child.kill("SIGKILL");
      await exited;
    },
  };
  live.add(proc);
  return proc;
}

/**
 * Starts a server process and resolves with its base URL once it logs "listening on http://127.0.0.1:N".
 * @param {string} name
 * @param {string} script
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} env
 * @param {{ nodeArgs?: string[], cwd?: string, timeoutMs?: number }} [opts]
 */
export async function startServer(name, script, args, env, opts = {}) {
  const proc = startNode(name, script, args, env, opts);
  const { match, at } = await proc.waitForLine(/listening on (http:\/\/127\.0\.0\.1:(\d+))/, opts.timeoutMs);
  return { proc, url: /** @type {string} */ (match[1]), port: Number(match[2]), listeningAt: at };
}

/**
 * Resident set size, its peak, and its anonymous (private heap) and file-backed (mostly the shared
 * `node` binary) parts, in MB, from /proc/<pid>/status (Linux). null elsewhere.
 * @param {number} pid
 * @returns {{ rssMb: number, hwmMb: number, anonMb: number, fileMb: number } | null}
 */
export function readRss(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return null;
  }
  const kb = (/** @type {string} */ key) => {
    const m = text.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  };
  return { rssMb: kb("VmRSS"), hwmMb: kb("VmHWM"), anonMb: kb("RssAnon"), fileMb: kb("RssFile") };
}

/** Kills every child still running (SIGKILL) and removes temp dirs. */
export async function killAll() {
  await Promise.all([...live].map((p) => p.kill()));
}

export async function cleanup() {
  await killAll();
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Synchronous last resort on process exit: SIGKILL by pid, only our own children. */
export function killAllSync() {
  for (const p of live) {
    try {
      if (p.alive()) p.child.kill("SIGKILL");
    } catch {}
  }
}

/**
 * @param {number} ms
 * @returns {Promise<void>}
 */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
