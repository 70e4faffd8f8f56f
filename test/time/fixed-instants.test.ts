/**
 * Every unit that reads the clock, run at fixed local instants in zones on both sides of UTC: 07:30
 * and 23:59, the days the clocks change, 29 February and 31 December. The clock is injected, so
 * these pass on any real date, at any hour and in any process zone (CI runs them under two).
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseOpenclawCron, parseRelaySchedules, summarizeSchedules } from "../../src/bridge/context/cron.js";
import type { Bridge } from "../../src/bridge/server.js";
import { spokenWhen } from "../../src/bridge/spoken-time.js";
import { main } from "../../src/cli/main.js";
import { StatusWriter } from "../../src/listener/status.js";
import { silentLogger } from "../../src/log.js";
import { formatRunTime, planSchedule } from "../../src/relay/cron.js";
import { acquirePidLock } from "../../src/state/pidlock.js";
import { closeBridgesAfterEach, testBridge } from "../bridge/in-process.js";
import { bridgeTempDir } from "../helpers/bridge-fakes.js";

const ZONES = ["Europe/Berlin", "America/Los_Angeles", "Pacific/Kiritimati"] as const;
type Zone = (typeof ZONES)[number];

/** The UTC offset (ms) of `zone` at instant `t`. */
function offsetAt(t: number, zone: string): number {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    })
      .formatToParts(t)
      .map((x) => [x.type, Number(x.value)]),
  );
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(t / 1000) * 1000;
}

