import { describe, expect, it } from "vitest";
import { ClawcallError } from "../../src/errors.js";
import {
  checkTimeZone,
  describeCron,
  formatRunTime,
  fromRelayCron,
  parseDayOfWeek,
  planSchedule,
  rewriteDayOfWeek,
  toRelayCron,
} from "../../src/relay/cron.js";

/** The relay's APScheduler counts Monday as 0: numeric day-of-week is rewritten to names before sending. */

const days = (s: Set<number>) => [...s].sort((a, b) => a - b);

describe("rewriteDayOfWeek (standard cron → names the relay reads the same way)", () => {
  it.each([
    ["1-5", "mon-fri"],
    ["0", "sun"],
    ["7", "sun"],
    ["6", "sat"],
    ["1", "mon"],
    ["0,6", "sat,sun"],
    ["6,0", "sat,sun"],
    ["1,3,5", "mon,wed,fri"],
    ["0-3", "mon-wed,sun"],
    ["5-7", "fri-sun"],
    ["0-6", "*"],
    ["0-7", "*"],
    ["*", "*"],
    ["*/2", "tue,thu,sat,sun"],
    ["1-5/2", "mon,wed,fri"],
    ["1-2,4-5", "mon,tue,thu,fri"],
    ["1-3,5", "mon-wed,fri"],
    ["MON-FRI", "mon-fri"],
    ["mon-fri", "mon-fri"],
    ["sat-sun", "sat,sun"],
    ["fri-sun", "fri-sun"],
    ["sun-tue", "mon,tue,sun"],
    ["sun", "sun"],
    ["mon,wed-fri", "mon,wed-fri"],
  ])("%s → %s", (field, relay) => {
    expect(rewriteDayOfWeek(field)).toBe(relay);
  });

  it.each([
    ["5-1"],
    ["fri-mon"],
    ["8"],
    ["-1"],
    ["1-"],
    ["mon-tue-wed"],
    ["1/2"],
    ["*/0"],
    ["funday"],
    ["L"],
    [""],
    ["1,,2"],
  ])("rejects %j", (field) => {
    expect(() => rewriteDayOfWeek(field)).toThrow(ClawcallError);
  });

  it("reads a field the relay's way (0 = Monday) for display", () => {
    expect(days(parseDayOfWeek("1-5", "relay"))).toEqual([2, 3, 4, 5, 6]); // Tue–Sat
    expect(days(parseDayOfWeek("0", "relay"))).toEqual([1]);
    expect(days(parseDayOfWeek("6", "relay"))).toEqual([0]);
    expect(days(parseDayOfWeek("*/2", "relay"))).toEqual([0, 1, 3, 5]); // Mon, Wed, Fri, Sun
    expect(() => parseDayOfWeek("7", "relay")).toThrow(/out of range/);
  });
});

describe("toRelayCron", () => {
  it("rewrites the documented weekday expression and leaves the other fields alone", () => {
    const p = toRelayCron("0 8 * * 1-5");
    expect(p.relayCron).toBe("0 8 * * mon-fri");
    expect(p.standardCron).toBe("0 8 * * 1-5");
    expect(describeCron(p)).toBe("At 08:00, Monday through Friday");
    expect(toRelayCron("*/15 9-17 1,15 jan-jun *").relayCron).toBe("*/15 9-17 1,15 jan-jun *");
    expect(toRelayCron("  30   7 * *   0 ").relayCron).toBe("30 7 * * sun");
  });

  it("expands nicknames", () => {
    expect(toRelayCron("@weekly").relayCron).toBe("0 0 * * sun");
    expect(toRelayCron("@daily").relayCron).toBe("0 0 * * *");
  });

  it("notes that the relay ANDs the two day fields", () => {
    const p = toRelayCron("0 9 1 * 1");
    expect(p.dayFieldsAnded).toBe(true);
    expect(describeCron(p)).toMatch(/only when both/);
    expect(toRelayCron("0 9 1 * *").dayFieldsAnded).toBe(false);
  });

  it.each([
    ["0 8 * *", /exactly 5 fields/],
    ["0 0 8 * * 1", /exactly 5 fields/],
    ["@reboot", /exactly 5 fields/],
    ["61 8 * * *", /minute/],
    ["0 24 * * *", /hour/],
    ["0 8 32 * *", /day/],
    ["0 8 * 13 *", /month/],
    ["0 8 L * *", /syntax the relay does not accept/],
    ["0 8 ? * *", /syntax the relay does not accept/],
    ["0 8 * * 1#2", /syntax the relay does not accept/],
    ["0 8 * * 5-1", /runs backwards/],
    ["*/0 8 * * *", /step/i],
  ])("rejects %j", (expr, why) => {
    expect(() => toRelayCron(expr)).toThrow(why);
  });

  it("reads what the relay stored the way the relay runs it", () => {
    const p = fromRelayCron("0 8 * * 1-5");
    expect(p.numericDow).toBe(true);
    expect(describeCron(p)).toBe("At 08:00, Tuesday through Saturday");
    expect(fromRelayCron("0 8 * * mon-fri").numericDow).toBe(false);
  });
});

describe("planSchedule", () => {
  const from = new Date("2026-01-01T00:00:00Z"); // a Thursday

  it("gives words and the next three runs in the zone", () => {
    const p = planSchedule("0 8 * * 1-5", "Europe/Berlin", 3, from);
    expect(p.relayCron).toBe("0 8 * * mon-fri");
    expect(p.timeZone).toBe("Europe/Berlin");
    expect(p.next.map((d) => d.toISOString())).toEqual([
      "2026-01-01T07:00:00.000Z",
      "2026-01-02T07:00:00.000Z",
      "2026-01-05T07:00:00.000Z",
    ]);
    expect(formatRunTime(p.next[2]!, p.timeZone)).toBe("Mon 5 Jan 2026, 08:00 (Europe/Berlin)");
  });

  it("follows the zone across DST", () => {
    const p = planSchedule("30 6 * * *", "America/New_York", 2, new Date("2026-03-07T12:00:00Z"));
    expect(p.next.map((d) => d.toISOString())).toEqual([
      "2026-03-08T10:30:00.000Z",
      "2026-03-09T10:30:00.000Z",
    ]);
  });

  it("rejects a schedule that never fires, and a bad zone", () => {
    expect(() => planSchedule("0 8 31 2 *", "UTC", 3, from)).toThrow(/never fires/);
    expect(() => planSchedule("0 8 * * *", "Mars/Olympus")).toThrow(/not a time zone/);
  });
});

describe("checkTimeZone", () => {
  it("canonicalises case, keeps valid names, rejects the rest", () => {
    expect(checkTimeZone("europe/berlin")).toBe("Europe/Berlin");
    expect(checkTimeZone("UTC")).toBe("UTC");
    expect(checkTimeZone("Asia/Kolkata")).toBe("Asia/Kolkata");
    for (const bad of ["", "Mars/Olympus", "Europe/Berlin; rm -rf", "+02:00x"]) {
      expect(() => checkTimeZone(bad)).toThrow(ClawcallError);
    }
  });
});
