import { DeadlineError, RelayHttpError, RelayTransportError } from "../errors.js";

/**
 * One short line for a log field or a status file: the stable code, the HTTP status when there is one,
 * and what the relay (or the transport) said. For people reading logs; the CLI's `describeError`
 * (src/cli/relay-errors.ts) is the one that tells a user what to do next.
 */
export function errorSummary(err: unknown): string {
  if (err instanceof RelayHttpError) return `${err.code} ${err.status}: ${err.relayMessage}`;
  if (err instanceof RelayTransportError)
    return `${err.code}${err.status ? ` ${err.status}` : ""}: ${err.message}`;
  if (err instanceof DeadlineError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
