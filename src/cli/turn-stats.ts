/**
 * `clawcall stats`: the per-turn record (src/state/turn-record.ts) summed up over a window. Bridge
 * lines give the answers by source, model times, holding lines, deferred answers, callbacks and model
 * errors; listener lines give the end-to-end times and the relay fillers callers heard.
 */
import type { TurnRecordLine } from "../state/turn-record.js";
import { percentile, sortedCopy } from "../util/percentile.js";
import { usageError } from "./validate.js";

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: `30m`, `1h`, `1d`, `7d`, or an ISO date or time; the window's start in epoch ms. */
export function parseSince(value: string, now: number): number {
  const v = value.trim();
  const rel = /^(\d{1,4})([mhd])$/.exec(v);
  if (rel) return now - Number(rel[1]) * (UNIT_MS[rel[2] as string] as number);
  const t = /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(t)) {
    throw usageError(
      `--since must be like 1h, 1d or 7d, or an ISO date such as 2026-03-01 (got "${v.slice(0, 30)}")`,
    );
  }
  return t;
}

export interface Latency {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

export interface StatsReport {
  since: string;
  until: string;
  /** False when neither the bridge nor the listener has written a record in this state dir. */
  recorded: boolean;
  answered: number;
  by_source: { fast: number; model: number; deferred: number; fallback: number };
  by_call: Record<string, number>;
  /** Fast answers over all answers, 0–1 (null with no answers). */
  fast_share: number | null;
  model_ms: Latency | null;
  bridge_ms: Latency | null;
  /** The listener's view: answers posted, relay handing us the utterance → answer posted. */
  posted: number;
  end_to_end_ms: Latency | null;
  relay_filler: number;
  holding_line: number;
  deferred: { answer: number; failed: number };
  callbacks: number;
  model_errors: number;
  model_errors_by_code: Record<string, number>;
  /** Lines that did not match the record's schema (skipped). */
  unreadable: number;
}

function latency(values: number[]): Latency | null {
  if (values.length === 0) return null;
  const a = sortedCopy(values);
  const r = (n: number) => Math.round(n);
  return {
    n: a.length,
    p50: r(percentile(a, 50, true)),
    p95: r(percentile(a, 95, true)),
    max: r(a[a.length - 1] as number),
  };
}

function bump(m: Record<string, number>, k: string): void {
  m[k] = (m[k] ?? 0) + 1;
}

/** Sums up the lines of one window. */
export function summarise(
  lines: readonly TurnRecordLine[],
  w: { since: number; until: number; recorded: boolean; unreadable: number },
): StatsReport {
  const by_source = { fast: 0, model: 0, deferred: 0, fallback: 0 };
  const by_call: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const modelMs: number[] = [];
  const bridgeMs: number[] = [];
  const e2e: number[] = [];
  const deferred = { answer: 0, failed: 0 };
  let answered = 0;
  let posted = 0;
  let filler = 0;
  let holding = 0;
  let callbacks = 0;
  for (const l of lines) {
    if (l.event === "turn") {
      answered++;
      by_source[l.source]++;
      bump(by_call, l.call);
      bridgeMs.push(l.bridge_ms);
      // A failed call's time (a refused connection takes 2 ms) is not the model's latency.
      if (l.model_ms !== undefined && !l.model_error) modelMs.push(l.model_ms);
      if (l.model_error) bump(errors, l.model_error);
      if (l.holding) holding++;
    } else if (l.event === "answer") {
      if (l.result !== "delivered") continue;
      posted++;
      e2e.push(l.e2e_ms);
      if (l.relay_filler) filler++;
    } else if (l.event === "deferred") {
      deferred[l.outcome]++;
      if (l.model_ms !== undefined) modelMs.push(l.model_ms);
    } else callbacks++;
  }
  return {
    since: new Date(w.since).toISOString(),
    until: new Date(w.until).toISOString(),
    recorded: w.recorded,
    answered,
    by_source,
    by_call,
    fast_share: answered > 0 ? by_source.fast / answered : null,
    model_ms: latency(modelMs),
    bridge_ms: latency(bridgeMs),
    posted,
    end_to_end_ms: latency(e2e),
    relay_filler: filler,
    holding_line: holding,
    deferred,
    callbacks,
    model_errors: Object.values(errors).reduce((a, b) => a + b, 0),
    model_errors_by_code: errors,
    unreadable: w.unreadable,
  };
}

/** "850 ms", "1.2 s". */
function ms(n: number): string {
  return n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`;
}

function lat(l: Latency | null): string {
  return l ? `p50 ${ms(l.p50)}, p95 ${ms(l.p95)}, max ${ms(l.max)} (${l.n})` : "-";
}

function share(n: number, of: number): string {
  return of > 0 ? `${n} (${Math.round((100 * n) / of)} %)` : String(n);
}

/** The report as `label  value` pairs for the text table. */
export function reportRows(r: StatsReport): [string, string][] {
  const s = r.by_source;
  const codes = Object.entries(r.model_errors_by_code).map(([c, n]) => `${c} ${n}`);
  return [
    [
      "answered",
      `${r.answered} (fast ${s.fast}, model ${s.model}, deferred ${s.deferred}, fallback ${s.fallback})`,
    ],
    ["fast-path share", r.fast_share === null ? "-" : `${Math.round(100 * r.fast_share)} %`],
    ["model latency", lat(r.model_ms)],
    ["bridge handling", lat(r.bridge_ms)],
    ["posted to the relay", String(r.posted)],
    ["end to end", lat(r.end_to_end_ms)],
    ["heard a relay filler", share(r.relay_filler, r.posted)],
    ["heard a holding line", share(r.holding_line, r.answered)],
    ["deferred answers", `${r.deferred.answer} ready, ${r.deferred.failed} failed`],
    ["callbacks made", String(r.callbacks)],
    ["model errors", codes.length > 0 ? `${r.model_errors} (${codes.join(", ")})` : String(r.model_errors)],
  ];
}
