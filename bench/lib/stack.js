// @ts-check
/**
 * Starting the pieces under test as processes: the real bridge and listener launchers, the sandbox
 * relay, the baseline server and the fake bridge; plus a small client for the sandbox's simulation
 * API. Children run in a temp working directory (no stray `.env`), with a temp state dir and port 0.
 */
import { join } from "node:path";
import { Pool } from "undici";
import { SANDBOX_DEMO_API_KEY } from "../../dist/config/index.js";
import { childEnv, sleep, startNode, startServer, tempDir } from "./procs.js";

export { SANDBOX_DEMO_API_KEY };

/** A port nothing listens on (bound and released), for a relay URL that must never answer. */
const DEAD_RELAY = "http://127.0.0.1:9";

/**
 * Environment of a bridge that answers from its fast path and never runs a model or an `openclaw`.
 * @param {string} stateDir
 * @param {Record<string, string | undefined>} [extra]
 */
export function bridgeEnv(stateDir, extra = {}) {
  return childEnv({
    CLAWCALL_STATE_DIR: stateDir,
    CLAWCALL_AGENT_PORT: "0",
    CLAWCALL_PHONE_MODEL_MODE: "off",
    CLAWCALL_AGENT_NAME: "Benchy",
    CLAWCALL_USER_NAME: "Sam",
    CLAWCALL_TIMEZONE: "UTC",
    // No real OpenClaw may run: a path that does not exist makes the CLI context sources "missing".
    CLAWCALL_OPENCLAW_BIN: join(stateDir, "no-openclaw-here"),
    OPENCLAW_WORKSPACE_DIR: join(stateDir, "workspace"),
    CLAWCALL_API_URL: DEAD_RELAY,
    ...extra,
  });
}

/**
 * The real bridge (`bridge/phone-agent-server.js`).
 * @param {{ apiUrl?: string, logLevel?: string, nodeArgs?: string[], env?: Record<string, string> }} [o]
 */
export async function startBridge(o = {}) {
  const dir = tempDir();
  const env = bridgeEnv(join(dir, "state"), {
    ...(o.apiUrl ? { CLAWCALL_API_URL: o.apiUrl } : {}),
    ...(o.logLevel ? { LOG_LEVEL: o.logLevel } : {}),
    ...o.env,
  });
  return startServer("bridge", "bridge/phone-agent-server.js", [], env, {
    cwd: dir,
    ...(o.nodeArgs ? { nodeArgs: o.nodeArgs } : {}),
  });
}

/**
 * The baseline `node:http` server.
 * @param {{ nodeArgs?: string[] }} [o]
 */
export async function startBare(o = {}) {
  return startServer("bare", "bench/lib/bare-server.js", [], childEnv({}), {
    cwd: tempDir(),
    ...(o.nodeArgs ? { nodeArgs: o.nodeArgs } : {}),
  });
}

/** @param {number} delayMs */
export async function startFakeBridge(delayMs) {
  return startServer("fake-bridge", "bench/lib/fake-bridge.js", [String(delayMs)], childEnv({}), {
    cwd: tempDir(),
  });
}

/**
 * The sandbox relay process (bench/lib/sandbox-main.js).
 * @param {{ timeScale?: number, threads?: number, scaleListen?: boolean, manualSilence?: boolean }} [opts]
 */
export async function startSandbox(opts = {}) {
  const s = await startServer("sandbox", "bench/lib/sandbox-main.js", [JSON.stringify(opts)], childEnv({}), {
    cwd: tempDir(),
  });
  return { ...s, api: sandboxApi(s.url) };
}

/**
 * The real listener (`listener/clawcall-listener.js`) against a sandbox; resolves once its first
 * long poll is open on the relay.
 * @param {{ sandbox: { url: string, api: SandboxApi }, agentUrl: string, timeScale?: number, nodeArgs?: string[], env?: Record<string, string> }} o
 */
