import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "dotenv";
import { ConfigError } from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { type Config, envSchema, toConfig } from "./schema.js";

/** Reads `.env` from `cwd` without touching `process.env`; a missing file is normal. */
export function readDotEnv(cwd: string): Record<string, string> {
  try {
    return parse(readFileSync(join(cwd, ".env")));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw err;
  }
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Skip `.env` (tests, and children that received a complete environment). */
  dotenv?: boolean;
}

/**
 * Validates the environment (real variables win over `.env`) and returns the frozen config.
 * Throws a ConfigError whose `lines` name each bad variable once.
 */
export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const fileVars = opts.dotenv === false ? {} : readDotEnv(opts.cwd ?? process.cwd());
  const merged: Record<string, string | undefined> = { ...fileVars };
  for (const key of Object.keys(envSchema.shape)) {
    if (env[key] !== undefined) merged[key] = env[key];
  }
  const parsed = envSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "environment");
      const raw = merged[name];
      // Never echo secrets back, even invalid ones.
      const shown = raw === undefined || /KEY|TOKEN|PIN/.test(name) ? "" : ` (got ${JSON.stringify(raw)})`;
      return `${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError([...new Set(lines)]);
  }
  return toConfig(parsed.data);
}

/** For entry points: the config, or one line per bad variable on stderr and exit 78. */
/** The same lines every entry point prints for a bad variable (then it exits 78). */
export function reportConfigError(
  err: ConfigError,
  write: (t: string) => void = (t) => void process.stderr.write(t),
): void {
  for (const line of err.lines) write(`config error: ${line}\n`);
}

export function loadConfigOrExit(opts: LoadOptions = {}): Config {
  try {
    return loadConfig(opts);
  } catch (err) {
    if (err instanceof ConfigError) {
      reportConfigError(err);
      process.exit(EXIT.CONFIG);
    }
    throw err;
  }
}
