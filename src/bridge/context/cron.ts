import { Cron } from "croner";
import cronstrue from "cronstrue";
import { countWords } from "../../speech/index.js";
import { spokenInterval, spokenWhen } from "../spoken-time.js";

/** One recurring thing, from `openclaw cron list --json` or the relay's scheduled calls. */
export interface ScheduleEntry {
  source: "openclaw" | "relay";
  name: string;
  /** "every day at 8 AM", "every 2 hours". */
  description: string;
  nextRunAt: number | undefined;
  /** Managed by OpenClaw itself (memory, skills review): counted, not listed. */
  builtIn: boolean;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined =>
  typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** "At 08:00 AM, Monday through Friday" → "at 8 AM, Monday through Friday". */
export function describeCron(expr: string): string | undefined {
  try {
    let d = cronstrue.toString(expr, { use24HourTimeFormat: false, throwExceptionOnParseError: true });
    d = d.replace(/\b0(\d):/g, "$1:").replace(/:00 (AM|PM)/g, " $1");
    // "At 8 AM" alone means every day.
    if (/^At [^,]+$/.test(d)) d = `every day ${d.charAt(0).toLowerCase()}${d.slice(1)}`;
    else d = d.charAt(0).toLowerCase() + d.slice(1);
    return d.replace(/, only on /g, ", on ");
  } catch {
    return undefined;
  }
}

/** The next run of a 5-field cron in a zone (croner), or undefined for a bad expression. */
export function nextCronRun(expr: string, timeZone: string, now: Date): number | undefined {
  try {
    const job = new Cron(expr, { timezone: timeZone, paused: true });
    return job.nextRun(now)?.getTime();
  } catch {
    return undefined;
  }
}

const APS_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/**
 * The relay schedules with APScheduler, where numeric day-of-week counts Monday as 0 (so the
 * documented `0 8 * * 1-5` fires Tuesday to Saturday). Rewrites numeric days to names so standard
 * cron tools describe what the relay will really do.
 */
export function apschedulerToStandard(expr: string): string {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) return expr;
  parts[4] = (parts[4] ?? "*").replace(/(^|[,-])(\d)(?=$|[,-/])/g, (_m, sep: string, d: string) => {
    const name = APS_DAYS[Number(d)];
    return `${sep}${name ?? d}`;
  });
  return parts.join(" ");
}

/** Parses `openclaw cron list --json` (`{jobs:[…]}`, version-tolerant). Disabled jobs are dropped. */
export function parseOpenclawCron(doc: unknown, now: Date, timeZone: string): ScheduleEntry[] {
  const jobs = isObj(doc) && Array.isArray(doc.jobs) ? doc.jobs : Array.isArray(doc) ? doc : [];
  const out: ScheduleEntry[] = [];
  for (const j of jobs) {
    if (!isObj(j) || j.enabled === false) continue;
    const name = str(j.displayName) ?? str(j.name) ?? "an unnamed job";
    const builtIn =
      str(j.declarationKey) !== undefined || (str(j.description) ?? "").startsWith("[managed-by=");
    const sched = isObj(j.schedule) ? j.schedule : {};
    const state = isObj(j.state) ? j.state : {};
    let nextRunAt = num(j.nextRunAtMs) ?? num(state.nextRunAtMs);
    let description = "on a schedule";
    if (sched.kind === "cron" && typeof sched.expr === "string") {
      const tz = str(sched.tz) ?? timeZone;
      description = describeCron(sched.expr) ?? "on a schedule";
      if (nextRunAt === undefined || nextRunAt < now.getTime()) nextRunAt = nextCronRun(sched.expr, tz, now);
    } else if (sched.kind === "every") {
      const every = num(sched.everyMs);
      if (every !== undefined && every > 0) {
        description = `every ${spokenInterval(every)}`;
        // A cached next run in the past (the list is refreshed only now and then) moves on by whole
        // intervals from the anchor, as the scheduler itself would.
        const anchor = num(sched.anchorMs) ?? nextRunAt;
        if (anchor !== undefined && (nextRunAt === undefined || nextRunAt < now.getTime())) {
          const steps = Math.max(0, Math.ceil((now.getTime() - anchor) / every));
          nextRunAt = anchor + steps * every;
        }
      }
    } else if (sched.kind === "at") {
      const at = typeof sched.at === "number" ? sched.at : Date.parse(String(sched.at ?? ""));
      description = "once";
      if (Number.isFinite(at)) nextRunAt = at;
    }
    out.push({ source: "openclaw", name: cleanName(name), description, nextRunAt, builtIn });
  }
  return out;
}

