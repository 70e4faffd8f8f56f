import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type Config, loadConfigOrExit, reportConfigError } from "../config/index.js";
import { ConfigError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { createLogger, type Logger } from "../log.js";
import { onStopSignals } from "../process/stop-signals.js";
import { createRelayClient } from "../relay/index.js";
import { AlreadyRunningError, acquirePidLock, type PidLock } from "../state/pidlock.js";
import { ensureStateDir } from "../state/state-dir.js";
import { keepsWords, TurnRecord, turnRecordPath } from "../state/turn-record.js";
import { type Clock, realClock } from "../util/clock.js";
import { VERSION } from "../version.js";
import { CliAgent } from "./agents/cli.js";
import { HttpAgent } from "./agents/http.js";
import { Journal, journalPath } from "./journal.js";
import { Listener } from "./listener.js";
import { StatusWriter, statusPath } from "./status.js";
import { RELAY_CLOSE_MS, replaceWaitMs, turnDeadlineMs } from "./timings.js";
import { recordTurns } from "./turn-recorder.js";
import type { Agent } from "./types.js";

export const USAGE = `Usage: node listener/clawcall-listener.js [--replace]

Long-polls the ClawCall relay and answers every caller through the bridge (CLAWCALL_AGENT_URL set:
"Agent mode: HTTP") or the \`openclaw agent\` CLI ("Agent mode: CLI").

  --replace   stop the listener already running for this state dir (SIGTERM, wait, SIGKILL) and take over
  --help      this text

Exit codes: 0 stopped cleanly, 1 failure or a second Ctrl-C, 75 another listener is running,
77 the relay rejected the API key, 78 invalid configuration.`;

export const KEY_REJECTED_LINE =
  "clawcall listener: the relay rejected the API key — re-register with `clawcall register --email …` or fix CLAWCALL_API_KEY";

/** Short, non-reversible fingerprint of the API key for pid files and journal names. */
export function keyIdOf(apiKey: string): string {
  return createHash("sha256").update(apiKey).digest("hex").slice(0, 12);
}

/** The options, or the exit code when there is nothing to run (`--help`, a bad option). */
function parseOptions(argv: string[]): { replace: boolean } | number {
  let values: { replace?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { replace: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`clawcall listener: ${(err as Error).message}\n${USAGE}\n`);
    return EXIT.USAGE;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.OK;
  }
  return { replace: values.replace === true };
}

/** One listener per state dir and key: the lock, or exit 75 naming the one already running. */
async function lockOrExit(config: Config, keyId: string, replace: boolean): Promise<PidLock | number> {
  try {
    return await acquirePidLock(
      config.stateDir,
      { name: "listener", keyId, url: config.relay.apiUrl, version: VERSION },
      { replace, replaceGraceMs: replaceWaitMs(config.listener.pollTimeoutS) },
    );
  } catch (err) {
    if (err instanceof AlreadyRunningError) {
      process.stderr.write(`clawcall listener: ${err.message}\n`);
      return EXIT.ALREADY_RUNNING;
    }
    throw err;
  }
}

/** The agent (bridge or `openclaw agent`), the relay client, the journal and the listener itself. */
function buildParts(config: Config, logger: Logger, keyId: string) {
  const agent: Agent = config.listener.agentUrl
    ? new HttpAgent({
        agentUrl: config.listener.agentUrl,
        token: config.bridge.token,
        logger,
        connections: config.listener.maxTurns,
      })
    : new CliAgent({
        bin: config.model.openclawBin,
        agentId: config.model.openclawAgent,
        logger,
        words: config.speech.words,
      });
  const relay = createRelayClient({
    apiUrl: config.relay.apiUrl,
    apiKey: config.relay.apiKey,
    logger,
    // One long poll plus a few answers: the real relay serves everything from 8 threads.
    connections: 4,
  });
  const clock = realClock;
  const journal = new Journal({ path: journalPath(config.stateDir, keyId), logger, now: clock.now });
  const listener = new Listener({
    relay,
    agent,
    clock,
    logger,
    pollTimeoutS: config.listener.pollTimeoutS,
    maxTurns: config.listener.maxTurns,
    journal,
    turnMs: turnDeadlineMs(config),
    // Read before this process overwrites it: did the previous listener stop cleanly?
    previousRun: readPreviousRun(config.stateDir),
    phoneTimeScale: config.relay.sandbox ? config.sandbox.timeScale : 1,
  });
  const record = new TurnRecord({
    path: turnRecordPath(config.stateDir, "listener"),
    now: clock.now,
    logger,
    words: keepsWords(config.logLevel),
  });
  recordTurns(listener.dispatcher, {
    record,
    phoneTimeScale: config.relay.sandbox ? config.sandbox.timeScale : 1,
    ownerPin: config.owner.pin !== undefined,
  });
  return { agent, relay, listener, clock, record };
}

/** `<state dir>/listener.status.json` for `clawcall status`, from the listener's snapshot. */
function statusWriter(config: Config, logger: Logger, keyId: string, listener: Listener, clock: Clock) {
  const startedAt = new Date(clock.now()).toISOString();
  const mode = agentMode(config);
  return new StatusWriter(
    config.stateDir,
    () => {
      const s = listener.snapshot();
      return {
        pid: process.pid,
        startedAt,
        mode,
        keyId,
        relay: config.relay.apiUrl,
        state: s.state,
        polling: s.polling,
        lastPollAt: s.lastPollAt ? new Date(s.lastPollAt).toISOString() : null,
        turnsAnswered: s.turnsAnswered,
        inFlight: s.inFlight,
        lastError: s.lastError ?? null,
      };
    },
    logger,
    clock.now,
  );
}

function agentMode(config: Config): "HTTP" | "CLI" {
  return config.listener.agentUrl ? "HTTP" : "CLI";
}

export async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (typeof options === "number") return options;
  const config = loadConfigOrExit();
  try {
    ensureStateDir(config.stateDir);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    reportConfigError(e);
    return EXIT.CONFIG;
  }
  const logger = createLogger({
    level: config.logLevel,
    service: "listener",
    production: config.production,
    secrets: [config.relay.apiKey, config.bridge.token],
  });
  const keyId = keyIdOf(config.relay.apiKey);
  const lock = await lockOrExit(config, keyId, options.replace);
  if (typeof lock === "number") return lock;

  const { agent, relay, listener, clock, record } = buildParts(config, logger, keyId);
  const status = statusWriter(config, logger, keyId, listener, clock);
  const mode = agentMode(config);
  logger.info(
    {
      relay: config.relay.apiUrl,
      sandbox: config.relay.sandbox,
      keyId,
      pollTimeoutS: config.listener.pollTimeoutS,
      maxTurns: config.listener.maxTurns,
      ...(mode === "HTTP"
        ? { agentUrl: config.listener.agentUrl }
        : { openclawBin: config.model.openclawBin }),
    },
    `Agent mode: ${mode}`,
  );

  const cleanup = installSignals(listener, lock, logger);
  status.start();
  let code: number;
  try {
    const exit = await listener.run();
    code = exit.code;
  } catch (err) {
    logger.fatal({ err: String(err) }, "listener crashed");
    code = EXIT.FAILURE;
  } finally {
    cleanup();
  }
  status.stop();
  await Promise.allSettled([relay.close(RELAY_CLOSE_MS), agent.close(), record.flush()]);
  lock.release();
  if (code === EXIT.KEY_REJECTED) process.stderr.write(`${KEY_REJECTED_LINE}\n`);
  logger.info({ code }, "listener stopped");
  return code;
}

