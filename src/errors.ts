import { EXIT } from "./exit-codes.js";

/**
 * One registry of error codes: what each stands for, the decision it asks of whoever meets it, the
 * HTTP status when the bridge answers with it, and the exit code when it ends a process. Classes are
 * split by decision, not origin: the remote said no (RelayHttpError), no usable answer came
 * (RelayTransportError), our own deadline passed (DeadlineError), the configuration is wrong
 * (ConfigError).
 */
export type Decision =
  /** The relay answered and refused: retrying the same request will not help. */
  | "refused"
  /** No usable answer came: retry with backoff while it is still useful. */
  | "retry"
  /** Our own budget ran out: answer with what we have, or a holding line. */
  | "deadline"
  /** A person must fix configuration or input: say what, in one line. */
  | "fix_input"
  /** The bridge refuses an HTTP request: answer its status with a JSON error. */
  | "reject_request"
  /** The model could not answer: fall back to a spoken line. */
  | "fallback"
  /** Another copy runs: stop, naming it. */
  | "stop";

export interface ErrorSpec {
  message: string;
  decision: Decision;
  /** The bridge's HTTP status for this code (bridge codes only). */
  http?: number;
  /** Exit code when this error ends a process (EXIT.FAILURE unless a caller can act on a better one). */
  exit: number;
}

const spec = (message: string, decision: Decision, exit: number = EXIT.FAILURE, http?: number): ErrorSpec =>
  http === undefined ? { message, decision, exit } : { message, decision, exit, http };
const bridge = (message: string, http: number): ErrorSpec & { http: number } => ({
  message,
  decision: "reject_request",
  exit: EXIT.FAILURE,
  http,
});

