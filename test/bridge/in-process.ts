/** Bridges built in the test's own process (no HTTP unless a test calls `listen()`), closed after each test. */
import { join } from "node:path";
import { afterEach } from "vitest";
import { type Bridge, type BridgeDeps, buildBridge } from "../../src/bridge/server.js";
import { loadConfig } from "../../src/config/index.js";
import { ClawcallError } from "../../src/errors.js";
import { createRelayClient } from "../../src/relay/index.js";
import { bridgeTempDir } from "../helpers/bridge-fakes.js";
import { type RunningSandbox, seedOwnerCalls, startSandbox } from "../helpers/sandbox.js";

const built: Bridge[] = [];

/** Registers the after-each close in the calling test file. */
export function closeBridgesAfterEach(): void {
  afterEach(async () => {
    for (const b of built.splice(0)) await b.close(100);
    await Promise.all(sandboxes.splice(0).map((s) => s.close()));
  });
}

/**
 * A bridge with its own state dir and workspace on port 0, no relay, and an `openclaw` that is not
 * installed; `env` adds to the configuration, `deps` to the dependencies.
 */
export function testBridge(env: Record<string, string> = {}, deps: BridgeDeps = {}): Bridge {
  const dir = bridgeTempDir();
  const config = loadConfig({
    dotenv: false,
    env: {
      CLAWCALL_STATE_DIR: join(dir, "state"),
      CLAWCALL_AGENT_PORT: "0",
      OPENCLAW_WORKSPACE_DIR: join(dir, "ws"),
      ...env,
    },
  });
  const b = buildBridge(config, {
    relay: null,
    runner: async () => {
      throw new ClawcallError("E_CLI_MISSING", "openclaw is not installed");
    },
    ...deps,
  });
  built.push(b);
  return b;
}

const sandboxes: RunningSandbox[] = [];

/**
 * A Pro account on a fresh sandbox relay, `sids` seeded as its owner's live calls, and an in-process
 * bridge on that relay with its clock pinned (`clock.now`, moved by the test). Both are closed after
 * each test of a file that called `closeBridgesAfterEach()`.
 */
export async function ownerBridgeOnSandbox(sids: readonly string[], startMs = Date.UTC(2030, 2, 4, 9, 15)) {
  const relay = await startSandbox();
  sandboxes.push(relay);
  const acc = relay.sb.sim.addAccount({ email: "me@example.com", phone_number: "+14155550100", tier: "pro" });
  seedOwnerCalls(relay.sb, sids, acc.agent_id);
  const clock = { now: startMs };
  const client = createRelayClient({ apiUrl: relay.url, apiKey: acc.api_key });
  const bridge = testBridge({ CLAWCALL_TIMEZONE: "UTC" }, { relay: client, now: () => clock.now });
  return { relay, acc, clock, bridge };
}
