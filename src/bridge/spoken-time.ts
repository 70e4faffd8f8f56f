/** Spoken dates and times in the user's zone. Formatters are cached per zone (they are costly to build). */

interface Formatters {
  time: Intl.DateTimeFormat;
  day: Intl.DateTimeFormat;
  weekday: Intl.DateTimeFormat;
  monthDay: Intl.DateTimeFormat;
  ymd: Intl.DateTimeFormat;
  year: Intl.DateTimeFormat;
}

const cache = new Map<string, Formatters>();

function fmt(timeZone: string): Formatters {
  let f = cache.get(timeZone);
  if (!f) {
    f = {
      time: new Intl.DateTimeFormat("en-US", { timeZone, hour: "numeric", minute: "2-digit", hour12: true }),
      day: new Intl.DateTimeFormat("en-US", { timeZone, weekday: "long", month: "long", day: "numeric" }),
      weekday: new Intl.DateTimeFormat("en-US", { timeZone, weekday: "long" }),
      monthDay: new Intl.DateTimeFormat("en-US", { timeZone, month: "long", day: "numeric" }),
      ymd: new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }),
      year: new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric" }),
    };
    cache.set(timeZone, f);
  }
  return f;
}

/** "8 AM", "3:05 PM" (no ":00", a regular space). */
export function spokenTime(d: Date, timeZone: string): string {
  return fmt(timeZone)
    .time.format(d)
    .replace(/\u202f|\u00a0/g, " ")
    .replace(":00 ", " ");
}

/** "It's 3:05 PM on Tuesday, November 26, 2026." */
export function spokenNow(d: Date, timeZone: string): string {
  const f = fmt(timeZone);
  return `It's ${spokenTime(d, timeZone)} on ${f.day.format(d)}, ${f.year.format(d)}.`;
}

function dayNumber(d: Date, timeZone: string): number {
  const [y, m, day] = fmt(timeZone).ymd.format(d).split("-").map(Number);
  return Date.UTC(y ?? 1970, (m ?? 1) - 1, day ?? 1) / 86_400_000;
}

/** "in 20 minutes", "at 8 AM today", "at 8 AM tomorrow", "on Monday at 9 AM", "on December 3 at 9 AM". */
export function spokenWhen(at: Date, now: Date, timeZone: string): string {
  const diffMs = at.getTime() - now.getTime();
  if (diffMs >= 0 && diffMs < 60_000) return "in less than a minute";
  if (diffMs >= 0 && diffMs < 60 * 60_000) {
    const m = Math.round(diffMs / 60_000);
    return `in ${m} minute${m === 1 ? "" : "s"}`;
  }
  const days = dayNumber(at, timeZone) - dayNumber(now, timeZone);
  const t = spokenTime(at, timeZone);
  if (days === 0) return `at ${t} today`;
  if (days === 1) return `at ${t} tomorrow`;
  if (days > 1 && days < 7) return `on ${fmt(timeZone).weekday.format(at)} at ${t}`;
  return `on ${fmt(timeZone).monthDay.format(at)} at ${t}`;
}

/** "just now", "5 minutes ago", "2 hours ago", "yesterday", "3 days ago". */
export function spokenAgo(thenMs: number, nowMs: number): string {
  const s = Math.max(0, (nowMs - thenMs) / 1000);
  if (s < 60) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} minute${m === 1 ? "" : "s"} ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} hour${h === 1 ? "" : "s"} ago`;
  const d = Math.round(h / 24);
  return d === 1 ? "yesterday" : `${d} days ago`;
}

/** "2 hours", "15 minutes", "a week" for `every` schedules. */
export function spokenInterval(ms: number): string {
  const units: [number, string][] = [
    [7 * 86_400_000, "week"],
    [86_400_000, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
    [1000, "second"],
  ];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) {
      const n = ms / size;
      return n === 1 ? `${name === "hour" ? "an" : "a"} ${name}` : `${n} ${name}s`;
    }
  }
  const m = Math.max(1, Math.round(ms / 60_000));
  return `${m} minute${m === 1 ? "" : "s"}`;
}
