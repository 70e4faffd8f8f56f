import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  apschedulerToStandard,
  describeCron,
  parseOpenclawCron,
  parseRelaySchedules,
  summarizeSchedules,
} from "../../src/bridge/context/cron.js";
import { identityFromFiles, parseFields } from "../../src/bridge/context/identity.js";
import { parseJsonOutput } from "../../src/bridge/context/index.js";
import { parseOpenclawTasks, summarizeTasks, type TaskView } from "../../src/bridge/context/tasks.js";

const fixture = (p: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/openclaw/${p}`, import.meta.url), "utf8"));
// 2026-11-26 10:00 in Berlin (09:00 UTC).
const NOW = new Date("2026-11-26T09:00:00Z");
const TZ = "Europe/Berlin";

describe("cron context", () => {
  it("describes cron in words", () => {
    expect(describeCron("0 8 * * *")).toBe("every day at 8 AM");
    expect(describeCron("30 7 * * 1-5")).toBe("at 7:30 AM, Monday through Friday");
    expect(describeCron("*/15 * * * *")).toBe("every 15 minutes");
    expect(describeCron("not a cron")).toBeUndefined();
  });

  it("reads the relay's numeric days the APScheduler way (0 = Monday)", () => {
    expect(apschedulerToStandard("0 8 * * 1-5")).toBe("0 8 * * tue-sat");
    expect(apschedulerToStandard("0 9 * * 0,6")).toBe("0 9 * * mon,sun");
    expect(apschedulerToStandard("0 9 * * mon-fri")).toBe("0 9 * * mon-fri");
    expect(apschedulerToStandard("0 9 * * *")).toBe("0 9 * * *");
  });

  it("parses the real `openclaw cron list --json` output and separates OpenClaw's own jobs", () => {
    const jobs = parseOpenclawCron(fixture("cron-list.json"), NOW, TZ);
    expect(jobs).toHaveLength(4);
    const user = jobs.filter((j) => !j.builtIn).map((j) => j.name);
    expect(user.sort()).toEqual(["Morning briefing", "Stretch reminder"]);
    const morning = jobs.find((j) => j.name === "Morning briefing");
    expect(morning?.description).toBe("every day at 8 AM");
    const stretch = jobs.find((j) => j.name === "Stretch reminder");
    expect(stretch?.description).toBe("every 2 hours");
  });

  it("moves an interval job's stale next run forward by whole intervals from its anchor", () => {
    // The fixture's cached nextRunAtMs is 2 h after the anchor; a day later it is long past.
    const doc = fixture("cron-list.json") as { jobs: { name: string; schedule: { anchorMs: number } }[] };
    const anchor = doc.jobs.find((j) => j.name === "Stretch reminder")!.schedule.anchorMs;
    const later = new Date(anchor + 24 * 3_600_000 + 60_000);
    const stretch = parseOpenclawCron(doc, later, TZ).find((j) => j.name === "Stretch reminder");
    expect(stretch?.nextRunAt).toBe(anchor + 13 * 7_200_000);
    expect(stretch!.nextRunAt!).toBeGreaterThan(later.getTime());
  });

  it("speaks a summary with next run times in the user's zone, no raw cron", () => {
    const jobs = parseOpenclawCron(fixture("cron-list.json"), NOW, TZ);
    const calls = parseRelaySchedules(
      [{ label: "Check-in", cron_expression: "0 9 * * 0-4", timezone: "Europe/Berlin", is_active: true }],
      NOW,
      TZ,
    );
    const s = summarizeSchedules(jobs, calls, NOW, TZ);
    expect(s).toMatch(/^You have two scheduled jobs\./);
    expect(s).toContain("Morning briefing runs every day at 8 AM, next at 8 AM tomorrow.");
    expect(s).toContain(
      "You also have one scheduled call: Check-in runs at 9 AM, Monday through Friday, next at 9 AM tomorrow.",
    );
    expect(s).toContain("OpenClaw also runs two built-in maintenance jobs.");
    expect(s).not.toMatch(/\*|\d \d/);
    expect(summarizeSchedules([], [], NOW, TZ)).toBe("I don't see any scheduled jobs or scheduled calls.");
  });
});

describe("tasks context", () => {
  it("parses the real `openclaw tasks list --json` output without speaking model summaries", () => {
    const tasks = parseOpenclawTasks(fixture("tasks-list.json"));
    expect(tasks.map((t) => [t.title, t.state])).toEqual([
      ["Morning briefing", "succeeded"],
      ["hello", "succeeded"],
    ]);
    expect(tasks.every((t) => t.detail === undefined)).toBe(true);
  });

  const now = Date.parse("2026-11-26T09:00:00Z");
  const view = (p: Partial<TaskView>): TaskView => ({
    source: "bridge",
    title: "Deploy",
    state: "running",
    startedAt: now - 5 * 60_000,
    endedAt: undefined,
    detail: undefined,
    progress: undefined,
    ...p,
  });

  it("answers about the task the question names", () => {
    expect(summarizeTasks([view({})], "is the deployment done yet", now)).toBe(
      "Not yet. Deploy is still running, started 5 minutes ago.",
    );
    expect(
      summarizeTasks(
        [view({ state: "succeeded", endedAt: now - 120_000, detail: "All green." })],
        "did the deploy finish",
        now,
      ),
    ).toBe("Yes. Deploy finished 2 minutes ago. The result: All green.");
    expect(summarizeTasks([], "did the build finish", now)).toBe(
      "I don't see a build task, or any other running or recent tasks.",
    );
  });

  it("summarises running and recent tasks", () => {
    const s = summarizeTasks(
      [
        view({ title: "Backup" }),
        view({ title: "Export" }),
        view({ title: "Report", state: "failed", endedAt: now - 3_600_000, detail: "Disk full" }),
      ],
      "what tasks are running",
      now,
    );
    expect(s).toBe(
      "You have two tasks running: Backup and Export. Most recently, Report failed 1 hour ago. Disk full",
    );
  });
});

describe("identity files", () => {
  it("accepts `- **Name:** X`, `- Name: X` and `**Name**: X`, ignoring placeholders", () => {
    expect(
      identityFromFiles(
        "- **Name:** Pinchy\n- **Vibe:** (pick something you like)",
        "- What to call them: Sam",
      ).agentName,
    ).toBe("Pinchy");
    expect(identityFromFiles("- Name: Pinchy", undefined).agentName).toBe("Pinchy");
    expect(identityFromFiles("**Name**: Pinchy", undefined).agentName).toBe("Pinchy");
    expect(identityFromFiles("- **Name:** _(pick something you like)_", undefined).agentName).toBeUndefined();
    expect(identityFromFiles(undefined, "- Name: Samantha\n- What to call them: Sam").userName).toBe("Sam");
    expect(identityFromFiles(undefined, "- **Name:** Samantha").userName).toBe("Samantha");
    expect(parseFields("- **Timezone:** Europe/Berlin").get("timezone")).toBe("Europe/Berlin");
  });
});

describe("CLI JSON output", () => {
  it("finds the document after log lines", () => {
    expect(parseJsonOutput('[warn] legacy config\n{\n  "jobs": []\n}\n')).toEqual({ jobs: [] });
    expect(() => parseJsonOutput("just logs\n")).toThrow();
  });
});
