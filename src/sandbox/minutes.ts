/** Minute accounting as the relay enforces it (contract §6.3). */
import { DEMO_USER_ID, OVERAGE_CAP } from "./phrases.js";
import type { UserRow } from "./store.js";

/** `within_limit(user)`: free compares used minutes; paid tiers are blocked only at the overage cap. */
export function withinLimit(user: UserRow | undefined): boolean {
  if (!user) return false;
  if (user.tier === "free") return user.minutes_used_this_month < user.minutes_limit;
  return user.overage_minutes < OVERAGE_CAP;
}

/** Minutes charged for a completed call: `ceil(s/60)`, at least 1 even for 0 s. */
export function minutesFor(durationS: number): number {
  return Math.max(1, Math.ceil(durationS / 60));
}

/** Charges a completed call; on paid tiers the part above the limit also counts as overage. */
export function charge(user: UserRow, durationS: number): number {
  const mins = minutesFor(durationS);
  const before = user.minutes_used_this_month;
  const after = before + mins;
  user.minutes_used_this_month = after;
  if (user.tier !== "free" && after > user.minutes_limit) {
    user.overage_minutes += after - Math.max(before, user.minutes_limit);
  }
  return mins;
}

export function minutesRemaining(user: UserRow): number {
  return Math.max(0, user.minutes_limit - user.minutes_used_this_month);
}

/**
 * The seeded demo account refills once a call leaves it with fewer minutes than this: every sandbox
 * call is charged at least a minute, and trying things out must never run the demo dry. Other
 * accounts keep the relay's rules (minute exhaustion stays testable with them, or by setting the
 * demo's minutes directly, which takes effect until its next call is charged).
 */
export const DEMO_REFILL_BELOW = 10;

/** Zeroes the month's used minutes and any overage: the demo's refill, and `clawcall sandbox refill`. */
export function refill(user: UserRow): void {
  user.minutes_used_this_month = 0;
  user.overage_minutes = 0;
}

/** Refills the demo account when it runs low; true when it did. */
export function refillDemoIfLow(user: UserRow): boolean {
  if (user.id !== DEMO_USER_ID) return false;
  if (minutesRemaining(user) >= DEMO_REFILL_BELOW && user.overage_minutes === 0) return false;
  refill(user);
  return true;
}
