import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { clockEnv, runCliAsync } from "../helpers/proc.js";
import { makeTempDir } from "../helpers/temp-dirs.js";

/**
 * `clawcall <args>` for tests: in this process through `main(argv, io)` (the default), or as the built
 * bin when the process itself is the subject (exit codes set before any command runs).
 */

/** A fresh working directory (for .env), removed after the test file finishes. */
export function tempCwd(): string {
  return makeTempDir("clawcall-cli-");
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  /** Added to the base environment; an undefined value removes the variable. */
  env?: Record<string, string | undefined>;
  /** The wall clock the command sees (default Date.now). */
  now?: () => number;
  /** What the process reads on stdin (processes only). */
  stdin?: string;
}

/**
 * Only PATH, HOME and a state dir inside `cwd`, then `env` (undefined values are left out, so a test
 * decides whether CLAWCALL_API_KEY exists at all).
 */
function cliEnv(opts: CliOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: opts.cwd,
    CLAWCALL_STATE_DIR: join(opts.cwd, ".state"),
    NODE_ENV: "test",
    NO_COLOR: "1",
  };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** `clawcall <args>` in this process, its lines captured as the terminal would show them. */
export async function runCli(args: string[], opts: CliOptions): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    env: cliEnv(opts),
    cwd: opts.cwd,
    now: opts.now ?? Date.now,
    out: (l) => {
      stdout += `${l}\n`;
    },
    err: (l) => {
      stderr += `${l}\n`;
    },
  });
  return { code, stdout, stderr };
}

/**
 * `clawcall <args>` as the built bin, with this run's zone and clock; stdin is `opts.stdin`, then
 * closed (not a TTY, so nothing prompts). Output lines are joined without a final newline.
 */
export function runCliProcess(args: string[], opts: CliOptions): Promise<CliResult> {
  return runCliAsync(args, { ...clockEnv(), ...cliEnv(opts) }, opts.cwd, 20_000, opts.stdin);
}