/** Parses the relay's `GET /calls/schedule` items. */
export function parseRelaySchedules(
  items: readonly {
    label?: string | null;
    cron_expression: string;
    timezone?: string | null;
    is_active?: boolean;
  }[],
  now: Date,
  fallbackZone: string,
): ScheduleEntry[] {
  const out: ScheduleEntry[] = [];
  for (const it of items) {
    if (it.is_active === false) continue;
    const expr = apschedulerToStandard(it.cron_expression);
    let tz = it.timezone ?? "UTC";
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
    } catch {
      tz = "UTC"; // the relay silently fires in UTC for a bad zone
    }
    out.push({
      source: "relay",
      name: cleanName(it.label ?? "Scheduled call"),
      description: describeCron(expr) ?? "on a schedule",
      nextRunAt: nextCronRun(expr, tz || fallbackZone, now),
      builtIn: false,
    });
  }
  return out;
}

function cleanName(s: string): string {
  const t = s.replace(/[\r\n\t]+/g, " ").trim();
  return t.length > 80 ? `${t.slice(0, 77)}…` : t;
}

function sentence(e: ScheduleEntry, now: Date, timeZone: string): string {
  const next =
    e.nextRunAt !== undefined && e.nextRunAt >= now.getTime()
      ? `, next ${spokenWhen(new Date(e.nextRunAt), now, timeZone)}`
      : "";
  return `${e.name} runs ${e.description}${next}.`;
}

const byNext = (a: ScheduleEntry, b: ScheduleEntry) =>
  (a.nextRunAt ?? Number.MAX_SAFE_INTEGER) - (b.nextRunAt ?? Number.MAX_SAFE_INTEGER);

/**
 * "You have two scheduled jobs. Morning briefing runs every day at 8 AM, next at 8 AM tomorrow. …"
 * Lists at most `max` of each kind; built-in OpenClaw jobs are only counted.
 */
export function summarizeSchedules(
  jobs: readonly ScheduleEntry[],
  calls: readonly ScheduleEntry[],
  now: Date,
  timeZone: string,
  max = 3,
): string {
  const user = jobs.filter((j) => !j.builtIn).sort(byNext);
  const builtIn = jobs.length - user.length;
  const relay = [...calls].sort(byNext);
  const parts: string[] = [];
  if (user.length > 0) {
    parts.push(`You have ${countWords(user.length, "scheduled job")}.`);
    for (const j of user.slice(0, max)) parts.push(sentence(j, now, timeZone));
    if (user.length > max) parts.push(`And ${countWords(user.length - max, "more", "more")}.`);
  }
  if (relay.length > 0) {
    parts.push(
      `${user.length > 0 ? "You also have" : "You have"} ${countWords(relay.length, "scheduled call")}${relay.length === 1 ? ":" : "."}`,
    );
    for (const c of relay.slice(0, max)) parts.push(sentence(c, now, timeZone));
    if (relay.length > max) parts.push(`And ${countWords(relay.length - max, "more", "more")}.`);
  }
  if (parts.length === 0) {
    return builtIn > 0
      ? `I don't see any scheduled jobs of yours, only ${countWords(builtIn, "built-in maintenance job")}.`
      : "I don't see any scheduled jobs or scheduled calls.";
  }
  if (builtIn > 0) parts.push(`OpenClaw also runs ${countWords(builtIn, "built-in maintenance job")}.`);
  return parts.join(" ");
}
