import { parseArgs } from "node:util";
import { type Config, loadConfig, reportConfigError } from "../config/index.js";
import { type ClawcallError, ConfigError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { createLogger, type Logger } from "../log.js";
import { onStopSignals } from "../process/stop-signals.js";
import { createRelayClient } from "../relay/index.js";
import { atomicWriteJson } from "../state/atomic.js";
import { AlreadyRunningError, acquirePidLock, type PidLock } from "../state/pidlock.js";
import { ensureStateDir } from "../state/state-dir.js";
import { deferred } from "../util/async.js";
import { VERSION } from "../version.js";
import { killRunningCommandsOnExit } from "./runner.js";
import { assertSafeBind, type Bridge, buildBridge } from "./server.js";

export const USAGE = `usage: node bridge/phone-agent-server.js [--replace]

Starts the clawcall bridge on CLAWCALL_AGENT_HOST:CLAWCALL_AGENT_PORT (default 127.0.0.1:4747).
  --replace   stop a running bridge and take over

Exit codes: 0 stopped cleanly, 1 failure or a second Ctrl-C, 64 bad arguments, 75 another bridge
holds the lock or the port, 78 invalid configuration.
`;

/** Where the entry point reads its environment and writes what a person reads. */
export interface BridgeIo {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  out?(text: string): void;
  err?(text: string): void;
}

/**
 * The bridge process: arguments, config, lock, listen, status file; then runs until SIGINT/SIGTERM
 * and resolves the exit code. Mistakes a person can fix get one line on stderr, never a stack.
 */
export async function main(argv: string[], io: BridgeIo = {}): Promise<number> {
  const out = io.out ?? ((t: string) => process.stdout.write(t));
  const write = io.err ?? ((t: string) => process.stderr.write(t));
  const err = (line: string) => write(`clawcall bridge: ${line}\n`);
  let replace: boolean;
  try {
    const { values } = parseArgs({
      args: argv,
      options: { replace: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      out(USAGE);
      return EXIT.OK;
    }
    replace = values.replace === true;
  } catch (e) {
    err(`${(e as Error).message}\n${USAGE}`);
    return EXIT.USAGE;
  }

  let config: Config;
  try {
    config = loadConfig({ env: io.env ?? process.env, cwd: io.cwd ?? process.cwd() });
    assertSafeBind(config);
    ensureStateDir(config.stateDir);
  } catch (e) {
    if (e instanceof ConfigError) reportConfigError(e, write);
    else err((e as Error).message);
    return EXIT.CONFIG;
  }
  const logger = createLogger({
    level: config.logLevel,
    service: "bridge",
    production: config.production,
    secrets: [config.relay.apiKey, config.bridge.token, config.model.gatewayToken, config.model.openaiApiKey],
  });

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
      { replace },
    );
  } catch (e) {
    if (e instanceof AlreadyRunningError) {
      err(e.message);
      logger.error({ code: e.code, pid: e.record.pid }, "bridge already running");
      return EXIT.ALREADY_RUNNING;
    }
    err(`CLAWCALL_STATE_DIR: cannot use ${config.stateDir}: ${(e as Error).message}`);
    return EXIT.CONFIG;
  }
  try {
    return await serve(config, logger, lock, err);
  } finally {
    lock.release();
  }
}

/** Listens, then waits for the stop signal. */
async function serve(config: Config, logger: Logger, lock: PidLock, err: (line: string) => void) {
  const relay = createRelayClient({ apiUrl: config.relay.apiUrl, apiKey: config.relay.apiKey, logger });
  const bridge = buildBridge(config, { logger, relay, statusFile: true });
  const removeExitHook = killRunningCommandsOnExit();
  let where: { url: string; port: number };
  try {
    where = await bridge.listen();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const msg =
      code === "EADDRINUSE"
        ? `port ${config.bridge.port} on ${config.bridge.host} is already in use (another bridge? try \`clawcall stop\`)`
        : (e as Error).message;
    err(msg);
    logger.error({ code: code ?? (e as ClawcallError).code }, msg);
    removeExitHook();
    return code === "EADDRINUSE" ? EXIT.ALREADY_RUNNING : EXIT.FAILURE;
  }
  // The pid record learns the real port (port 0 in tests). The file stays ours: rewrite in place.
  if (where.port !== config.bridge.port) {
    atomicWriteJson(lock.path, { ...lock.record, port: where.port, url: where.url });
  }
  logger.info(
    { url: where.url, mode: bridge.model.mode, model: bridge.model.modelName, sandbox: config.relay.sandbox },
    `listening on ${where.url}`,
  );
  const code = await untilStopped(bridge, logger, lock);
  removeExitHook();
  return code;
}

/** Resolves the exit code once a signal has stopped the bridge (a second signal exits at once). */
async function untilStopped(bridge: Bridge, logger: Logger, lock: PidLock): Promise<number> {
  const stopped = deferred<number>();
  const onFatal = (e: unknown) => {
    logger.fatal({ err: e }, "uncaught exception");
    lock.release();
    process.exit(EXIT.FAILURE);
  };
  process.on("uncaughtException", onFatal);
  const removeSignals = onStopSignals({
    onFirst: (signal) => {
      logger.info({ signal }, "shutting down: finishing in-flight requests");
      bridge.close().then(
        () => {
          logger.info("bridge stopped");
          stopped.resolve(EXIT.OK);
        },
        (e: unknown) => {
          logger.error({ err: e }, "error while shutting down");
          stopped.resolve(EXIT.FAILURE);
        },
      );
    },
    onSecond: (signal) => {
      logger.warn({ signal }, "second signal: exiting now");
      lock.release();
    },
  });
  try {
    return await stopped.promise;
  } finally {
    removeSignals();
    process.off("uncaughtException", onFatal);
  }
}
