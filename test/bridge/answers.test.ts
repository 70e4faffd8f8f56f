/**
 * Issue 14, item 5: fast answers about schedules and tasks answer the question asked, in at most
 * 40 words, grammatically, with titles whole. Through the bridge with a pinned clock.
 */
import { describe, expect, it } from "vitest";
import type { RelayLike } from "../../src/bridge/context/index.js";
import { ownerCall } from "../helpers/bridge-fakes.js";
import { closeBridgesAfterEach, testBridge } from "./in-process.js";

closeBridgesAfterEach();

const T0 = Date.UTC(2031, 1, 3, 9, 15); // a Monday, 9:15 UTC
const SID = `CA${"b".repeat(32)}`;
const LONG_TITLE = "Nightly backup of the family photo library to the garage NAS";

function schedule(id: string, label: string, cron: string) {
  return {
    id,
    label,
    cron_expression: cron,
    task_context: null,
    timezone: "UTC",
    is_active: true,
    last_run_at: null,
    created_at: null,
  };
}

async function setup(
  schedules = [
    schedule("s1", "Morning briefing", "0 8 * * *"),
    schedule("s2", "Friday wrap-up", "0 17 * * fri"),
  ],
) {
  const relay: RelayLike = {
    account: async () =>
      ({ tier: "pro", minutes_remaining: 42, minutes_limit: 60, is_dedicated: false }) as never,
    listSchedules: async () => ({ schedules }),
    callback: async () => ({}),
    // The caller is the owner, on the shared number.
    history: async () => ({ calls: [ownerCall(SID)] }),
  };
  const clock = { now: T0 - 3 * 3_600_000 };
  const withRelay = testBridge(
    { CLAWCALL_AGENT_NAME: "Nova", CLAWCALL_TIMEZONE: "UTC" },
    { relay, now: () => clock.now },
  );
  const backup = withRelay.tasks.create({ title: LONG_TITLE });
  withRelay.tasks.create({ title: "Site deploy" });
  withRelay.tasks.create({ title: "Dependency update" });
  clock.now = T0 - 2 * 3_600_000;
  withRelay.tasks.update(backup.id, { status: "failed", result: "The disk is full." });
  clock.now = T0;
  await withRelay.context.refreshAll();
  return withRelay;
}

const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

describe("answers that answer", () => {
  it.each([
    ["when is my next briefing", /^Morning briefing runs next at 8 AM tomorrow\./],
    ["when is the next scheduled call", /^Morning briefing runs next at 8 AM tomorrow\./],
    ["how many scheduled calls do I have", /^You have two scheduled calls\.$/],
    ["are any tasks failing", new RegExp(`^${LONG_TITLE} failed 2 hours ago\\. The disk is full\\.$`)],
    ["how many tasks are running", /^Two tasks are running\.$/],
    ["did the upload finish", /^I don't see an upload task\./],
  ])("%j → %s", async (question, expected) => {
    const b = await setup();
    const r = await b.handleMessage({ call_sid: SID, message: question });
    expect(r.source).toBe("fast");
    expect(r.response).toMatch(expected);
    expect(words(r.response)).toBeLessThanOrEqual(40);
    expect(r.response).not.toContain("…");
  });

  it("a failing question names only the failures, not the running tasks", async () => {
    const b = await setup();
    const r = await b.handleMessage({ call_sid: SID, message: "did anything fail" });
    expect(r.response).toContain(LONG_TITLE);
    expect(r.response).not.toMatch(/Site deploy|Dependency update/);
  });

  it("twenty scheduled calls still make an answer of at most 40 words that gives the count", async () => {
    const many = Array.from({ length: 20 }, (_, i) =>
      schedule(`s${i}`, `Check-in number ${i + 1}`, `${i} 8 * * *`),
    );
    const b = await setup(many);
    for (const q of ["what are my scheduled calls", "do I have any scheduled calls", "what's scheduled"]) {
      const r = await b.handleMessage({ call_sid: SID, message: q });
      expect(r.intent).toBe("cron");
      expect(words(r.response), r.response).toBeLessThanOrEqual(40);
      expect(r.response).toMatch(/twenty scheduled calls|20 scheduled calls/);
    }
  });
});
