/**
 * Launcher for the sandbox relay as a process: `clawcall sandbox` (src/cli/commands/sandbox.ts), or
 * `node dist/sandbox/main.js` with the configuration from the environment. Logs
 * `sandbox relay listening on http://127.0.0.1:<port>` (pino NDJSON on stdout), prints the ready
 * `CLAWCALL_API_URL=` / `CLAWCALL_API_KEY=` lines for a person on stderr, and stops cleanly on
 * SIGINT/SIGTERM (a second signal exits at once).
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Config, loadConfigOrExit } from "../config/index.js";
import { EXIT } from "../exit-codes.js";
import { createLogger, type Logger } from "../log.js";
import { AlreadyRunningError, acquirePidLock, type PidLock } from "../state/pidlock.js";
import { buildSandbox, type Sandbox, type SandboxOptions } from "./index.js";

export interface RunSandboxOptions {
  config: Config;
  /** Default: config.sandbox.port (CLAWCALL_SANDBOX_PORT, 4750). 0 picks a free port. */
  port?: number;
  /** Default: config.sandbox.timeScale (CLAWCALL_SANDBOX_TIME_SCALE, 1). */
  timeScale?: number;
  /** JSON state file; undefined keeps state in memory. */
  stateFile?: string;
  threads?: number;
  /** Stop a running copy instead of refusing. */
  replace?: boolean;
  logger?: Logger;
  /** Human-readable lines (default: stderr). */
  print?: (line: string) => void;
  /** The ready lines with the demo key for a person (default true); `clawcall up` prints its own. */
  banner?: boolean;
  extra?: SandboxOptions;
}

export interface RunningSandbox {
  sandbox: Sandbox;
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts the sandbox relay and takes the `sandbox` pid lock in the state dir. */
export async function startSandboxProcess(opts: RunSandboxOptions): Promise<RunningSandbox> {
  const { config } = opts;
  const log =
    opts.logger ??
    createLogger({ level: config.logLevel, service: "sandbox", production: config.production });
  const print = opts.print ?? ((l: string) => process.stderr.write(`${l}\n`));
  const lock: PidLock = await acquirePidLock(config.stateDir, { name: "sandbox" }, { replace: opts.replace });
  let sandbox: Sandbox;
  let addr: { url: string; port: number };
  try {
    sandbox = buildSandbox({
      ...opts.extra,
      timeScale: opts.timeScale ?? config.sandbox.timeScale,
      threads: opts.threads ?? opts.extra?.threads,
      stateFile: opts.stateFile,
      logger: log,
    });
    addr = await sandbox.listen(opts.port ?? config.sandbox.port, "127.0.0.1");
  } catch (err) {
    lock.release();
    throw err;
  }
  // `clawcall status` shows where the sandbox listens (the port may have been 0).
  lock.update({ port: addr.port, url: addr.url });
  const demo = sandbox.sim.demo();
  log.info(
    { url: addr.url, port: addr.port, timeScale: sandbox.core.timeScale, stateFile: opts.stateFile ?? null },
    `sandbox relay listening on ${addr.url}`,
  );
  if (opts.banner !== false) {
    print(`ClawCall sandbox relay on ${addr.url} (time scale ${sandbox.core.timeScale}×)`);
    print(`  CLAWCALL_API_URL=${addr.url}`);
    if (demo.api_key_valid) print(`  CLAWCALL_API_KEY=${demo.api_key}`);
    else print(`  (the demo key was rotated by re-registering ${demo.email}; use the key that returned)`);
    print(
      `  demo caller ${demo.phone_number} → shared number ${demo.shared_number}; simulation API at ${addr.url}/sandbox/`,
    );
  }
  let stopped = false;
  return {
    sandbox,
    ...addr,
    async stop() {
      if (stopped) return;
      stopped = true;
      await sandbox.close();
      lock.release();
      log.info("sandbox relay stopped");
    },
  };
}

/** Runs until SIGINT/SIGTERM; resolves with the exit code. */
export async function runSandboxUntilSignal(opts: RunSandboxOptions): Promise<number> {
  let running: RunningSandbox;
  try {
    running = await startSandboxProcess(opts);
  } catch (err) {
    const print = opts.print ?? ((l: string) => process.stderr.write(`${l}\n`));
    if (err instanceof AlreadyRunningError) {
      print(`clawcall sandbox: ${err.message}`);
      return EXIT.ALREADY_RUNNING;
    }
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
      print(
        `clawcall sandbox: port ${opts.port ?? opts.config.sandbox.port} is in use (set CLAWCALL_SANDBOX_PORT or --port)`,
      );
      return EXIT.ALREADY_RUNNING;
    }
    throw err;
  }
  return new Promise((resolve) => {
    let signals = 0;
    const onSignal = () => {
      signals += 1;
      if (signals > 1) {
        process.exit(EXIT.FAILURE);
      }
      running.stop().then(
        () => {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
          resolve(EXIT.OK);
        },
        () => resolve(EXIT.FAILURE),
      );
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

/** The default state file when persistence is asked for without a path. */
export function defaultStateFile(config: Config): string {
  return join(config.stateDir, "sandbox.json");
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const config = loadConfigOrExit();
  runSandboxUntilSignal({ config }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`sandbox: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(EXIT.FAILURE);
    },
  );
}
