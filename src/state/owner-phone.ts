/**
 * The owner's own phone as `clawcall register --phone` / `clawcall account --set-phone` last set it,
 * kept in `<stateDir>/owner.json`. The relay's account endpoint returns the agent's number, not the
 * user's, so this record (with `CLAWCALL_OWNER_PHONE`) is how the bridge knows its owner's phone.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { toE164 } from "../util/e164.js";
import { atomicWriteJson } from "./atomic.js";

export function ownerPhonePath(stateDir: string): string {
  return join(stateDir, "owner.json");
}

/** The recorded phone, or undefined when none was recorded (or the file is unreadable). */
export function readOwnerPhone(stateDir: string): string | undefined {
  try {
    const doc = JSON.parse(readFileSync(ownerPhonePath(stateDir), "utf8")) as { phone?: unknown };
    return toE164(typeof doc.phone === "string" ? doc.phone : undefined);
  } catch {
    return undefined;
  }
}

/**
 * Records the phone the relay now has for the user (after a successful register or set-phone).
 * Best effort: false when the state dir cannot be written (the relay call already succeeded).
 */
export function writeOwnerPhone(stateDir: string, phone: string): boolean {
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    atomicWriteJson(ownerPhonePath(stateDir), { version: 1, phone });
    return true;
  } catch {
    return false;
  }
}
