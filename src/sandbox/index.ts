/**
 * The sandbox relay: a faithful local ClawCall relay (agent-facing API), an in-process telephony
 * simulator in place of Twilio, and a simulation API under `/sandbox/`.
 *
 *   const sb = buildSandbox({ timeScale: 50 });
 *   const { url } = await sb.listen(0);          // http://127.0.0.1:<port>
 *   const call = sb.sim.startCall();             // the demo user dials the shared number
 *   ...
 *   await sb.close();
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SandboxCore, type SandboxOptions } from "./core.js";
import { createSandboxServer } from "./http.js";
import { Simulation } from "./sim.js";

export type { SandboxOptions } from "./core.js";
export type { FaultKind, FaultSpec } from "./faults.js";
export { DEMO_EMAIL, DEMO_PHONE, FILLER_PHRASES, SHARED_NUMBER } from "./phrases.js";
export type { CallView, DemoAccount } from "./sim.js";
export { Simulation } from "./sim.js";
export type { CallEvent, SimCall } from "./telephony.js";
export { DEFAULT_TIMINGS, type SandboxTimings } from "./timings.js";

export interface Sandbox {
  server: Server;
  sim: Simulation;
  core: SandboxCore;
  /** Starts listening (loopback only); port 0 picks a free port. Resolves with the base URL. */
  listen(port?: number, host?: string): Promise<{ url: string; port: number }>;
  /** Base URL once listening, else undefined. */
  url(): string | undefined;
  /** Stops timers and cron jobs, ends live calls, drops open connections, saves the state file. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export function buildSandbox(opts: SandboxOptions = {}): Sandbox {
  const core = new SandboxCore(opts);
  const sim = new Simulation(core);
  let base: string | undefined;
  const server = createSandboxServer({ core, sim, baseUrl: () => base ?? "http://127.0.0.1" });
  let closed = false;
  return {
    server,
    sim,
    core,
    url: () => base,
    listen(port = 4750, host = "127.0.0.1") {
      if (!LOOPBACK.has(host))
        return Promise.reject(new Error(`the sandbox binds to loopback only, not ${host}`));
      return new Promise((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        server.once("error", onError);
        server.listen(port, host, () => {
          server.off("error", onError);
          const addr = server.address() as AddressInfo;
          const h = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
          base = `http://${h}:${addr.port}`;
          resolve({ url: base, port: addr.port });
        });
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      core.close();
      await new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
