import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isErrorWithCode } from "../../src/errors.js";
import { dayKey, minutesWarning, SpendGuard } from "../../src/mcp/spend-guard.js";
import { removeTempDirs, tempDir } from "./helpers.js";

/** The daily cap with an injected clock: nothing here depends on the real date, hour or zone. */

afterAll(removeTempDirs);

/** A settable clock starting at `iso`. */
function clock(iso: string) {
  let t = Date.parse(iso);
  return { now: () => t, set: (next: string) => (t = Date.parse(next)) };
}

function guard(c: { now: () => number }, cap = 2, timeZone = "Europe/Berlin", stateDir = tempDir()) {
  return new SpendGuard({ stateDir, cap, timeZone, now: c.now });
}

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isErrorWithCode(err, "E_MCP_CALL_CAP")).toBe(true);
    return (err as Error).message;
  }
  throw new Error("expected a refusal");
}

describe("SpendGuard", () => {
  it("counts actions up to the cap, then refuses with the day, zone and the variable to change", () => {
    const c = clock("2026-03-10T10:00:00Z");
    const g = guard(c, 2);
    expect(g.status()).toEqual({
      day: "2026-03-10",
      time_zone: "Europe/Berlin",
      used_today: 0,
      cap: 2,
      remaining_today: 2,
    });
    expect(g.reserve("call the owner").status).toMatchObject({ used_today: 1, remaining_today: 1 });
    expect(g.reserve("call the owner").status).toMatchObject({ used_today: 2, remaining_today: 0 });
    expect(refused(() => g.reserve("call +14155550100"))).toBe(
      "Refused to call +14155550100: the daily cap of 2 calls placed through MCP is reached (2 used on 2026-03-10, Europe/Berlin). It resets at midnight Europe/Berlin. Do not retry today; tell the owner, who can raise CLAWCALL_MCP_DAILY_CALL_CAP in this MCP server's environment.",
    );
    expect(g.status().used_today).toBe(2);
  });

  it("starts a new day at midnight in the configured zone, not in UTC", () => {
    // Kiritimati is UTC+14: 09:59 UTC is 23:59 there, 10:00 UTC the next midnight.
    const c = clock("2026-03-10T09:59:00Z");
    const g = guard(c, 1, "Pacific/Kiritimati");
    expect(g.status().day).toBe("2026-03-10");
    g.reserve("call the owner");
    expect(() => g.reserve("call the owner")).toThrow(/daily cap of 1 call placed/);
    c.set("2026-03-10T10:00:00Z"); // midnight in Kiritimati
    expect(g.status()).toMatchObject({ day: "2026-03-11", used_today: 0, remaining_today: 1 });
    expect(g.reserve("call the owner").status.used_today).toBe(1);

    // The same instant is still the 10th in Los Angeles.
    const la = guard(c, 1, "America/Los_Angeles");
    expect(la.status().day).toBe("2026-03-10");
  });

  it("release gives the slot back (the relay refused, nothing was spent), once", () => {
    const c = clock("2026-07-01T12:00:00Z");
    const g = guard(c, 1);
    const t = g.reserve("call the owner");
    t.release();
    t.release();
    expect(g.status().used_today).toBe(0);
    expect(g.reserve("call the owner").status.used_today).toBe(1);
  });

  it("a release after midnight does not touch the new day's count", () => {
    const c = clock("2026-07-01T21:59:00Z"); // 23:59 in Berlin
    const g = guard(c, 3);
    const t = g.reserve("call the owner");
    c.set("2026-07-01T22:01:00Z"); // 00:01 on the 2nd
    g.reserve("call the owner");
    t.release();
    expect(g.status()).toMatchObject({ day: "2026-07-02", used_today: 1 });
  });

  it("is shared through the state dir by every server (each MCP client spawns its own)", () => {
    const c = clock("2026-01-05T08:00:00Z");
    const dir = tempDir();
    const a = guard(c, 2, "UTC", dir);
    const b = guard(c, 2, "UTC", dir);
    a.reserve("call the owner");
    b.reserve("call the owner");
    expect(() => a.reserve("call the owner")).toThrow(/daily cap of 2/);
    expect(JSON.parse(readFileSync(join(dir, "mcp-spend.json"), "utf8"))).toEqual({
      version: 1,
      day: "2026-01-05",
      used: 2,
    });
  });

  it("reads an unreadable or foreign file as zero for today", () => {
    const c = clock("2026-01-05T08:00:00Z");
    const dir = tempDir();
    writeFileSync(join(dir, "mcp-spend.json"), "{not json");
    expect(guard(c, 2, "UTC", dir).status().used_today).toBe(0);
    writeFileSync(join(dir, "mcp-spend.json"), JSON.stringify({ version: 1, day: "2026-01-05", used: -4 }));
    expect(guard(c, 2, "UTC", dir).status().used_today).toBe(0);
  });

  it("a cap of 0 refuses everything and says spending is turned off", () => {
    const g = guard(clock("2026-01-05T08:00:00Z"), 0);
    expect(refused(() => g.reserve("create a schedule"))).toMatch(
      /^Refused to create a schedule: spending through MCP is turned off \(CLAWCALL_MCP_DAILY_CALL_CAP=0\)/,
    );
  });

  it("dayKey is YYYY-MM-DD in the zone", () => {
    const t = Date.parse("2026-12-31T23:30:00Z");
    expect(dayKey(t, "UTC")).toBe("2026-12-31");
    expect(dayKey(t, "Asia/Tokyo")).toBe("2027-01-01");
    expect(dayKey(t, "America/New_York")).toBe("2026-12-31");
  });
});

describe("minutesWarning", () => {
  const acc = (tier: string, used: number, limit: number) => ({
    tier,
    minutes_used: used,
    minutes_limit: limit,
    minutes_remaining: Math.max(0, limit - used),
  });

  it("stays quiet while more than a tenth (and more than 2 minutes) is left", () => {
    expect(minutesWarning(acc("pro", 100, 120))).toBeUndefined(); // 20 left > 12
    expect(minutesWarning(acc("free", 7, 10))).toBeUndefined(); // 3 left > 2
    expect(minutesWarning(acc("team", 440, 500))).toBeUndefined(); // 60 left > 50
  });

  it("warns when the month's minutes are nearly gone", () => {
    expect(minutesWarning(acc("pro", 108, 120))).toMatch(/^Only 12 of 120 minutes left this month/);
    expect(minutesWarning(acc("free", 8, 10))).toMatch(/^Only 2 of 10 minutes left/);
    expect(minutesWarning(acc("team", 450, 500))).toMatch(/^Only 50 of 500 minutes left/);
  });

  it("at the limit says what the relay does and what resets it, by tier", () => {
    expect(minutesWarning(acc("free", 10, 10))).toMatch(
      /used up: the relay now refuses calls and hangs up when the owner calls in, until the 1st \(UTC\)/,
    );
    expect(minutesWarning(acc("pro", 130, 120))).toMatch(
      /included minutes are used up: at most 5 overage minutes/,
    );
  });
});
