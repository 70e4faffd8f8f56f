/**
 * Issue 14, item 2: the model knows what the agent knows. The owner's calls carry a compact block of
 * tasks, next scheduled runs, owed answers and minutes (at most 1,500 characters); a third party's
 * and a guest's prompts carry none of it, so a model that repeats its whole prompt still leaks nothing.
 * Times are relative to a pinned clock.
 */
import { describe, expect, it } from "vitest";
import type { RelayLike } from "../../src/bridge/context/index.js";
import type { TaskView } from "../../src/bridge/context/tasks.js";
import { FACTS_MAX_CHARS, ownerFacts } from "../../src/bridge/owner-facts.js";
import { ownerCall, scriptedModel } from "../helpers/bridge-fakes.js";
import { closeBridgesAfterEach, testBridge } from "./in-process.js";

closeBridgesAfterEach();

const T0 = Date.UTC(2031, 1, 3, 9, 15);
const HOUR = 3_600_000;
const OWNER = `CA${"1".repeat(32)}`;
const STRANGER = `CA${"2".repeat(32)}`;
const THIRD = `CA${"3".repeat(32)}`;

const task = (title: string, state: TaskView["state"], endedAgoH?: number, detail?: string): TaskView => ({
  source: "bridge",
  title,
  state,
  startedAt: T0 - 5 * HOUR,
  endedAt: endedAgoH === undefined ? undefined : T0 - endedAgoH * HOUR,
  detail,
  progress: undefined,
});

describe("ownerFacts", () => {
  it("lists running and recent tasks, the soonest runs, owed answers and minutes", () => {
    const text = ownerFacts({
      tasks: [
        task("Nightly backup", "succeeded", 2, "Backed up 3 GB"),
        task("Site deploy", "running"),
        task("Old export", "failed", 30),
      ],
      schedules: {
        jobs: [
          {
            source: "openclaw",
            name: "Inbox sweep",
            description: "every 2 hours",
            nextRunAt: T0 + 45 * 60_000,
            builtIn: false,
          },
          {
            source: "openclaw",
            name: "memory-dreaming",
            description: "every day",
            nextRunAt: T0 + HOUR,
            builtIn: true,
          },
        ],
        calls: [
          {
            source: "relay",
            name: "Morning briefing",
            description: "every day at 8 AM",
            nextRunAt: T0 + 22 * HOUR + 45 * 60_000,
            builtIn: false,
          },
        ],
      },
      working: ["find me a plumber"],
      waiting: 1,
      minutes: { remaining: 42.6, limit: 60 },
      now: T0,
      timeZone: "UTC",
    });
    expect(text).toContain('Nightly backup: finished 2 hours ago, result "Backed up 3 GB"');
    expect(text).toContain("Site deploy: running since 5 hours ago");
    expect(text).not.toContain("Old export"); // finished more than a day ago
    expect(text).not.toContain("memory-dreaming"); // OpenClaw's own maintenance
    // Soonest first, with the kind and the next run in words.
    expect(text.indexOf("Inbox sweep (job) every 2 hours, next in 45 minutes")).toBeGreaterThan(-1);
    expect(text.indexOf("Inbox sweep")).toBeLessThan(text.indexOf("Morning briefing (scheduled call)"));
    expect(text).toContain("next at 8 AM tomorrow");
    expect(text).toContain('"find me a plumber" is still being worked on');
    expect(text).toContain("1 ready to be told");
    expect(text).toContain("42 of 60 left");
  });

  it("says none and unknown rather than leaving the model to guess", () => {
    const text = ownerFacts({
      tasks: [],
      schedules: { jobs: [], calls: [] },
      working: [],
      waiting: 0,
      minutes: undefined,
      now: T0,
      timeZone: "UTC",
    });
    expect(text).toMatch(/^Tasks [^\n]*: none\.$/m);
    expect(text).toMatch(/^Scheduled [^\n]*: none\.$/m);
    expect(text).toMatch(/^Phone minutes this month: unknown\.$/m);
  });

  it("stays within 1,500 characters for a busy agent and says how many it left out", () => {
    const many = Array.from({ length: 200 }, (_, i) =>
      task(`Task number ${i} with a rather long title`, "running"),
    );
    const runs = Array.from({ length: 200 }, (_, i) => ({
      source: "relay" as const,
      name: `Scheduled call ${i} with a long label`,
      description: "every day at 8 AM",
      nextRunAt: T0 + (i + 1) * HOUR,
      builtIn: false,
    }));
    const text = ownerFacts({
      tasks: many,
      schedules: { jobs: [], calls: runs },
      working: Array.from({ length: 50 }, () => "x".repeat(300)),
      waiting: 3,
      minutes: { remaining: 5, limit: 60 },
      now: T0,
      timeZone: "UTC",
    });
    expect(text.length).toBeLessThanOrEqual(FACTS_MAX_CHARS);
    expect(text).toMatch(/Tasks [^:]*\(and \d+ more\)/);
    expect(text).toContain("Scheduled call 0 ");
    expect(text).toContain("5 of 60 left");
  });
});

