/**
 * `clawcall stats` in process (`main(['stats', …], io)`) over a record written by the record's own
 * writers with an injected clock: figures, windows, text and JSON, and the clear lines for no record
 * and a bad `--since`.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TurnRecord, type TurnRecordEntry, turnRecordPath } from "../../src/state/turn-record.js";
import { runCli, tempCwd } from "./run-cli.js";

const HOUR = 3_600_000;
const NOW = Date.parse("2031-02-03T12:00:00Z");

const bridgeTurn = (
  source: "fast" | "model" | "deferred" | "fallback",
  extra: object = {},
): TurnRecordEntry =>
  ({
    event: "turn",
    by: "bridge",
    call: "owner",
    source,
    intent: source === "fast" ? "time" : null,
    bridge_ms: source === "fast" ? 0.01 : 900,
    holding: source === "deferred",
    end_call: false,
    ...extra,
  }) as TurnRecordEntry;

const posted = (e2e_ms: number, relay_filler = false): TurnRecordEntry => ({
  event: "answer",
  by: "listener",
  call: "caller",
  source: "agent",
  result: "delivered",
  e2e_ms,
  agent_ms: e2e_ms - 5,
  relay_filler,
});

/** A record like a day of calls: two hours ago and three days ago. */
async function writeRecord(stateDir: string): Promise<void> {
  let now = NOW - 3 * 24 * HOUR;
  const bridge = new TurnRecord({ path: turnRecordPath(stateDir, "bridge"), now: () => now });
  const listener = new TurnRecord({ path: turnRecordPath(stateDir, "listener"), now: () => now });
  bridge.add(bridgeTurn("model", { model_ms: 9_000 }));
  listener.add(posted(9_100));
  await Promise.all([bridge.flush(), listener.flush()]);
  now = NOW - 2 * HOUR;
  bridge.add(bridgeTurn("fast"));
  bridge.add(bridgeTurn("fast"));
  bridge.add(bridgeTurn("model", { model_ms: 1_000 }));
  bridge.add(bridgeTurn("model", { model_ms: 3_000 }));
  bridge.add(bridgeTurn("deferred", { model_error: undefined }));
  bridge.add(bridgeTurn("fallback", { model_error: "E_MODEL_STALLED", model_ms: 5_000 }));
  bridge.add({ event: "deferred", by: "bridge", outcome: "answer", model_ms: 20_000 });
  bridge.add({ event: "callback", by: "bridge", reason: "deferred_answer" });
  for (const ms of [20, 40, 1_100, 3_100, 10_600]) listener.add(posted(ms));
  listener.add(posted(14_000, true));
  await Promise.all([bridge.flush(), listener.flush()]);
}

async function stats(args: string[], cwd: string) {
  return runCli(["stats", ...args], { cwd, now: () => NOW });
}

describe("clawcall stats", () => {
  it("sums up the last day by default, as JSON", async () => {
    const cwd = tempCwd();
    await writeRecord(join(cwd, ".state"));
    const r = await stats(["--json"], cwd);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      recorded: true,
      answered: 6,
      by_source: { fast: 2, model: 2, deferred: 1, fallback: 1 },
      by_call: { owner: 6 },
      posted: 6,
      relay_filler: 1,
      holding_line: 1,
      deferred: { answer: 1, failed: 0 },
      callbacks: 1,
      model_errors: 1,
      model_errors_by_code: { E_MODEL_STALLED: 1 },
    });
    expect(j.fast_share).toBeCloseTo(2 / 6);
    // The three days old turn is outside the window; the deferred answer's late model call counts.
    // The stalled call's 5 s is an error, not the model's latency.
    expect(j.model_ms).toEqual({ n: 3, p50: 3_000, p95: 18_300, max: 20_000 });
    expect(j.end_to_end_ms).toMatchObject({ n: 6, max: 14_000 });
    expect(j.since).toBe(new Date(NOW - 24 * HOUR).toISOString());
  });

  it("takes a wider window with --since 7d or an ISO date, and a narrower one with 1h", async () => {
    const cwd = tempCwd();
    await writeRecord(join(cwd, ".state"));
    const week = JSON.parse((await stats(["--since", "7d", "--json"], cwd)).stdout);
    expect(week.answered).toBe(7);
    expect(week.model_ms.n).toBe(4);
    const fromDate = JSON.parse((await stats(["--since", "2031-01-31", "--json"], cwd)).stdout);
    expect(fromDate.answered).toBe(7);
    const hour = JSON.parse((await stats(["--since", "1h", "--json"], cwd)).stdout);
    expect(hour).toMatchObject({ answered: 0, posted: 0, fast_share: null, model_ms: null });
  });

  it("prints a text table by default", async () => {
    const cwd = tempCwd();
    await writeRecord(join(cwd, ".state"));
    const r = await stats([], cwd);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Turns since .+\(--since 1d\)/);
    expect(r.stdout).toMatch(/answered\s+6 \(fast 2, model 2, deferred 1, fallback 1\)/);
    expect(r.stdout).toMatch(/fast-path share\s+33 %/);
    expect(r.stdout).toMatch(/model latency\s+p50 3\.0 s, p95 18\.3 s, max 20\.0 s \(3\)/);
    expect(r.stdout).toMatch(/heard a relay filler\s+1 \(17 %\)/);
    expect(r.stdout).toMatch(/heard a holding line\s+1 \(17 %\)/);
    expect(r.stdout).toMatch(/deferred answers\s+1 ready, 0 failed/);
    expect(r.stdout).toMatch(/callbacks made\s+1/);
    expect(r.stdout).toMatch(/model errors\s+1 \(E_MODEL_STALLED 1\)/);
  });

  it("says so clearly when nothing has been recorded yet", async () => {
    const cwd = tempCwd();
    const r = await stats([], cwd);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    expect(r.stdout).toMatch(/^No turns recorded yet .*clawcall up/);
    const j = JSON.parse((await stats(["--json"], cwd)).stdout);
    expect(j).toMatchObject({ recorded: false, answered: 0 });
  });

  it("refuses a bad --since with one line and the usage exit code", async () => {
    const r = await stats(["--since", "yesterday"], tempCwd());
    expect(r.code).toBe(64);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/--since must be like 1h, 1d or 7d/);
    expect(r.stderr).not.toMatch(/\bat .+\.js:\d+/);
  });
});
