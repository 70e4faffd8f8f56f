/**
 * One registry of error codes. Classes are split by decision, not origin:
 * the remote said no (RelayHttpError), no usable answer came (RelayTransportError),
 * our own deadline passed (DeadlineError), the configuration is wrong (ConfigError).
 */
export const ERROR_CODES = {
  // The relay answered with an error status and a JSON body.
  E_RELAY_AUTH: "the relay rejected the API key (401)",
  E_RELAY_TIER: "the account's tier does not allow this (403)",
  E_RELAY_LIMIT: "monthly minute limit reached, or rate limited (429)",
  E_RELAY_NOT_FOUND: "unknown or expired resource (404)",
  E_RELAY_BAD_REQUEST: "the relay refused the request as invalid (400)",
  E_RELAY_CONFLICT: "the relay reports a conflict (409)",
  E_RELAY_PAYMENT: "payment verification failed (402)",
  E_RELAY_SERVER: "the relay reported a server error (5xx with JSON)",
  E_RELAY_HTTP: "the relay answered with an unexpected status",
  // No usable answer.
  E_TRANSPORT_CONNECT: "could not connect to the relay",
  E_TRANSPORT_RESET: "the connection was reset or closed early",
  E_TRANSPORT_TIMEOUT: "the relay did not answer in time (socket timeout)",
  E_TRANSPORT_BAD_BODY:
    "the answer was not the JSON the contract promises (HTML page, truncated, wrong shape)",
  E_TRANSPORT_ABORTED: "the request was cancelled by shutdown",
  E_TRANSPORT: "transport failure",
  // Our own deadline.
  E_DEADLINE: "our deadline passed before the work finished",
  // Configuration and local input.
  E_CONFIG: "invalid configuration",
  E_INVALID_CALL_SID: "call sid does not have a relay shape",
  E_INVALID_INPUT: "invalid input",
  // Bridge HTTP API.
  E_BRIDGE_HOST: "Host header is not a loopback name",
  E_BRIDGE_CONTENT_TYPE: "Content-Type must be application/json",
  E_BRIDGE_TOO_LARGE: "request body over the limit",
  E_BRIDGE_BAD_JSON: "request body is not valid JSON",
  E_BRIDGE_BAD_REQUEST: "request body does not match the schema",
  E_BRIDGE_AUTH: "missing or wrong bridge token",
  E_BRIDGE_NOT_FOUND: "no such route",
  E_BRIDGE_METHOD: "method not allowed",
  E_BRIDGE_CLOSING: "the bridge is shutting down",
  E_BRIDGE_INTERNAL: "unexpected bridge error",
  // Model back ends.
  E_MODEL: "the model call failed",
  E_MODEL_BUSY: "every model slot is taken (too many model calls at once)",
  E_MODEL_DISABLED: "the gateway's chat completions endpoint is disabled",
  E_MODEL_HTTP: "the model server answered with an error",
  E_MODEL_TRANSPORT: "the model server could not be reached",
  E_MODEL_BAD_OUTPUT: "the model's output could not be parsed",
  E_CLI_FAILED: "a CLI command failed",
  E_CLI_MISSING: "the CLI binary is not installed",
  // Process lifecycle.
  E_ALREADY_RUNNING: "another copy is already running",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

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