export const ERRORS = {
  // The relay answered with an error status and a JSON body.
  E_RELAY_AUTH: spec("the relay rejected the API key (401)", "refused", EXIT.KEY_REJECTED),
  E_RELAY_TIER: spec("the account's tier does not allow this (403)", "refused"),
  E_RELAY_LIMIT: spec("monthly minute limit reached, or rate limited (429)", "refused"),
  E_RELAY_NOT_FOUND: spec("unknown or expired resource (404)", "refused"),
  E_RELAY_BAD_REQUEST: spec("the relay refused the request as invalid (400)", "refused"),
  E_RELAY_CONFLICT: spec("the relay reports a conflict (409)", "refused"),
  E_RELAY_PAYMENT: spec("payment verification failed (402)", "refused"),
  E_RELAY_SERVER: spec("the relay reported a server error (5xx with JSON)", "retry"),
  E_RELAY_HTTP: spec("the relay answered with an unexpected status", "refused"),
  // No usable answer.
  E_TRANSPORT_CONNECT: spec("could not connect to the relay", "retry"),
  E_TRANSPORT_RESET: spec("the connection was reset or closed early", "retry"),
  E_TRANSPORT_TIMEOUT: spec("the relay did not answer in time (socket timeout)", "retry"),
  E_TRANSPORT_BAD_BODY: spec(
    "the answer was not the JSON the contract promises (HTML page, truncated, wrong shape)",
    "retry",
  ),
  E_TRANSPORT_ABORTED: spec("the request was cancelled by shutdown", "retry"),
  E_TRANSPORT: spec("transport failure", "retry"),
  // Our own deadline.
  E_DEADLINE: spec("our deadline passed before the work finished", "deadline"),
  // Configuration and local input.
  E_CONFIG: spec("invalid configuration", "fix_input", EXIT.CONFIG),
  E_INVALID_CALL_SID: spec("call sid does not have a relay shape", "fix_input", EXIT.USAGE),
  E_INVALID_INPUT: spec("invalid input", "fix_input", EXIT.USAGE),
  // Bridge HTTP API.
  E_BRIDGE_HOST: bridge("Host header is not a loopback name", 403),
  E_BRIDGE_CONTENT_TYPE: bridge("Content-Type must be application/json", 415),
  E_BRIDGE_TOO_LARGE: bridge("request body over the limit", 413),
  E_BRIDGE_BAD_JSON: bridge("request body is not valid JSON", 400),
  E_BRIDGE_BAD_REQUEST: bridge("request body does not match the schema", 400),
  E_BRIDGE_AUTH: bridge("missing or wrong bridge token", 401),
  E_BRIDGE_NOT_FOUND: bridge("no such route", 404),
  E_BRIDGE_METHOD: bridge("method not allowed", 405),
  E_BRIDGE_CLOSING: bridge("the bridge is shutting down", 503),
  E_BRIDGE_INTERNAL: bridge("unexpected bridge error", 500),
  // Model back ends.
  E_MODEL: spec("the model call failed", "fallback"),
  E_MODEL_BUSY: spec("every model slot is taken (too many model calls at once)", "fallback"),
  E_MODEL_DISABLED: spec("the gateway's chat completions endpoint is disabled", "fallback"),
  E_MODEL_HTTP: spec("the model server answered with an error", "fallback"),
  E_MODEL_TRANSPORT: spec("the model server could not be reached", "fallback"),
  E_MODEL_BAD_OUTPUT: spec("the model's output could not be parsed", "fallback"),
  E_MODEL_STALLED: spec("the model server sent no response headers in time (hung)", "fallback"),
  E_MODEL_ABORTED: spec("the bridge is shutting down and cut the model call short", "fallback"),
  E_CLI_FAILED: spec("a CLI command failed", "fallback"),
  E_CLI_MISSING: spec("the CLI binary is not installed", "fallback"),
  // The MCP server (`clawcall mcp`).
  E_MCP_CALL_CAP: spec("the daily cap on calls placed through MCP is reached", "refused"),
  E_BRIDGE_UNREACHABLE: spec("the local bridge is not running or did not answer", "retry"),
  E_MCP_INTERNAL: spec("a tool failed unexpectedly (a bug; the server keeps running)", "fallback"),
  // Process lifecycle.
  E_ALREADY_RUNNING: spec("another copy is already running", "stop", EXIT.ALREADY_RUNNING),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** The codes the bridge refuses an HTTP request with (each has its status). */
export type BridgeRefusal = {
  [K in ErrorCode]: (typeof ERRORS)[K] extends { http: number } ? K : never;
}[ErrorCode];

/** Code → its one-line meaning. */
export const ERROR_CODES = Object.fromEntries(
  Object.entries(ERRORS).map(([code, e]) => [code, e.message]),
) as { readonly [K in ErrorCode]: string };

/** The exit code a process ends with when `err` stops it (EXIT.FAILURE for anything not in the registry). */
export function exitCodeFor(err: unknown): number {
  return err instanceof ClawcallError ? ERRORS[err.code].exit : EXIT.FAILURE;
}

export class ClawcallError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export type RelayHttpCode =
  | "E_RELAY_AUTH"
  | "E_RELAY_TIER"
  | "E_RELAY_LIMIT"
  | "E_RELAY_NOT_FOUND"
  | "E_RELAY_BAD_REQUEST"
  | "E_RELAY_CONFLICT"
  | "E_RELAY_PAYMENT"
  | "E_RELAY_SERVER"
  | "E_RELAY_HTTP";

export function relayCodeForStatus(status: number): RelayHttpCode {
  if (status === 401) return "E_RELAY_AUTH";
  if (status === 403) return "E_RELAY_TIER";
  if (status === 429) return "E_RELAY_LIMIT";
  if (status === 404) return "E_RELAY_NOT_FOUND";
  if (status === 400) return "E_RELAY_BAD_REQUEST";
  if (status === 409) return "E_RELAY_CONFLICT";
  if (status === 402) return "E_RELAY_PAYMENT";
  if (status >= 500) return "E_RELAY_SERVER";
  return "E_RELAY_HTTP";
}

/** The relay answered with an error status and its `{ok:false, error}` JSON body. */
export class RelayHttpError extends ClawcallError {
  declare readonly code: RelayHttpCode;
  readonly status: number;
  /** The relay's own `error` text, e.g. "Outbound calls require Pro tier or above". */
  readonly relayMessage: string;
  /** From a `Retry-After` header, when the relay sent one. */
  readonly retryAfterMs: number | undefined;
  readonly endpoint: string;
  constructor(init: { status: number; relayMessage: string; endpoint: string; retryAfterMs?: number }) {
    super(relayCodeForStatus(init.status), `${init.endpoint}: ${init.status} ${init.relayMessage}`);
    this.status = init.status;
    this.relayMessage = init.relayMessage;
    this.endpoint = init.endpoint;
    this.retryAfterMs = init.retryAfterMs;
  }
}

export type TransportCode =
  | "E_TRANSPORT_CONNECT"
  | "E_TRANSPORT_RESET"
  | "E_TRANSPORT_TIMEOUT"
  | "E_TRANSPORT_BAD_BODY"
  | "E_TRANSPORT_ABORTED"
  | "E_TRANSPORT";

/** No usable answer: refused, reset, socket timeout, HTML page or body that fails its schema. */
export class RelayTransportError extends ClawcallError {
  declare readonly code: TransportCode;
  readonly endpoint: string;
  /** HTTP status when a response arrived but its body was unusable (an HTML 502, say). */
  readonly status: number | undefined;
  constructor(init: {
    code: TransportCode;
    endpoint: string;
    message: string;
    status?: number;
    cause?: unknown;
  }) {
    super(init.code, `${init.endpoint}: ${init.message}`, { cause: init.cause });
    this.endpoint = init.endpoint;
    this.status = init.status;
  }
}

/** One bad environment variable per line; entry points print them and exit 78. */
export class ConfigError extends ClawcallError {
  readonly lines: readonly string[];
  constructor(lines: readonly string[]) {
    super("E_CONFIG", lines.join("; "));
    this.lines = lines;
  }
}

/** Our own deadline passed (distinct from the remote's socket timeout). */
export class DeadlineError extends ClawcallError {
  readonly deadlineMs: number;
  constructor(what: string, deadlineMs: number, options?: { cause?: unknown }) {
    super("E_DEADLINE", `${what} passed its ${deadlineMs} ms deadline`, options);
    this.deadlineMs = deadlineMs;
  }
}

export function isErrorWithCode(err: unknown, code: ErrorCode): boolean {
  return err instanceof ClawcallError && err.code === code;
}
