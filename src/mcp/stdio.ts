import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { pino } from "pino";
import { isSandboxUrl } from "../cli/relay-command.js";
import type { Config } from "../config/index.js";
import { createLogger } from "../log.js";
import { RelayClient } from "../relay/client.js";
import { sleep } from "../util/sleep.js";
import { bridgeTasks, refreshBridgeContext } from "./bridge-tasks.js";
import { buildMcpServer } from "./server.js";
import { SpendGuard } from "./spend-guard.js";
import type { McpDeps } from "./tool-kit.js";

/** How often `wait_for_call` reads the relay's history while a call is live. */
const POLL_MS = 1_000;

/** The production dependencies: the configured relay, the bridge, the real clock. Logs go to stderr. */
export function defaultDeps(config: Config): McpDeps & { close(): Promise<void> } {
  // stdout carries the protocol: a single stray byte there breaks the client.
  const log = createLogger({
    level: config.logLevel,
    service: "mcp",
    production: config.production,
    destination: pino.destination({ dest: 2, sync: true }),
    secrets: [config.relay.apiKey, config.bridge.token],
  });
  const relay = new RelayClient({
    apiUrl: config.relay.apiUrl,
    apiKey: config.relay.apiKey,
    logger: log,
    headersTimeoutMs: 30_000,
    connections: 4,
  });
  return {
    config,
    relay,
    tasks: bridgeTasks(config),
    refreshBridge: () => refreshBridgeContext(config),
    guard: new SpendGuard({
      stateDir: config.stateDir,
      cap: config.mcp.dailyCallCap,
      timeZone: config.identity.timeZone,
      now: Date.now,
    }),
    now: Date.now,
    sleep,
    pollMs: POLL_MS,
    log,
    where: { apiUrl: config.relay.apiUrl, sandbox: isSandboxUrl(config), email: config.relay.email },
    close: () => relay.close(500),
  };
}

/**
 * Serves the tools on stdin/stdout until the client closes stdin (how MCP clients stop a stdio
 * server) or a signal arrives. Resolves with the exit code.
 */
export async function serveStdio(config: Config, note: (line: string) => void): Promise<number> {
  const deps = defaultDeps(config);
  const server = buildMcpServer(deps);
  const transport = new StdioServerTransport();
  const done = new Promise<string>((resolve) => {
    process.stdin.once("end", () => resolve("stdin closed"));
    process.stdin.once("close", () => resolve("stdin closed"));
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  await server.connect(transport);
  note(
    `clawcall mcp: serving on stdio; relay ${config.relay.apiUrl}${config.relay.sandbox ? " (the sandbox: no CLAWCALL_API_KEY set)" : ""}; daily call cap ${config.mcp.dailyCallCap}`,
  );
  const why = await done;
  deps.log.debug({ why }, "stopping");
  await server.close().catch(() => {});
  await deps.close();
  return 0;
}
