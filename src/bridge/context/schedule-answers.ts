/**
 * Answers to the question actually asked about schedules: "when is my next briefing" gets that
 * briefing's next run, "how many" gets a number, "do I have any" a yes or no with a count, and only
 * "what are my scheduled calls" a short list. Within the fast path's word budget.
 */
import { countWords, joinAnd } from "../../speech/index.js";
import { spokenWhen } from "../spoken-time.js";
import { brief } from "./brief.js";
import { type ScheduleEntry, summarizeSchedules } from "./cron.js";

type Kind = "next" | "count" | "any" | "list";

function kindOf(q: string): Kind {
  if (/^how many\b/.test(q)) return "count";
  if (/^when\b|\bnext\b|\bcoming up\b/.test(q)) return "next";
  if (/^(?:do|have|are there|is there|any)\b/.test(q)) return "any";
  return "list";
}

const byNext = (a: ScheduleEntry, b: ScheduleEntry) =>
  (a.nextRunAt ?? Number.MAX_SAFE_INTEGER) - (b.nextRunAt ?? Number.MAX_SAFE_INTEGER);

/** Words of the question that can name an entry ("morning", "briefing", "backup"). */
const STOP = new Set(
  "when is my the next does do will what are how many have any scheduled schedule call calls job jobs run runs cron going to i we a an of on for set up".split(
    " ",
  ),
);
function named(q: string, entries: readonly ScheduleEntry[]): ScheduleEntry[] {
  const keys = q.split(" ").filter((w) => w.length > 2 && !STOP.has(w));
  if (keys.length === 0) return [];
  const stem = (w: string) => w.replace(/s$/, "");
  return entries.filter((e) => {
    const name = e.name
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .map(stem);
    return keys.some((k) => name.includes(stem(k)));
  });
}

function when(e: ScheduleEntry, now: Date, zone: string): string {
  return e.nextRunAt !== undefined && e.nextRunAt >= now.getTime()
    ? spokenWhen(new Date(e.nextRunAt), now, zone)
    : "";
}

/** The spoken answer; `question` is the router's normalised text. */
export function answerSchedules(
  question: string,
  allJobs: readonly ScheduleEntry[],
  allCalls: readonly ScheduleEntry[],
  now: Date,
  zone: string,
): string {
  const asked = /\bcalls?\b/.test(question)
    ? "calls"
    : /\b(?:cron|jobs?|automations?)\b/.test(question)
      ? "jobs"
      : "";
  // A question about scheduled calls is about those, unless there are none (then say what there is).
  const onlyCalls = asked === "calls" && allCalls.length > 0;
  const onlyJobs = asked === "jobs" && allJobs.some((j) => !j.builtIn);
  const jobs = onlyCalls ? [] : allJobs;
  const calls = onlyJobs ? [] : allCalls;
  const user = jobs.filter((j) => !j.builtIn);
  const all = [...user, ...calls].sort(byNext);
  const kind = kindOf(question);
  if (all.length === 0 || kind === "list") {
    return brief(summarizeSchedules(jobs, calls, now, zone, 2).split(/(?<=\.) (?=[A-Z])/));
  }
  const counts = joinAnd(
    [
      user.length > 0 ? countWords(user.length, "scheduled job") : "",
      calls.length > 0 ? countWords(calls.length, "scheduled call") : "",
    ].filter(Boolean),
  );
  if (kind === "count") return `You have ${counts}.`;
  if (kind === "any") {
    const names = all.slice(0, 2).map((e) => e.name);
    if (all.length > 2) names.push(countWords(all.length - 2, "more", "more"));
    return brief([`Yes, ${counts}: ${joinAnd(names)}.`]);
  }
  const hits = named(question, all);
  const pick = (hits.length > 0 ? hits : all).find((e) => when(e, now, zone) !== "");
  if (!pick) {
    const e = hits[0] ?? all[0]!;
    return `${e.name} runs ${e.description}, and I can't work out its next run.`;
  }
  return brief([`${pick.name} runs next ${when(pick, now, zone)}.`, `It runs ${pick.description}.`]);
}
