import { clean } from "../util/clean.js";
import { formatDateTime } from "../util/datetime.js";

export { clean };

/** Output helpers shared by the relay commands. Relay text is untrusted: `clean` it before printing. */

/** `label   value` rows with the labels padded to one width. */
export function rows(pairs: readonly (readonly [string, string])[]): string[] {
  const w = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(w)}  ${v}`);
}

/** Pretty JSON for `--json`. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** "0:42", "12:05", "1:02:03". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "-";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** A relay date (RFC 1123 or ISO) as "Tue 24 Mar 2026, 12:40" in the zone; the raw text if unreadable. */
export function when(value: string | null | undefined, timeZone: string): string {
  if (!value) return "-";
  const t = Date.parse(value);
  if (Number.isNaN(t)) return clean(value, 40);
  return formatDateTime(new Date(t), timeZone);
}

/** An ISO or RFC date as YYYY-MM-DD (UTC). */
export function day(value: string | null | undefined): string {
  if (!value) return "-";
  const t = Date.parse(value);
  return Number.isNaN(t) ? clean(value, 40) : new Date(t).toISOString().slice(0, 10);
}

/** USDC amounts without float noise: 9.1, 29, 0.05. */
export function usdc(n: number): string {
  return String(Number(n.toFixed(6)));
}