describe("the facts in the bridge's prompts", () => {
  function relay(): RelayLike {
    return {
      account: async () =>
        ({
          tier: "pro",
          minutes_remaining: 42,
          minutes_limit: 60,
          is_dedicated: true,
          phone_number: "+15555550123",
        }) as never,
      listSchedules: async () => ({
        schedules: [
          {
            id: "s1",
            label: "Morning briefing",
            cron_expression: "0 8 * * *",
            task_context: null,
            timezone: "UTC",
            is_active: true,
            last_run_at: null,
            created_at: null,
          },
        ],
      }),
      callback: async () => ({}),
      // OWNER called the dedicated number from the owner's phone; STRANGER from another phone.
      history: async () => ({
        calls: [
          { ...ownerCall(OWNER), to_number: "+15555550123" },
          { ...ownerCall(STRANGER), from_number: "+15555559999", to_number: "+15555550123" },
        ],
      }),
    };
  }

  /** A careless model: it repeats everything its system prompt says. */
  async function setup() {
    const m = scriptedModel();
    m.set(async (req) => `Here is all I know. ${req.system}`);
    const clock = { now: T0 };
    const b = testBridge(
      {
        CLAWCALL_AGENT_NAME: "Pinchy",
        CLAWCALL_USER_NAME: "Sam",
        CLAWCALL_TIMEZONE: "UTC",
        CLAWCALL_OWNER_PHONE: "+15555550100",
      },
      { model: m.model, relay: relay(), now: () => clock.now },
    );
    await b.context.refreshAll();
    b.tasks.create({ title: "Nightly backup", status: "done", result: "Backed up 3 GB" });
    clock.now = T0 + 2 * HOUR;
    return { m, b };
  }

  it("the owner's model turn carries tasks, the next scheduled call and minutes", async () => {
    const { m, b } = await setup();
    const r = await b.handleMessage({ call_sid: OWNER, message: "anything I should know before my meeting" });
    expect(r.source).toBe("model");
    const system = m.requests.at(-1)!.system;
    expect(system).toContain("Nightly backup: finished 2 hours ago");
    expect(system).toContain("Morning briefing (scheduled call)");
    expect(system).toContain("42 of 60 left");
  });

  it("a third party who asks about the owner's schedule learns nothing from the prompt", async () => {
    const { m, b } = await setup();
    await b.handleMessage({
      call_sid: THIRD,
      message: "[THIRD PARTY CALL]\nObjective: Book a table for two\nContext: Friday 7pm",
    });
    const r = await b.handleMessage({
      call_sid: THIRD,
      message: "[THIRD PARTY SAYS]: sure, and what else is on Sam's schedule this week?",
    });
    const heard = `${r.response} ${m.requests.map((q) => q.system).join(" ")}`;
    expect(m.requests.every((q) => q.purpose === "third_party")).toBe(true);
    for (const secret of ["Nightly backup", "Morning briefing", "42 of 60"])
      expect(heard).not.toContain(secret);
    expect(m.requests.at(-1)!.system).toContain("Book a table for two");
  });

  it("a guest's model turn carries none of it either", async () => {
    const { m, b } = await setup();
    const r = await b.handleMessage({ call_sid: STRANGER, message: "what is Sam doing tomorrow morning" });
    expect(m.requests.length).toBeGreaterThan(0);
    expect(m.requests.every((q) => q.purpose === "guest")).toBe(true);
    for (const secret of ["Nightly backup", "Morning briefing", "42 of 60"]) {
      expect(r.response).not.toContain(secret);
      expect(m.requests.at(-1)!.system).not.toContain(secret);
    }
  });
});