export async function startListener(o) {
  const dir = tempDir();
  const env = childEnv({
    CLAWCALL_API_URL: o.sandbox.url,
    CLAWCALL_AGENT_URL: o.agentUrl,
    CLAWCALL_STATE_DIR: join(dir, "state"),
    CLAWCALL_SANDBOX_TIME_SCALE: String(o.timeScale ?? 1),
    ...o.env,
  });
  const proc = startNode("listener", "listener/clawcall-listener.js", [], env, {
    cwd: dir,
    ...(o.nodeArgs ? { nodeArgs: o.nodeArgs } : {}),
  });
  await proc.waitForLine(/Agent mode: HTTP/);
  await waitForOpenPoll(o.sandbox.api);
  return proc;
}

/**
 * The diagnostic listener (bench/lib/listener-probe.js): our listener's classes with timestamps.
 * @param {{ sandbox: { url: string, api: SandboxApi }, agentUrl: string, timeScale?: number, maxRunMs: number }} o
 */
export async function startListenerProbe(o) {
  const dir = tempDir();
  const env = childEnv({
    CLAWCALL_API_URL: o.sandbox.url,
    CLAWCALL_AGENT_URL: o.agentUrl,
    CLAWCALL_STATE_DIR: join(dir, "state"),
    CLAWCALL_SANDBOX_TIME_SCALE: String(o.timeScale ?? 1),
  });
  const proc = startNode("listener-probe", "bench/lib/listener-probe.js", [String(o.maxRunMs)], env, {
    cwd: dir,
  });
  await proc.waitForLine(/Agent mode: HTTP/);
  await waitForOpenPoll(o.sandbox.api);
  return proc;
}

/**
 * The sequential reference-style listener (bench/sequential-listener.js).
 * @param {{ sandbox: { url: string, api: SandboxApi }, agentUrl: string, maxRunMs: number, nodeArgs?: string[] }} o
 */
export async function startSequentialListener(o) {
  const env = childEnv({
    CLAWCALL_API_URL: o.sandbox.url,
    CLAWCALL_API_KEY: SANDBOX_DEMO_API_KEY,
    CLAWCALL_AGENT_URL: o.agentUrl,
  });
  const proc = startNode("sequential-listener", "bench/sequential-listener.js", [String(o.maxRunMs)], env, {
    cwd: tempDir(),
    ...(o.nodeArgs ? { nodeArgs: o.nodeArgs } : {}),
  });
  await proc.waitForLine(/sequential listener polling/);
  await waitForOpenPoll(o.sandbox.api);
  return proc;
}

/**
 * @param {SandboxApi} api
 * @param {number} [timeoutMs]
 */
export async function waitForOpenPoll(api, timeoutMs = 15_000) {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    const q = /** @type {{ waiting: Record<string, number> }} */ (await api.get("/sandbox/queues"));
    if (Object.values(q.waiting).some((n) => n > 0)) return;
    await sleep(20);
  }
  throw new Error("no long poll opened on the sandbox relay");
}

/**
 * @typedef {object} SandboxApi
 * @property {(path: string) => Promise<any>} get
 * @property {(path: string, body?: unknown) => Promise<any>} post
 * @property {(path: string) => Promise<any>} del
 * @property {() => Promise<void>} close
 */

/**
 * JSON client for the simulation API (and anything else on the sandbox).
 * @param {string} url
 * @returns {SandboxApi}
 */
export function sandboxApi(url) {
  const pool = new Pool(url, { connections: 8, keepAliveTimeout: 10_000 });
  /**
   * @param {"GET" | "POST" | "DELETE"} method
   * @param {string} path
   * @param {unknown} [body]
   */
  const call = async (method, path, body) => {
    const res = await pool.request({
      method,
      path,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    const text = await res.body.text();
    let j;
    try {
      j = JSON.parse(text);
    } catch {
      throw new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 200)}`);
    }
    if (res.statusCode >= 400) throw new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`);
    return j;
  };
  return {
    get: (p) => call("GET", p),
    post: (p, b) => call("POST", p, b ?? {}),
    del: (p) => call("DELETE", p),
    close: () => pool.close(),
  };
}

/** A random Twilio-shaped call sid: CA + 32 hex. */
export function callSid() {
  let s = "CA";
  for (let i = 0; i < 32; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}