/** First SIGINT/SIGTERM: graceful stop. A second one: exit 1 at once. */
function installSignals(listener: Listener, lock: PidLock, logger: Logger): () => void {
  const onFatal = (err: unknown) => {
    logger.fatal(
      { err: err instanceof Error ? `${err.name}: ${err.message}` : String(err) },
      "unexpected error",
    );
    lock.release();
    process.exit(EXIT.FAILURE);
  };
  const removeSignals = onStopSignals({
    onFirst: (signal) => {
      logger.info({ signal }, "signal received");
      listener.shutdown();
    },
    onSecond: (signal) => {
      logger.warn({ signal }, "second signal; exiting now");
      lock.release();
    },
  });
  process.on("uncaughtException", onFatal);
  process.on("unhandledRejection", onFatal);
  return removeSignals;
}

/**
 * How the previous listener for this state dir ended, from its status file: `clean` (it says stopped),
 * `crashed` (it says otherwise), `none` (no status file: no listener ran here), `unknown` (unreadable).
 */
export function readPreviousRun(stateDir: string): "clean" | "crashed" | "none" | "unknown" {
  let text: string;
  try {
    text = readFileSync(statusPath(stateDir), "utf8");
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT" ? "none" : "unknown";
  }
  try {
    const st = JSON.parse(text) as { state?: unknown };
    return st.state === "stopped" ? "clean" : "crashed";
  } catch {
    return "unknown";
  }
}
