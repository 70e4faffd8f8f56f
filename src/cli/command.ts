import type { Config } from "../config/index.js";

/** What every `clawcall <name>` module exports (src/cli/commands/<name>.ts). */
export interface CommandModule {
  /** One line for `clawcall help`. */
  summary: string;
  /** Usage text printed by `clawcall <name> --help`. */
  usage: string;
  run(argv: string[], ctx: CommandContext): Promise<number>;
}

export interface CommandContext {
  /** Loads and validates the configuration (exits 78 on bad config). Lazy so `help` needs none. */
  config(): Config;
  out(line: string): void;
  err(line: string): void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Wall-clock epoch ms (Date.now unless a test injects one), for ages, uptimes and next runs. */
  now(): number;
}
