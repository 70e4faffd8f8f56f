import {
  ClawcallError,
  ConfigError,
  DeadlineError,
  exitCodeFor,
  RelayHttpError,
  RelayTransportError,
} from "../errors.js";
import { EXIT } from "../exit-codes.js";
import { clean } from "./format.js";

/**
 * Turns any error a relay command can meet into one human line with the next step, and the exit
 * code from the error registry: 77 for a rejected key, 64 for usage mistakes, 78 for configuration,
 * 1 for other relay and transport errors.
 */

export interface RelayWhere {
  /** The relay's base URL, for "could not reach …". */
  apiUrl?: string;
  /** True when talking to the local sandbox relay (no CLAWCALL_API_KEY). */
  sandbox?: boolean;
  /** The account email if known, to fill in the key-recovery command. */
  email?: string | undefined;
}

export interface ErrorReport {
  line: string;
  exit: number;
}

function tierLine(relayMessage: string, sandbox: boolean): string {
  // A 403 that is a Team limit, not a missing tier: upgrading does not help, removing an agent does.
  if (/allows up to \d+ agents/i.test(relayMessage)) {
    return `${clean(relayMessage)} — remove one first with \`clawcall agents rm <id|name> --yes\` (see \`clawcall agents list\`)`;
  }
  const team = /team/i.test(relayMessage);
  const tier = team ? "team" : "pro";
  const need = `${team ? "Team" : "Pro"} tier required — see \`clawcall billing checkout ${tier}\``;
  // The sandbox takes a made-up payment: say so, or a newcomer pays a fake wallet and waits.
  const tryIt = sandbox
    ? `; in the sandbox, upgrade with \`clawcall billing verify sandbox-paid-1 ${tier}\` (any unused sandbox-paid-… signature)`
    : "";
  return `${need}${tryIt} (the relay said: ${clean(relayMessage)})`;
}

function httpLine(e: RelayHttpError, where: RelayWhere): string {
  const msg = clean(e.relayMessage);
  switch (e.code) {
    case "E_RELAY_AUTH":
      if (where.sandbox) {
        return `the sandbox relay at ${where.apiUrl ?? "127.0.0.1"} rejected the demo key (${msg}) — is something other than \`clawcall sandbox\` listening there?`;
      }
      return `the relay rejected your API key (${msg}) — run \`clawcall register --email ${where.email ?? "<you>"}\` to get a new one`;
    case "E_RELAY_TIER":
      return tierLine(e.relayMessage, where.sandbox === true);
    case "E_RELAY_LIMIT":
      if (/minute limit/i.test(e.relayMessage)) {
        return "monthly minute limit reached — free minutes reset on the 1st (UTC); see `clawcall account`, or upgrade (and settle overage) with `clawcall billing checkout pro`";
      }
      if (e.retryAfterMs !== undefined) {
        return `the relay is limiting requests (${msg}) — try again in ${Math.max(1, Math.ceil(e.retryAfterMs / 1000))} s`;
      }
      return `the relay is limiting requests (${msg}) — try again shortly`;
    case "E_RELAY_NOT_FOUND":
      if (/schedule/i.test(e.relayMessage))
        return "no such schedule on this account — see `clawcall schedule list`";
      if (/user not found/i.test(e.relayMessage)) {
        return `the relay has no account for this key (${msg}) — run \`clawcall register --email ${where.email ?? "<you>"}\``;
      }
      if (/call_sid/i.test(e.relayMessage)) return `that call is over or unknown (${msg})`;
      if (/agent not found/i.test(e.relayMessage)) {
        return `no such agent on this account (${msg}) — check the id or name with \`clawcall agents list\``;
      }
      return `not found: ${msg}`;
    case "E_RELAY_BAD_REQUEST":
      if (/no personal phone/i.test(e.relayMessage)) {
        return "your account has no personal phone number — set it with `clawcall account --set-phone +14155550100`";
      }
      if (/primary agent/i.test(e.relayMessage)) {
        return `${msg} — the primary agent is the account's first one; only agents added later can be removed`;
      }
      return `the relay refused the request: ${msg}`;
    case "E_RELAY_PAYMENT":
      return `payment not verified: ${msg} — check the transaction signature and that you sent the exact amount \`clawcall billing checkout\` showed`;
    case "E_RELAY_CONFLICT":
      if (/transaction|payment/i.test(e.relayMessage)) {
        return `${msg} — each payment can be verified once; see \`clawcall billing status\``;
      }
      return `the relay refused: ${msg} — it conflicts with the account's current state; check it and try again`;
    case "E_RELAY_SERVER":
      if (/payments not configured/i.test(e.relayMessage))
        return `this relay does not take payments (${msg})`;
      return `the relay failed (HTTP ${e.status}: ${msg}) — try again in a minute`;
    default:
      return `the relay answered HTTP ${e.status}: ${msg}`;
  }
}

function transportLine(e: RelayTransportError, where: RelayWhere): string {
  const url = where.apiUrl ?? "the relay";
  switch (e.code) {
    case "E_TRANSPORT_CONNECT":
      if (where.sandbox) {
        return `the sandbox relay is not running at ${url} — start it with \`clawcall up\`, or get a real number with \`clawcall register --phone +…\``;
      }
      return `could not reach the relay at ${url} — check your network connection (and CLAWCALL_API_URL if you set it)`;
    case "E_TRANSPORT_RESET":
      return `the connection to the relay at ${url} was cut off — check your network and try again`;
    case "E_TRANSPORT_TIMEOUT":
      return `the relay at ${url} did not answer in time — try again in a minute`;
    case "E_TRANSPORT_BAD_BODY":
      if (e.status !== undefined && e.status >= 502 && e.status <= 504) {
        return `the relay at ${url} is unavailable (HTTP ${e.status}, an error page instead of JSON) — it may be restarting; try again in a minute`;
      }
      if (e.status === 500) {
        return `the relay failed with an internal error (HTTP 500 page) — try again; if it keeps failing, the relay cannot handle this request`;
      }
      if (e.status === 404 || e.status === 405) {
        return `the server at ${url} does not look like a ClawCall relay (HTTP ${e.status} page) — check CLAWCALL_API_URL`;
      }
      return `the relay sent an answer clawcall cannot read (${e.status === undefined ? "" : `HTTP ${e.status}, `}${clean(e.message.replace(/^[^:]*: /, ""))}) — try again in a minute`;
    case "E_TRANSPORT_ABORTED":
      return "cancelled";
    default:
      return `could not send the request to ${url}: ${clean(e.message.replace(/^[^:]*: /, ""))}`;
  }
}

/** One line and an exit code for any error; `undefined` for errors that are bugs (rethrow them). */
export function describeError(err: unknown, where: RelayWhere = {}): ErrorReport | undefined {
  if (err instanceof RelayHttpError) return { line: httpLine(err, where), exit: exitCodeFor(err) };
  if (err instanceof RelayTransportError) return { line: transportLine(err, where), exit: exitCodeFor(err) };
  if (err instanceof DeadlineError) {
    return {
      line: `gave up waiting for the relay at ${where.apiUrl ?? "the relay"}`,
      exit: exitCodeFor(err),
    };
  }
  if (err instanceof ConfigError) return { line: err.lines.join("; "), exit: exitCodeFor(err) };
  if (err instanceof ClawcallError) return { line: err.message, exit: exitCodeFor(err) };
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (err instanceof TypeError && typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_")) {
    return { line: err.message, exit: EXIT.USAGE };
  }
  return undefined;
}
