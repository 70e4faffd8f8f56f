/**
 * The stack the outage tests run: the sandbox relay in this process, the real bridge and the real
 * listener as processes, and the chaos proxy between listener and relay (no random faults: only the
 * outages a test asks for). `stopOutage` ends them.
 */
import { join } from "node:path";
import { killAllBridges, startIsolatedBridge } from "../helpers/bridge-proc.js";
import {
  type Child,
  killAll,
  listenerEnv,
  type RunningSandbox,
  removeTempDirs,
  startListener,
  startSandbox,
  tempDir,
} from "../helpers/listener-proc.js";
import { type ChaosOptions, ChaosProxy } from "./chaos-proxy.js";

export interface OutageStack {
  rs: RunningSandbox;
  proxy: ChaosProxy;
  listener: Child;
  close(): Promise<void>;
}

export interface OutageStackOptions {
  /** Phone time runs this much faster than real time (the relay's fillers, slot lifetime). */
  scale: number;
  /** CLAWCALL_POLL_TIMEOUT_S (real seconds: the sandbox does not scale polls here). */
  pollTimeoutS: number;
  /** Faults the proxy applies once a test turns chaos on (default: none). */
  chaos?: Omit<ChaosOptions, "target" | "seed" | "enabled">;
}

const stacks: OutageStack[] = [];

/** Stops every process and server the stacks started (afterAll). */
export async function closeOutageStacks(): Promise<void> {
  await killAll();
  await killAllBridges();
  await Promise.all(stacks.splice(0).map((s) => s.close()));
  removeTempDirs();
}

export async function startOutageStack(o: OutageStackOptions): Promise<OutageStack> {
  const rs = await startSandbox({ timeScale: o.scale, scaleListen: false });
  const bridge = await startIsolatedBridge({ CLAWCALL_API_URL: rs.url });
  const proxy = await new ChaosProxy({ target: rs.url, seed: 13, enabled: false, ...o.chaos }).start();
  const listener = await startListener(
    listenerEnv({
      CLAWCALL_API_URL: proxy.url,
      CLAWCALL_AGENT_URL: bridge.url,
      CLAWCALL_STATE_DIR: join(tempDir(), "state"),
      CLAWCALL_SANDBOX_TIME_SCALE: String(o.scale),
      CLAWCALL_POLL_TIMEOUT_S: String(o.pollTimeoutS),
      LOG_LEVEL: "info",
    }),
  );
  const stack: OutageStack = {
    rs,
    proxy,
    listener,
    async close() {
      await proxy.close();
      await bridge.stop("SIGKILL");
      await rs.close();
    },
  };
  stacks.push(stack);
  return stack;
}

/**
 * Resolves once a poll is open on the relay (forwarded by the proxy, not answered yet) and nothing
 * else is in flight: an outage then cuts only that poll.
 */
export async function pollOpen(proxy: ChaosProxy, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const last = proxy.polls().at(-1);
    const othersDone = proxy.log.every((r) => r.endpoint === "listen" || r.ended_t !== undefined);
    if (last?.forwarded && last.ended_t === undefined && Date.now() - last.t > 50 && othersDone) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("no poll opened on the relay");
}
