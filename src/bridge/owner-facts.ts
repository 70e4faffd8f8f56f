/**
 * What the agent knows right now, as one compact block for the model's prompt on the owner's own
 * calls (never a guest's, never a third party's): tasks, the next scheduled runs, answers still owed
 * and the month's minutes. Any OpenAI-compatible model can then answer "did the backup finish?"
 * without tools. Bounded, so a busy agent cannot crowd out the caller's words.
 */

import { clip } from "../speech/fragments.js";
import type { ScheduleEntry } from "./context/cron.js";
import type { TaskView } from "./context/tasks.js";
import { spokenAgo, spokenWhen } from "./spoken-time.js";

/** The whole block's budget (characters). */
export const FACTS_MAX_CHARS = 1_500;
/** Items listed per section before "and N more". */
const PER_SECTION = 5;
/** Finished tasks older than this are history, not news. */
const RECENT_MS = 24 * 3_600_000;

export interface OwnerFactsInput {
  tasks: readonly TaskView[];
  schedules: { jobs: readonly ScheduleEntry[]; calls: readonly ScheduleEntry[] };
  /** Questions whose answers are still being worked on in the background. */
  working: readonly string[];
  /** Late answers and news waiting to be told (next turn, or a callback). */
  waiting: number;
  minutes: { remaining: number; limit: number } | undefined;
  now: number;
  timeZone: string;
}

/** One line per fact; a value the model can quote, never a script for it to read aloud. */
export function ownerFacts(i: OwnerFactsInput): string {
  const sections = [taskLines(i), scheduleLines(i), owedLines(i), minutesLines(i)];
  // Trim the longest section first until the block fits: every kind of fact keeps its head.
  for (;;) {
    const text = render(sections);
    if (text.length <= FACTS_MAX_CHARS) return text;
    const longest = sections.reduce((a, b) => (b.items.length > a.items.length ? b : a));
    if (longest.items.length === 0) return text.slice(0, FACTS_MAX_CHARS);
    longest.items.pop();
    longest.dropped++;
  }
}

interface Section {
  title: string;
  items: string[];
  dropped: number;
  none: string;
}

function render(sections: readonly Section[]): string {
  return sections
    .map((s) => {
      const more = s.dropped > 0 ? ` (and ${s.dropped} more)` : "";
      return s.items.length === 0 && s.dropped === 0
        ? `${s.title}: ${s.none}.`
        : `${s.title}${more}: ${s.items.join("; ")}.`;
    })
    .join("\n");
}

function section(title: string, all: string[], none: string): Section {
  return { title, items: all.slice(0, PER_SECTION), dropped: Math.max(0, all.length - PER_SECTION), none };
}

function taskLines(i: OwnerFactsInput): Section {
  const active = i.tasks
    .filter((t) => t.state === "running" || t.state === "queued")
    .sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0));
  const recent = i.tasks
    .filter((t) => t.state !== "running" && t.state !== "queued")
    .filter((t) => t.endedAt !== undefined && i.now - t.endedAt < RECENT_MS)
    .sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0));
  const line = (t: TaskView): string => {
    if (t.state === "queued") return `${t.title}: queued, not started`;
    if (t.state === "running") {
      const since = t.startedAt !== undefined ? ` since ${spokenAgo(t.startedAt, i.now)}` : "";
      return `${t.title}: running${since}${t.progress ? `, last update "${oneLine(t.progress)}"` : ""}`;
    }
    const word = t.state === "succeeded" ? "finished" : t.state;
    const when = t.endedAt !== undefined ? ` ${spokenAgo(t.endedAt, i.now)}` : "";
    return `${t.title}: ${word}${when}${t.detail ? `, result "${oneLine(t.detail)}"` : ""}`;
  };
  return section("Tasks (running, and finished in the last day)", [...active, ...recent].map(line), "none");
}

function scheduleLines(i: OwnerFactsInput): Section {
  const now = new Date(i.now);
  const entries = [
    ...i.schedules.jobs.filter((j) => !j.builtIn).map((e) => ({ e, kind: "job" })),
    ...i.schedules.calls.map((e) => ({ e, kind: "scheduled call" })),
  ].sort((a, b) => (a.e.nextRunAt ?? Number.MAX_SAFE_INTEGER) - (b.e.nextRunAt ?? Number.MAX_SAFE_INTEGER));
  const line = ({ e, kind }: { e: ScheduleEntry; kind: string }) => {
    const next =
      e.nextRunAt !== undefined && e.nextRunAt >= i.now
        ? `, next ${spokenWhen(new Date(e.nextRunAt), now, i.timeZone)}`
        : "";
    return `${e.name} (${kind}) ${e.description}${next}`;
  };
  return section("Scheduled jobs and calls, soonest first", entries.map(line), "none");
}

function owedLines(i: OwnerFactsInput): Section {
  const items = i.working.map((q) => `"${oneLine(q)}" is still being worked on`);
  if (i.waiting > 0) items.push(`${i.waiting} ready to be told, by callback or at the start of a turn`);
  return section("Answers owed to the owner", items, "none");
}

function minutesLines(i: OwnerFactsInput): Section {
  const m = i.minutes;
  const items = m ? [`${Math.max(0, Math.floor(m.remaining))} of ${Math.floor(m.limit)} left`] : [];
  return section("Phone minutes this month", items, "unknown");
}

/** Keeps one quoted value short and on one line. */
const oneLine = (s: string) => clip(s.replace(/\s+/g, " ").trim(), 120);
