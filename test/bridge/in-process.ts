/** Bridges built in the test's own process (no HTTP unless a test calls `listen()`), closed after each test. */
import { join } from "node:path";
import { afterEach } from "vitest";
import { type Bridge, type BridgeDeps, buildBridge } from "../../src/bridge/server.js";
import { loadConfig } from "../../src/config/index.js";
import { ClawcallError } from "../../src/errors.js";
import { bridgeTempDir } from "../helpers/bridge-fakes.js";

const built: Bridge[] = [];

/** Registers the after-each close in the calling test file. */
export function closeBridgesAfterEach(): void {
  afterEach(async () => {
    for (const b of built.splice(0)) await b.close(100);
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
