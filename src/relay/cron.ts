import { Cron } from "croner";
import cronstrue from "cronstrue";
import { ClawcallError } from "../errors.js";
import { clean } from "../util/clean.js";
import { formatDateTime } from "../util/datetime.js";

/**
 * Cron expressions for relay schedules (contract §3.7).
 *
 * The relay hands the five fields to APScheduler 3's `CronTrigger`, which numbers weekdays
 * **0 = Monday … 6 = Sunday** (and rejects 7), and ANDs day-of-month with day-of-week. Standard cron
 * numbers them 0 = Sunday … 6 = Saturday (7 = Sunday too) and ORs the two day fields. So the
 * documented "weekdays at 8" `0 8 * * 1-5` fires Tuesday to Saturday on the relay. Named days mean the
 * same thing to both, so before sending we rewrite the day-of-week field to names, in APScheduler's
 * order (Monday first, Sunday last) so every range stays ascending for it: `1-5` → `mon-fri`,
 * `0`/`7` → `sun`, `0-3` → `mon-wed,sun`, `*\/2` → `tue,thu,sat,sun`.
 */

/** Standard-cron day numbers: 0 = Sunday … 6 = Saturday. */
const STD_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
/** The relay's (APScheduler's) order: index 0 = Monday … 6 = Sunday, as standard day numbers. */
const RELAY_ORDER = [1, 2, 3, 4, 5, 6, 0] as const;

const NICKNAMES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const FIELD_NAMES = ["minute", "hour", "day of month", "month", "day of week"] as const;
const NUMERIC_FIELD_RE = /^[0-9*,/-]+$/;
const MONTH_FIELD_RE = /^(?:[0-9*,/-]|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)+$/i;

function invalid(message: string): ClawcallError {
  return new ClawcallError("E_INVALID_INPUT", message);
}

/** Which numbering a day-of-week field is written in. */
export type DowSemantics = "cron" | "relay";

/**
 * Parses a day-of-week field into the set of days it names (standard numbers, 0 = Sunday), read with
 * standard cron numbering (`"cron"`) or the relay's APScheduler numbering (`"relay"`, 0 = Monday).
 * Throws E_INVALID_INPUT on anything the relay would not accept the same way.
 */
export function parseDayOfWeek(field: string, semantics: DowSemantics = "cron"): Set<number> {
  const days = new Set<number>();
  const f = field.trim().toLowerCase();
  if (f === "") throw invalid("day-of-week field is empty");
  const max = semantics === "cron" ? 7 : 6;
  /** Position of a token on the axis ranges and steps walk: 0–7 (cron) or 0–6 Monday first (relay). */
  const pos = (tok: string, endOfRange: boolean): number => {
    const named = STD_NAMES.indexOf(tok as (typeof STD_NAMES)[number]);
    if (named >= 0) {
      if (semantics === "relay") return RELAY_ORDER.indexOf(named as (typeof RELAY_ORDER)[number]);
      // `sat-sun` and `fri-sun` read as ranges ending on Sunday (7), as people mean them.
      return named === 0 && endOfRange ? 7 : named;
    }
    if (!/^\d+$/.test(tok)) throw invalid(`day of week: "${tok}" is not a day (0-7 or sun-sat)`);
    const n = Number(tok);
    if (n > max) throw invalid(`day of week: ${n} is out of range (0-${max})`);
    return n;
  };
  const toStd = (p: number): number => (semantics === "cron" ? p % 7 : RELAY_ORDER[p]!);
  for (const part of f.split(",")) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!m) throw invalid(`day of week: cannot read "${part}"`);
    const base = m[1]!;
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) throw invalid("day of week: a step must be 1 or more");
    let from: number;
    let to: number;
    if (base === "*") {
      from = 0;
      to = 6;
    } else if (base.includes("-")) {
      const [a, b, extra] = base.split("-");
      if (a === undefined || b === undefined || extra !== undefined || a === "" || b === "") {
        throw invalid(`day of week: cannot read the range "${base}"`);
      }
      from = pos(a, false);
      to = pos(b, true);
      if (from > to) throw invalid(`day of week: the range "${base}" runs backwards`);
    } else {
      if (m[2] !== undefined) throw invalid(`day of week: write "${base}-<last>/${step}" for a step`);
      from = pos(base, false);
      to = from;
    }
    for (let p = from; p <= to; p += step) days.add(toStd(p));
  }
  return days;
}

