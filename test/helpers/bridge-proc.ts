import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { request } from "undici";

import { bridgeTempDir } from "./bridge-fakes.js";
import { baseEnv, ROOT } from "./proc.js";

export { eventually, ROOT } from "./proc.js";

const LAUNCHER = join(ROOT, "bridge/phone-agent-server.js");
const live = new Set<ChildProcess>();

export interface BridgeProc {
  proc: ChildProcess;
  port: number;
  url: string;
  lines: string[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Environment for the bridge: nothing from the developer's shell but PATH, HOME and the run's zone
 * and clock. The spoken zone is the system's unless a test names one.
 */
export function bridgeEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return baseEnv({ CLAWCALL_AGENT_PORT: "0", CLAWCALL_PHONE_MODEL_MODE: "off", ...extra });
}

export interface SpawnOptions {
  /** Runs the bridge under `ulimit -n` (the shell execs node, so `proc.pid` is the bridge). */
  fdLimit?: number;
}

/** Spawns `node bridge/phone-agent-server.js` (no wait). */
export function spawnBridge(env: NodeJS.ProcessEnv, args: string[] = [], opts: SpawnOptions = {}) {
  const [cmd, argv] =
    opts.fdLimit === undefined
      ? [process.execPath, [LAUNCHER, ...args]]
      : [
          "/bin/sh",
          ["-c", `ulimit -n ${opts.fdLimit} && exec "$0" "$@"`, process.execPath, LAUNCHER, ...args],
        ];
  const proc = spawn(cmd, argv, {
    env,
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(proc);
  const lines: string[] = [];
  const stderr: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const onLine = (list: string[]) => (line: string) => {
    list.push(line);
    for (const w of [...waiters]) {
      if (w.re.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  if (proc.stdout) createInterface({ input: proc.stdout }).on("line", onLine(lines));
  if (proc.stderr) createInterface({ input: proc.stderr }).on("line", onLine(stderr));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once("exit", (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    }),
  );
  const waitForLine = (re: RegExp, timeoutMs = 15_000) =>
    new Promise<string>((resolve, reject) => {
      const hit = [...lines, ...stderr].find((l) => re.test(l));
      if (hit) return resolve(hit);
      const t = setTimeout(
        () => reject(new Error(`timed out waiting for ${re}\n${lines.join("\n")}\n${stderr.join("\n")}`)),
        timeoutMs,
      );
      waiters.push({
        re,
        resolve: (l) => {
          clearTimeout(t);
          resolve(l);
        },
      });
    });
  return { proc, lines, stderr, exited, waitForLine };
}

/** Starts the bridge and waits for "listening on http://127.0.0.1:<port>". */
export async function startBridge(
  env: NodeJS.ProcessEnv,
  args: string[] = [],
  opts: SpawnOptions = {},
): Promise<BridgeProc> {
  const b = spawnBridge(env, args, opts);
  const line = await Promise.race([
    b.waitForLine(/listening on http:\/\/127\.0\.0\.1:\d+/),
    b.exited.then((e) => {
      throw new Error(`bridge exited early (${e.code}): ${b.stderr.join("\n")} ${b.lines.join("\n")}`);
    }),
  ]);
  const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
  return {
    ...b,
    port,
    url: `http://127.0.0.1:${port}`,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (b.proc.exitCode === null && b.proc.signalCode === null) b.proc.kill(signal);
      return b.exited;
    },
  };
}

/**
 * Stops every bridge a test started (afterEach/afterAll): SIGTERM so it can kill its own CLI
 * children, SIGKILL after a short grace.
 */
/** A bridge with no `openclaw` on PATH and no reachable relay: it answers only from itself. */
export function startIsolatedBridge(
  extra: Record<string, string | undefined> = {},
  opts: SpawnOptions = {},
): Promise<BridgeProc> {
  return startBridge(
    bridgeEnv({
      CLAWCALL_STATE_DIR: join(bridgeTempDir(), "state"),
      CLAWCALL_AGENT_NAME: "Pinchy",
      PATH: "/nonexistent",
      CLAWCALL_API_URL: "http://127.0.0.1:9",
      ...extra,
    }),
    [],
    opts,
  );
}

export async function killAllBridges(): Promise<void> {
  const graceMs = 3_000;
  const waits = [...live].map(
    (p) =>
      new Promise<void>((r) => {
        if (p.exitCode !== null || p.signalCode !== null) return r();
        const t = setTimeout(() => p.kill("SIGKILL"), graceMs);
        p.once("exit", () => {
          clearTimeout(t);
          r();
        });
        p.kill("SIGTERM");
      }),
  );
  await Promise.all(waits);
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are checked field by field
  json: any;
}

/** One HTTP request to the bridge; the body is always read. */
export async function http(
  url: string,
  opts: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    timeoutMs?: number;
  } = {},
): Promise<HttpResult> {
  const res = await request(url, {
    method: (opts.method ?? "GET") as "GET",
    headers: opts.headers,
    body: opts.body,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 20_000),
  });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.statusCode, headers: res.headers, text, json };
}

export const CALL_SID = `CA${"0123456789abcdef".repeat(2)}`;
export const callSid = (n: number) => `CA${n.toString(16).padStart(32, "0")}`;

/** POST /clawcall/message. */
export function say(
  base: string,
  message: string,
  sid = CALL_SID,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return http(`${base}/clawcall/message`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ call_sid: sid, message, ...extra }),
  });
}
