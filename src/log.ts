import { createRequire } from "node:module";
import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger } from "pino";

/** Object paths pino censors. Redaction does not touch message strings: never interpolate secrets. */
export const REDACT_PATHS = [
  "apiKey",
  "*.apiKey",
  "api_key",
  "*.api_key",
  "token",
  "*.token",
  "bridgeToken",
  "*.bridgeToken",
  "gatewayToken",
  "*.gatewayToken",
  "openaiApiKey",
  "*.openaiApiKey",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  "config.relay.apiKey",
  "config.bridge.token",
  "config.model.gatewayToken",
  "config.model.openaiApiKey",
];

export interface LoggerOptions {
  level: string;
  /** Component name: bridge, listener, sandbox, cli, up. */
  service: string;
  production?: boolean;
  /** Tests pass a stream to read lines back; default is stdout. */
  destination?: DestinationStream;
  /** Secret strings to scrub from any line, as a last line of defence behind path redaction. */
  secrets?: readonly (string | undefined)[];
}

function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve("pino-pretty");
    return true;
  } catch {
    return false;
  }
}

/**
 * The root logger: NDJSON on stdout, pretty only on a TTY outside production (and only if the
 * dev dependency is installed). Known secrets are scrubbed from every serialised line.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const secrets = (opts.secrets ?? []).filter((s): s is string => typeof s === "string" && s.length >= 6);
  const base = { service: opts.service, pid: process.pid };
  const redact = { paths: REDACT_PATHS, censor: "[Redacted]" };
  const usePretty =
    !opts.destination && !opts.production && process.stdout.isTTY === true && prettyAvailable();
  if (usePretty) {
    return pino({
      level: opts.level,
      base,
      redact,
      transport: { target: "pino-pretty", options: { colorize: true, ignore: "pid,hostname" } },
    });
  }
  const dest = opts.destination ?? pino.destination({ dest: 1, sync: true });
  const stream = secrets.length > 0 ? scrubbingStream(dest, secrets) : dest;
  return pino({ level: opts.level, base, redact }, stream);
}

/** Replaces any occurrence of a secret in a serialised line with [Redacted]. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s && out.includes(s)) out = out.split(s).join("[Redacted]");
  return out;
}

function scrubbingStream(dest: DestinationStream, secrets: readonly string[]): DestinationStream {
  return { write: (line: string) => dest.write(scrubSecrets(line, secrets)) };
}

/** Logger that discards everything (unit tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