/** A day set as names in the relay's order (Monday first), runs of three or more as ranges. */
export function daysToRelayField(days: Set<number>): string {
  if (days.size === 7) return "*";
  return compress(
    RELAY_ORDER.map((d, i) => ({ i, d })).filter(({ d }) => days.has(d)),
    (d) => STD_NAMES[d]!,
  );
}

/** A day set as standard numbers with Sunday as 7 (croner and cronstrue read this without wrapping). */
export function daysToStandardField(days: Set<number>): string {
  if (days.size === 7) return "*";
  const order = [1, 2, 3, 4, 5, 6, 0];
  return compress(
    order.map((d, i) => ({ i, d })).filter(({ d }) => days.has(d)),
    (d) => String(d === 0 ? 7 : d),
  );
}

function compress(items: { i: number; d: number }[], name: (d: number) => string): string {
  const out: string[] = [];
  for (let k = 0; k < items.length; ) {
    let j = k;
    while (j + 1 < items.length && items[j + 1]!.i === items[j]!.i + 1) j++;
    if (j - k >= 2) out.push(`${name(items[k]!.d)}-${name(items[j]!.d)}`);
    else for (let x = k; x <= j; x++) out.push(name(items[x]!.d));
    k = j + 1;
  }
  return out.join(",");
}

/** Rewrites one standard-cron day-of-week field for the relay (`1-5` → `mon-fri`, `0`/`7` → `sun`). */
export function rewriteDayOfWeek(field: string): string {
  if (field.trim() === "*") return "*";
  return daysToRelayField(parseDayOfWeek(field, "cron"));
}

interface Fields {
  minute: string;
  hour: string;
  day: string;
  month: string;
  dow: string;
}

function splitFields(expr: string): Fields {
  const trimmed = expr.trim();
  const expanded = NICKNAMES[trimmed.toLowerCase()] ?? trimmed;
  const parts = expanded.split(/\s+/).filter(Boolean);
  if (parts.length !== 5) {
    throw invalid(
      `a schedule needs exactly 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`,
    );
  }
  parts.forEach((p, i) => {
    const re = i === 3 ? MONTH_FIELD_RE : i === 4 ? /^[0-9a-z*,/-]+$/i : NUMERIC_FIELD_RE;
    if (!re.test(p)) {
      throw invalid(
        `${FIELD_NAMES[i]}: "${p}" uses syntax the relay does not accept (only numbers, * , - / and names)`,
      );
    }
  });
  const [minute, hour, day, month, dow] = parts as [string, string, string, string, string];
  return { minute, hour, day, month, dow };
}

export interface CronPlan {
  /** What to send to the relay: day-of-week as names. */
  relayCron: string;
  /** The same schedule in standard numbering (croner, cronstrue). */
  standardCron: string;
  /** The expression as given (after expanding `@daily` and friends). */
  input: string;
  /** Both day fields are restricted: the relay fires only when both match (APScheduler ANDs them). */
  dayFieldsAnded: boolean;
}

function plan(fields: Fields, days: Set<number> | undefined, input: string): CronPlan {
  const { minute, hour, day, month } = fields;
  const relayDow = days ? daysToRelayField(days) : "*";
  const stdDow = days ? daysToStandardField(days) : "*";
  const relayCron = `${minute} ${hour} ${day} ${month} ${relayDow}`;
  const standardCron = `${minute} ${hour} ${day} ${month} ${stdDow}`;
  try {
    new Cron(standardCron, { mode: "5-part", domAndDow: true, paused: true });
  } catch (err) {
    throw invalid((err as Error).message.replace(/^CronPattern: /, ""));
  }
  return { relayCron, standardCron, input, dayFieldsAnded: day !== "*" && stdDow !== "*" };
}

/**
 * Validates a standard five-field cron expression locally and rewrites it for the relay.
 * Throws E_INVALID_INPUT (with a reason a person can act on) for anything invalid.
 */
