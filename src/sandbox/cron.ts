/**
 * Cron expressions exactly as the relay reads them: five whitespace-separated fields handed to
 * APScheduler 3.x `CronTrigger(minute, hour, day, month, day_of_week)`, with APScheduler's error texts
 * and its weekday numbering (0 = Monday ... 6 = Sunday, so `1-5` means Tuesday to Saturday).
 * The result is translated into an explicit croner pattern (Sunday = 0, day AND weekday).
 */
import { Cron } from "croner";
import { pyRepr } from "./python.js";

/** A ValueError the relay turns into a 400 with this exact text. */
export class CronValueError extends Error {}

type FieldName = "month" | "day" | "day_of_week" | "hour" | "minute";

const MIN: Record<FieldName, number> = { month: 1, day: 1, day_of_week: 0, hour: 0, minute: 0 };
const MAX: Record<FieldName, number> = { month: 12, day: 31, day_of_week: 6, hour: 23, minute: 59 };
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** One compiled expression: the values it allows (and "last day of month"). */
interface Compiled {
  first: number;
  last: number | null;
  step: number | null;
  isLastDay?: boolean;
}

export interface ParsedCron {
  minute: number[];
  hour: number[];
  /** Days of the month; `lastDay` adds the month's last day. */
  day: number[];
  lastDay: boolean;
  month: number[];
  /** APScheduler numbering: 0 = Monday ... 6 = Sunday. */
  dayOfWeek: number[];
}

function asint(s: string | undefined): number | null {
  return s === undefined ? null : Number(s);
}

function allExpr(step: string | undefined): Compiled {
  const st = asint(step);
  if (st === 0) throw new CronValueError("Increment must be higher than 0");
  return { first: -1, last: null, step: st };
}

function rangeExpr(first: number, last: number | null, step: number | null): Compiled {
  if (step === 0) throw new CronValueError("Increment must be higher than 0");
  let l = last;
  if (l === null && step === null) l = first;
  if (l !== null && first > l) {
    throw new CronValueError("The minimum value in a range must not be higher than the maximum");
  }
  return { first, last: l, step };
}

function validateAll(c: Compiled, f: FieldName): string | null {
  const range = MAX[f] - MIN[f];
  if (c.step && c.step > range) {
    return `the step value (${c.step}) is higher than the total range of the expression (${range})`;
  }
  return null;
}

function validateRange(c: Compiled, f: FieldName): string | null {
  const base = validateAll(c, f);
  if (base) return base;
  if (c.first < MIN[f]) return `the first value (${c.first}) is lower than the minimum value (${MIN[f]})`;
  if (c.last !== null && c.last > MAX[f]) {
    return `the last value (${c.last}) is higher than the maximum value (${MAX[f]})`;
  }
  const range = (c.last || MAX[f]) - c.first;
  if (c.step && c.step > range) {
    return `the step value (${c.step}) is higher than the total range of the expression (${range})`;
  }
  return null;
}

type Compiler = (expr: string, f: FieldName) => { compiled: Compiled; error: string | null } | null;

const ALL_RE = /^\*(?:\/(\d+))?$/;
const RANGE_RE = /^(\d+)(?:-(\d+))?(?:\/(\d+))?$/;
/** Not anchored at the end: Python's `re.match` only anchors the start (`mon-5` reads as `mon`). */
const NAME_RANGE_RE = /^([a-z]+)(?:-([a-z]+))?/i;
const LAST_RE = /^last/i;

const compileAll: Compiler = (expr, f) => {
  const m = ALL_RE.exec(expr);
  if (!m) return null;
  const c = allExpr(m[1]);
  return { compiled: c, error: validateAll(c, f) };
};

const compileRange: Compiler = (expr, f) => {
  const m = RANGE_RE.exec(expr);
  if (!m) return null;
  const c = rangeExpr(Number(m[1]), asint(m[2]), asint(m[3]));
  return { compiled: c, error: validateRange(c, f) };
};

