/**
 * Numbers as a person says them. Polly reads "14:30" as "fourteen thirty", "2026-12-03" digit by
 * digit and "$1,200.50" oddly, so times, ISO dates, money, percentages, ranges and the symbols
 * around numbers are written out the way a caller expects to hear them. Times a person already says
 * ("3:05 PM", "at 8:30") are left alone.
 */

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** "2:30 PM", "8 AM", "noon", "midnight" for an hour and minute of a 24-hour clock. */
export function clockTime(h: number, m: number): string {
  if (m === 0 && h === 12) return "noon";
  if (m === 0 && (h === 0 || h === 24)) return "midnight";
  const hour = h % 12 === 0 ? 12 : h % 12;
  const half = h < 12 || h === 24 ? "AM" : "PM";
  return m === 0 ? `${hour} ${half}` : `${hour}:${String(m).padStart(2, "0")} ${half}`;
}

// 24-hour times: a leading zero or an hour past 12 ("08:00", "14:30", "23:59:59"), no AM/PM after.
const TIME_24 =
  /\b(0\d|1[3-9]|2[0-4]):([0-5]\d)(?::[0-5]\d)?(?!\s*(?:[AaPp]\.?[Mm]\b|\d))(?:\s*(?:UTC|Z)\b)?/g;
// ISO dates, optionally with a time: 2026-12-03, 2026-12-03T14:30:00Z.
const ISO_DATE =
  /\b(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?:[T ]([01]\d|2[0-3]):([0-5]\d)(?::[0-5]\d(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?\b/g;
const CURRENCY: Record<string, [string, string]> = {
  $: ["dollar", "cent"],
  "€": ["euro", "cent"],
  "£": ["pound", "penny"],
  "¥": ["yen", ""],
};
const MONEY = /([$€£¥])\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?(?:\s?(k|K|m|M|bn|B)\b)?/g;
const SCALE: Record<string, string> = { k: "thousand", m: "million", bn: "billion", b: "billion" };
const PERCENT = /(\d)\s?%/g;
// "$5/mo", "20 €/hour": a rate, said "a month", "an hour".
const PER = /(\d)\s?\/\s?(mo|month|yr|year|hr|hour|h|day|wk|week|min|minute|person|user)\b/gi;
const PER_WORD: Record<string, string> = {
  mo: "a month",
  month: "a month",
  yr: "a year",
  year: "a year",
  hr: "an hour",
  hour: "an hour",
  h: "an hour",
  day: "a day",
  wk: "a week",
  week: "a week",
  min: "a minute",
  minute: "a minute",
  person: "a person",
  user: "a user",
};
const RANGE = /(?<![\d.,/-])\b(\d{1,3}(?:\.\d+)?)\s?[-–—]\s?(\d{1,3}(?:\.\d+)?)\b(?![-/.]?\d)/g;
const APPROX = /(^|\s)~\s?(?=\d)/g;
const PLUS_MINUS = /±\s?(?=\d)/g;
const TIMES = /(\d)\s?[x×]\s?(\d)/g;
const DEGREES = /(\d)\s?°\s?([CF])\b/g;

function plural(n: string, unit: string): string {
  if (unit === "yen" || unit === "") return unit;
  const one = n.replace(/,/g, "") === "1";
  if (one) return unit;
  return unit === "penny" ? "pence" : `${unit}s`;
}

function money(
  _m: string,
  sym: string,
  whole: string,
  frac: string | undefined,
  scale: string | undefined,
): string {
  const [unit, sub] = CURRENCY[sym] ?? ["", ""];
  if (scale) return `${whole}${frac ? `.${frac}` : ""} ${SCALE[scale.toLowerCase()]} ${plural("2", unit)}`;
  const main = `${whole} ${plural(whole, unit)}`;
  const cents = frac ? Number(frac.padEnd(2, "0")) : 0;
  if (!cents || !sub) return main;
  return `${main} and ${cents} ${plural(String(cents), sub)}`;
}

function isoDate(
  _m: string,
  y: string,
  mo: string,
  d: string,
  h?: string,
  mi?: string,
  zone?: string,
): string {
  const date = `${MONTHS[Number(mo) - 1]} ${Number(d)}, ${y}`;
  if (h === undefined || mi === undefined) return date;
  const z = zone === "Z" || zone === "+00:00" || zone === "+0000" ? " UTC" : "";
  return `${date} at ${clockTime(Number(h), Number(mi))}${z}`;
}

/** Writes times, dates, money, percentages, ranges and number symbols as they are said. */
export function speakNumbers(s: string): string {
  if (!/\d/.test(s)) return s;
  return s
    .replace(ISO_DATE, isoDate)
    .replace(TIME_24, (_m, h: string, mi: string) => clockTime(Number(h), Number(mi)))
    .replace(PER, (_m, n: string, unit: string) => `${n} ${PER_WORD[unit.toLowerCase()]}`)
    .replace(MONEY, money)
    .replace(PERCENT, "$1 percent")
    .replace(DEGREES, (_m, n: string, u: string) => `${n} degrees ${u === "C" ? "Celsius" : "Fahrenheit"}`)
    .replace(APPROX, "$1about ")
    .replace(PLUS_MINUS, "plus or minus ")
    .replace(TIMES, "$1 by $2")
    .replace(RANGE, "$1 to $2");
}