export function toRelayCron(expr: string): CronPlan {
  const fields = splitFields(expr);
  const days = fields.dow === "*" ? undefined : parseDayOfWeek(fields.dow, "cron");
  return plan(fields, days, Object.values(fields).join(" "));
}

/**
 * Reads an expression as the relay stored it (APScheduler numbering: 0 = Monday) — what it will
 * really do — into the same plan shape. `numericDow` says the stored day field used numbers.
 */
export function fromRelayCron(stored: string): CronPlan & { numericDow: boolean } {
  const fields = splitFields(stored);
  const days = fields.dow === "*" ? undefined : parseDayOfWeek(fields.dow, "relay");
  return { ...plan(fields, days, stored), numericDow: /\d/.test(fields.dow) };
}

/** The schedule in words ("At 08:00, Monday through Friday"). */
export function describeCron(p: CronPlan): string {
  try {
    const words = cronstrue.toString(p.standardCron, { use24HourTimeFormat: true, verbose: false });
    return p.dayFieldsAnded ? `${words} (only when both the day and the weekday match)` : words;
  } catch {
    return p.relayCron;
  }
}

/** The next `n` run times of the schedule in the zone, as the relay would fire it. */
export function nextRuns(p: CronPlan, timeZone: string, n = 3, from: Date = new Date()): Date[] {
  const job = new Cron(p.standardCron, { mode: "5-part", domAndDow: true, paused: true, timezone: timeZone });
  return job.nextRuns(n, from);
}

/**
 * An IANA zone the relay can read: the canonical spelling when it only differs in case
 * (`europe/berlin` → `Europe/Berlin`), else the name as given. Throws E_INVALID_INPUT.
 */
export function checkTimeZone(tz: string): string {
  const t = tz.trim();
  if (t === "") throw invalid("time zone is empty");
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat("en-US", { timeZone: t }).resolvedOptions().timeZone;
  } catch {
    throw invalid(`"${t.slice(0, 60)}" is not a time zone (use an IANA name such as Europe/Berlin)`);
  }
  return canonical.toLowerCase() === t.toLowerCase() ? canonical : t;
}

/** "Mon 30 Nov 2026, 08:00 (Europe/Berlin)". */
export function formatRunTime(d: Date, timeZone: string): string {
  return `${formatDateTime(d, timeZone)} (${timeZone})`;
}

export interface SchedulePlan extends CronPlan {
  timeZone: string;
  words: string;
  next: Date[];
}

/**
 * Everything `schedule add` checks before sending: the expression (rewritten for the relay), the
 * zone, the words and the next `n` runs. Throws E_INVALID_INPUT, also for a schedule that never fires
 * (`0 8 31 2 *`), which the relay would accept and silently never call.
 */
export function planSchedule(expr: string, timeZone: string, n = 3, from: Date = new Date()): SchedulePlan {
  const tz = checkTimeZone(timeZone);
  const p = toRelayCron(expr);
  const next = nextRuns(p, tz, n, from);
  if (next.length === 0) throw invalid(`"${p.input}" never fires (no such date)`);
  return { ...p, timeZone: tz, words: describeCron(p), next };
}

/**
 * How the relay will really run a stored schedule, in words, with warnings when that surprises (an
 * unknown zone runs in UTC; numeric weekdays count Monday as 0).
 */
export function describeStoredSchedule(s: { cron_expression: string; timezone: string | null }): {
  words: string;
  warnings: string[];
} {
  const warnings: string[] = [];
  let zone = s.timezone ?? "UTC";
  try {
    zone = checkTimeZone(zone);
  } catch {
    warnings.push(`unknown time zone "${clean(zone, 40)}": the relay runs it in UTC`);
    zone = "UTC";
  }
  try {
    const p = fromRelayCron(s.cron_expression);
    if (p.numericDow) {
      warnings.push(
        "numeric weekdays: the relay reads 0 as Monday, so the days above may not be the ones meant — re-create it with `clawcall schedule add` or the MCP add_schedule tool (both send names) and remove this one",
      );
    }
    return { words: `${describeCron(p)} (${zone})`, warnings };
  } catch {
    return { words: `cron "${clean(s.cron_expression, 60)}" (${zone})`, warnings };
  }
}