function nameCompiler(names: string[], kind: string, offset: number): Compiler {
  return (expr, f) => {
    const m = NAME_RANGE_RE.exec(expr);
    if (!m) return null;
    const first = names.indexOf(m[1]!.toLowerCase());
    if (first < 0) throw new CronValueError(`Invalid ${kind} name "${m[1]}"`);
    let last: number | null = null;
    if (m[2]) {
      const l = names.indexOf(m[2].toLowerCase());
      if (l < 0) throw new CronValueError(`Invalid ${kind} name "${m[2]}"`);
      last = l + offset;
    }
    const c = rangeExpr(first + offset, last, null);
    return { compiled: c, error: validateRange(c, f) };
  };
}

const compileLastDay: Compiler = (expr) =>
  LAST_RE.test(expr)
    ? { compiled: { first: -1, last: null, step: null, isLastDay: true }, error: null }
    : null;

const COMPILERS: Record<FieldName, Compiler[]> = {
  month: [compileAll, compileRange, nameCompiler(MONTHS, "month", 1)],
  day: [compileAll, compileRange, compileLastDay],
  day_of_week: [compileAll, compileRange, nameCompiler(WEEKDAYS, "weekday", 0)],
  hour: [compileAll, compileRange],
  minute: [compileAll, compileRange],
};

function compileField(f: FieldName, exprs: string): Compiled[] {
  const out: Compiled[] = [];
  for (const expr of exprs.trim().split(",")) {
    let matched = false;
    for (const compiler of COMPILERS[f]) {
      const r = compiler(expr, f);
      if (!r) continue;
      if (r.error) throw new CronValueError(`Error validating expression ${pyRepr(expr)}: ${r.error}`);
      out.push(r.compiled);
      matched = true;
      break;
    }
    if (!matched) throw new CronValueError(`Unrecognized expression "${expr}" for field "${f}"`);
  }
  return out;
}

function expand(f: FieldName, list: Compiled[]): number[] {
  const values = new Set<number>();
  for (const c of list) {
    if (c.isLastDay) continue;
    const lo = c.first < 0 ? MIN[f] : Math.max(MIN[f], c.first);
    const hi = c.last === null ? MAX[f] : Math.min(MAX[f], c.last);
    const step = c.step || 1;
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

/**
 * Parses a relay cron expression; throws CronValueError with the relay's message. Fields are compiled
 * in APScheduler's order (month, day, day_of_week, hour, minute), so that is also the order of errors.
 */
export function parseRelayCron(cron: string): ParsedCron {
  const parts = cron.split(/\s+/).filter((p) => p.length > 0);
  if (parts.length !== 5)
    throw new CronValueError(`Invalid cron expression (need 5 fields): ${pyRepr(cron)}`);
  const [minute, hour, day, month, dow] = parts as [string, string, string, string, string];
  const cMonth = compileField("month", month);
  const cDay = compileField("day", day);
  const cDow = compileField("day_of_week", dow);
  const cHour = compileField("hour", hour);
  const cMinute = compileField("minute", minute);
  return {
    minute: expand("minute", cMinute),
    hour: expand("hour", cHour),
    day: expand("day", cDay),
    lastDay: cDay.some((c) => c.isLastDay),
    month: expand("month", cMonth),
    dayOfWeek: expand("day_of_week", cDow),
  };
}

/** The equivalent croner pattern: explicit lists, weekdays renumbered to Sunday = 0. */
export function toCronerPattern(p: ParsedCron): string {
  const list = (v: number[]) => (v.length > 0 ? v.join(",") : null);
  const days = [...p.day.map(String), ...(p.lastDay ? ["L"] : [])];
  const dows = [...new Set(p.dayOfWeek.map((d) => (d + 1) % 7))].sort((a, b) => a - b);
  const fields = [list(p.minute), list(p.hour), days.join(",") || null, list(p.month), list(dows)];
  // An empty list cannot come out of APScheduler's grammar; guard anyway.
  return fields.map((f) => f ?? "*").join(" ");
}

/** True when `tz` names a zone the runtime knows; the relay falls back to UTC otherwise (and echoes the bad name). */
export function isKnownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Builds an unstarted croner job for a relay cron expression (for next-run previews). */
export function cronFor(cron: string, timezone: string): Cron {
  const pattern = toCronerPattern(parseRelayCron(cron));
  return new Cron(pattern, {
    timezone: isKnownTimeZone(timezone) ? timezone : "UTC",
    domAndDow: true,
    mode: "5-part",
    paused: true,
  });
}