/** The instant a wall clock in `zone` shows `YYYY-MM-DD HH:MM` (the later offset wins around a change). */
function localInstant(zone: string, ymd: string, hm: string): number {
  const [y, mo, d] = ymd.split("-").map(Number) as [number, number, number];
  const [h, mi] = hm.split(":").map(Number) as [number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  let t = wall;
  for (let i = 0; i < 3; i++) t = wall - offsetAt(t, zone);
  return t;
}

/** Days the clocks change (a Sunday in both DST zones; Kiritimati has none and keeps Berlin's). */
const SPRING: Record<Zone, string> = {
  "Europe/Berlin": "2027-03-28",
  "America/Los_Angeles": "2027-03-14",
  "Pacific/Kiritimati": "2027-03-28",
};
const AUTUMN: Record<Zone, string> = {
  "Europe/Berlin": "2027-10-31",
  "America/Los_Angeles": "2027-11-07",
  "Pacific/Kiritimati": "2027-10-31",
};
const dayBefore = (ymd: string) =>
  new Date(Date.parse(`${ymd}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

interface Case {
  name: string;
  day: (z: Zone) => string;
  at: "07:30" | "23:59";
  /** What the caller hears for "what time is it". */
  said: (z: Zone) => string;
  /** The next run of "0 8 * * *" as `formatRunTime` prints it (without the zone). */
  next8: (z: Zone) => string;
}

const longDate = (ymd: string) =>
  new Date(`${ymd}T12:00:00Z`).toLocaleDateString("en-US", {
    timeZone: "UTC",
    weekday: "long",
    month: "long",
    day: "numeric",
    year: "numeric",
  });
const shortDate = (ymd: string) => {
  const d = new Date(`${ymd}T12:00:00Z`);
  const get = (o: Intl.DateTimeFormatOptions) => d.toLocaleDateString("en-US", { timeZone: "UTC", ...o });
  return `${get({ weekday: "short" })} ${get({ day: "numeric" })} ${get({ month: "short" })} ${get({ year: "numeric" })}, 08:00`;
};

const CASES: Case[] = [
  {
    name: "07:30 on an ordinary Monday",
    day: () => "2027-11-15",
    at: "07:30",
    said: () => "It's 7:30 AM on Monday, November 15, 2027.",
    next8: () => "Mon 15 Nov 2027, 08:00",
  },
  {
    name: "23:59 on an ordinary Monday",
    day: () => "2027-11-15",
    at: "23:59",
    said: () => "It's 11:59 PM on Monday, November 15, 2027.",
    next8: () => "Tue 16 Nov 2027, 08:00",
  },
  {
    name: "07:30 on the day the clocks go forward",
    day: (z) => SPRING[z],
    at: "07:30",
    said: (z) => `It's 7:30 AM on ${longDate(SPRING[z])}.`,
    next8: (z) => shortDate(SPRING[z]),
  },
  {
    name: "23:59 the night before the clocks go forward",
    day: (z) => dayBefore(SPRING[z]),
    at: "23:59",
    said: (z) => `It's 11:59 PM on ${longDate(dayBefore(SPRING[z]))}.`,
    next8: (z) => shortDate(SPRING[z]),
  },
  {
    name: "23:59 the night before the clocks go back",
    day: (z) => dayBefore(AUTUMN[z]),
    at: "23:59",
    said: (z) => `It's 11:59 PM on ${longDate(dayBefore(AUTUMN[z]))}.`,
    next8: (z) => shortDate(AUTUMN[z]),
  },
  {
    name: "07:30 on 29 February",
    day: () => "2028-02-29",
    at: "07:30",
    said: () => "It's 7:30 AM on Tuesday, February 29, 2028.",
    next8: () => "Tue 29 Feb 2028, 08:00",
  },
  {
    name: "23:59 on 28 February of a leap year",
    day: () => "2028-02-28",
    at: "23:59",
    said: () => "It's 11:59 PM on Monday, February 28, 2028.",
    next8: () => "Tue 29 Feb 2028, 08:00",
  },
  {
    name: "23:59 on 31 December",
    day: () => "2027-12-31",
    at: "23:59",
    said: () => "It's 11:59 PM on Friday, December 31, 2027.",
    next8: () => "Sat 1 Jan 2028, 08:00",
  },
];

const silent = silentLogger();
closeBridgesAfterEach();

function bridgeAt(zone: string, clock: { now: number }): Bridge {
  return testBridge(
    {
      CLAWCALL_AGENT_NAME: "Pinchy",
      CLAWCALL_USER_NAME: "Sam",
      CLAWCALL_TIMEZONE: zone,
      CLAWCALL_PHONE_MODEL_MODE: "off",
    },
    { now: () => clock.now, logger: silent, statusFile: true },
  );
}

for (const zone of ZONES) {
  describe(`at fixed instants in ${zone}`, () => {
    for (const c of CASES) {
      const day = c.day(zone);
      const t = localInstant(zone, day, c.at);
      const minutesTo8 = c.at === "07:30" ? 30 : undefined;

      it(`${c.name} (${day} ${c.at}): the time, the next runs, recent tasks, status files`, async () => {
        // The local-time answer, through the bridge.
        const clock = { now: t };
        const b = bridgeAt(zone, clock);
        const time = await b.handleMessage({ call_sid: `CA${"1".repeat(32)}`, message: "what time is it" });
        expect(time).toMatchObject({ intent: "time", source: "fast", response: c.said(zone) });

        // Cron words and next runs: "0 8 * * *" stays at 08:00 local across the clock change.
        const plan = planSchedule("0 8 * * *", zone, 3, new Date(t));
        expect(plan.words).toBe("At 08:00");
        expect(formatRunTime(plan.next[0]!, zone)).toBe(`${c.next8(zone)} (${zone})`);
        const day0 = plan.next[0]!.getTime();
        for (const [i, run] of plan.next.entries()) {
          expect(formatRunTime(run, zone)).toMatch(/, 08:00 \(/);
          // Consecutive local days: 23, 24 or 25 hours apart, never the same day twice.
          if (i > 0)
            expect(run.getTime() - plan.next[i - 1]!.getTime()).toBeGreaterThanOrEqual(23 * 3_600_000);
        }
        expect(spokenWhen(new Date(day0), new Date(t), zone)).toBe(
          minutesTo8 ? `in ${minutesTo8} minutes` : "at 8 AM tomorrow",
        );

        // The spoken schedule summary: a relay call and an OpenClaw interval job anchored 90 minutes ago.
        const calls = parseRelaySchedules(
          [{ label: "Check-in", cron_expression: "0 8 * * *", timezone: zone, is_active: true }],
          new Date(t),
          zone,
        );
        const jobs = parseOpenclawCron(
          {
            jobs: [
              { name: "Stretch", schedule: { kind: "every", everyMs: 7_200_000, anchorMs: t - 5_400_000 } },
            ],
          },
          new Date(t),
          zone,
        );
        expect(jobs[0]!.nextRunAt).toBe(t + 1_800_000);
        const when = minutesTo8 ? `in ${minutesTo8} minutes` : "at 8 AM tomorrow";
        expect(summarizeSchedules(jobs, calls, new Date(t), zone)).toBe(
          `You have one scheduled job. Stretch runs every 2 hours, next in 30 minutes. You also have one scheduled call: Check-in runs every day at 8 AM, next ${when}.`,
        );

        // Schedule validation: a 29 February schedule waits for a leap day; 31 February never fires.
        const leap = planSchedule("0 8 29 2 *", zone, 1, new Date(t));
        const leapDay = formatRunTime(leap.next[0]!, zone);
        expect(leapDay).toMatch(/^\w{3} 29 Feb (2028|2032), 08:00 /);
        expect(leap.next[0]!.getTime()).toBeGreaterThan(t);
        expect(() => planSchedule("0 8 31 2 *", zone, 1, new Date(t))).toThrow(/never fires/);

        // "Recent" tasks: finished 23 hours ago counts, 25 hours ago does not.
        clock.now = t - 25 * 3_600_000;
        const old = b.tasks.create({ title: "Old backup", status: "running" });
        b.tasks.update(old.id, { status: "done" });
        clock.now = t - 23 * 3_600_000;
        const recent = b.tasks.create({ title: "Nightly export", status: "running" });
        b.tasks.update(recent.id, { status: "done" });
        clock.now = t;
        const tasks = await b.handleMessage({
          call_sid: `CA${"2".repeat(32)}`,
          message: "what tasks are running",
        });
        expect(tasks.response).toBe(
          "Nothing is running right now. Most recently, Nightly export finished 23 hours ago.",
        );
        clock.now = t + 2 * 3_600_000;
        const later = await b.handleMessage({
          call_sid: `CA${"3".repeat(32)}`,
          message: "what tasks are running",
        });
        expect(later.response).toBe("I don't see any running or recent tasks.");

        // Status files carry the injected instant, and `clawcall status` ages them from its own clock.
        clock.now = t;
        b.writeStatus();
        const stateDir = join(bridgeTempDir(), "state");
        const bridgeStatus = JSON.parse(
          readFileSync(join(dirname(b.tasks.path), "bridge.status.json"), "utf8"),
        );
        expect(bridgeStatus.updatedAt).toBe(new Date(t).toISOString());
        const writer = new StatusWriter(
          stateDir,
          () => ({
            pid: process.pid,
            startedAt: new Date(t - 61_000).toISOString(),
            mode: "HTTP",
            keyId: "0123456789ab",
            relay: "http://127.0.0.1:1",
            state: "running",
            polling: true,
            lastPollAt: new Date(t - 30_000).toISOString(),
            turnsAnswered: 2,
            inFlight: 0,
            lastError: null,
          }),
          silent,
          () => t,
        );
        writer.write();
        expect(JSON.parse(readFileSync(writer.path, "utf8")).updatedAt).toBe(new Date(t).toISOString());
        const lock = await acquirePidLock(stateDir, {
          name: "listener",
          startedAt: new Date(t - 61_000).toISOString(),
        });
        try {
          const out: string[] = [];
          const code = await main(["status"], {
            env: { CLAWCALL_STATE_DIR: stateDir, CLAWCALL_AGENT_PORT: "0", CLAWCALL_TIMEZONE: zone },
            cwd: stateDir,
            out: (l) => out.push(l),
            err: (l) => out.push(l),
            now: () => t,
          });
          expect(code).toBe(3); // no bridge pid file in this state dir
          expect(out.join("\n")).toMatch(
            /^listener {2}pid \d+ {2}up 1m1s {2}last poll 30s ago {2}mode HTTP {2}2 turns answered$/m,
          );
        } finally {
          lock.release();
        }
      });
    }
  });
}
