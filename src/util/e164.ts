/**
 * Phone numbers in E.164 (`+`, a nonzero country code, 8–15 digits in all). Spaces, dots, dashes and
 * parentheses are dropped first (`+1 (415) 555-0100` → `+14155550100`), since the relay and Twilio
 * compare numbers character for character.
 */
const E164 = /^\+[1-9]\d{7,14}$/;

/** The number in E.164, or undefined when it is not one. */
export function toE164(input: string | null | undefined): string | undefined {
  if (typeof input !== "string") return undefined;
  const compact = input.trim().replace(/[\s.()-]/g, "");
  return E164.test(compact) ? compact : undefined;
}

/** "+1 415 555 0123" → "ending in 0123": enough for the owner to recognise, no more in logs. */
export function lastDigits(e164: string, n = 4): string {
  return e164.slice(-n);
}
