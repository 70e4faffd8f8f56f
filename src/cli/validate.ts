import { ClawcallError } from "../errors.js";
import { toE164 } from "../util/e164.js";

/** A usage mistake: printed as one line, exit code 64 (see relay-errors.ts). */
export function usageError(message: string): ClawcallError {
  return new ClawcallError("E_INVALID_INPUT", message);
}

/**
 * A phone number in E.164: `+`, a nonzero country code, 8–15 digits in all. Spaces, dots, dashes
 * and parentheses are dropped first (`+1 (415) 555-0100` → `+14155550100`), since the relay compares
 * caller ID to it character for character. Throws a usage error naming the rule.
 */
export function normalizeE164(input: string, what = "phone number"): string {
  const e164 = toE164(input);
  if (e164 === undefined) {
    const shown = JSON.stringify(input.slice(0, 40));
    throw usageError(
      `${what} ${shown} is not in E.164 form: "+", the country code, then the number (8-15 digits in all), e.g. +14155550100`,
    );
  }
  return e164;
}

export function checkEmail(input: string): string {
  const e = input.trim();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e) || e.length > 254) {
    throw usageError(`"${e.slice(0, 60)}" is not an email address`);
  }
  return e;
}

export { UUID_RE } from "../relay/schemas.js";

/** An http(s) URL, trimmed; a usage error naming `what` otherwise. */
export function checkHttpUrl(input: string, what = "the URL"): string {
  const url = input.trim();
  let ok = false;
  try {
    ok = ["http:", "https:"].includes(new URL(url).protocol);
  } catch {}
  if (!ok) throw usageError(`${what} "${input.slice(0, 80)}" is not an http(s) URL`);
  return url;
}
