import { ClawcallError } from "../errors.js";
import { CALL_SID_RE, NOTIFY_SID_RE } from "./schemas.js";

export type CallSidKind = "call" | "notify";

/** `call` for a Twilio CallSid (CA + 32 hex), `notify` for `notify-<job uuid>`, else undefined. */
export function callSidKind(sid: unknown): CallSidKind | undefined {
  if (typeof sid !== "string") return undefined;
  if (CALL_SID_RE.test(sid)) return "call";
  if (NOTIFY_SID_RE.test(sid)) return "notify";
  return undefined;
}

export function isValidCallSid(sid: unknown): sid is string {
  return callSidKind(sid) !== undefined;
}

/** Throws E_INVALID_CALL_SID (without echoing more than a short prefix of untrusted input). */
export function assertCallSid(sid: unknown): asserts sid is string {
  if (!isValidCallSid(sid)) {
    const shown = typeof sid === "string" ? JSON.stringify(sid.slice(0, 40)) : typeof sid;
    throw new ClawcallError("E_INVALID_CALL_SID", `not a relay call sid: ${shown}`);
  }
}
