import { loadConfigOrExit } from "../config/index.js";
import type { ClawcallError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { createLogger } from "../log.js";
import { createRelayClient } from "../relay/index.js";
import { atomicWriteJson } from "../state/atomic.js";
import { AlreadyRunningError, acquirePidLock, type PidLock } from "../state/pidlock.js";
import { VERSION } from "../version.js";
import { assertSafeBind, buildBridge } from "./server.js";

const USAGE = `usage: node bridge/phone-agent-server.js [--replace]

Starts the clawcall bridge on CLAWCALL_AGENT_HOST:CLAWCALL_AGENT_PORT (default 127.0.0.1:4747).
  --replace   stop a running bridge and take over
`;

/** The bridge process: config, lock, listen, status file, graceful shutdown on SIGINT/SIGTERM. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    return;
  }
  const unknown = argv.filter((a) => a !== "--replace");
  if (unknown.length > 0) {
    process.stderr.write(`unknown argument: ${unknown[0]}\n${USAGE}`);
    process.exit(EXIT.USAGE);
  }
  const config = loadConfigOrExit();
  const logger = createLogger({
    level: config.logLevel,
    service: "bridge",
    production: config.production,
    secrets: [config.relay.apiKey, config.bridge.token, config.model.gatewayToken, config.model.openaiApiKey],
  });
  try {
    assertSafeBind(config);
  } catch (err) {
    process.stderr.write(`clawcall bridge: ${(err as Error).message}\n`);
    process.exit(EXIT.CONFIG);
  }

  let lock: PidLock;
  try {
    lock = await acquirePidLock(
      config.stateDir,
      {
        name: "bridge",
        version: VERSION,
        port: config.bridge.port,
        url: `http://${config.bridge.host}:${config.bridge.port}`,
      },
      { replace: argv.includes("--replace") },
    );
  } catch (err) {
    if (err instanceof AlreadyRunningError) {
      process.stderr.write(`clawcall bridge: ${err.message}\n`);
      logger.error({ code: err.code, pid: err.record.pid }, "bridge already running");
      process.exit(EXIT.ALREADY_RUNNING);
    }
    throw err;
  }

  const relay = createRelayClient({ apiUrl: config.relay.apiUrl, apiKey: config.relay.apiKey, logger });
  const bridge = buildBridge(config, { logger, relay, statusFile: true });
  let where: { url: string; port: number };
  try {
    where = await bridge.listen();
  } catch (err) {
    lock.release();
    const code = (err as NodeJS.ErrnoException).code;
    const msg =
      code === "EADDRINUSE"
        ? `port ${config.bridge.port} on ${config.bridge.host} is already in use (another bridge? try \`clawcall stop\`)`
        : (err as Error).message;
    process.stderr.write(`clawcall bridge: ${msg}\n`);
    logger.error({ code: code ?? (err as ClawcallError).code }, msg);
    process.exit(code === "EADDRINUSE" ? EXIT.ALREADY_RUNNING : EXIT.FAILURE);
  }
  // The pid record learns the real port (port 0 in tests). The file stays ours: rewrite in place.
  if (where.port !== config.bridge.port) {
    atomicWriteJson(lock.path, { ...lock.record, port: where.port, url: where.url });
  }
  logger.info(
    { url: where.url, mode: bridge.model.mode, model: bridge.model.modelName, sandbox: config.relay.sandbox },
    `listening on ${where.url}`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      lock.release();
      process.exit(EXIT.FAILURE);
    }
    stopping = true;
    logger.info({ signal }, "shutting down: finishing in-flight requests");
    bridge
      .close()
      .then(() => {
        lock.release();
        logger.info("bridge stopped");
        process.exit(EXIT.OK);
      })
      .catch((err: unknown) => {
        logger.error({ err }, "error while shutting down");
        lock.release();
        process.exit(EXIT.FAILURE);
      });
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("uncaughtException", (err) => {
    logger.fatal({ err }, "uncaught exception");
    lock.release();
    process.exit(EXIT.FAILURE);
  });
}
