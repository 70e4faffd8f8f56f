/** The per-turn record: its schema, words only in debug mode, and its bounds by size and by age (injected clock). */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  readTurnRecord,
  TurnRecord,
  type TurnRecordEntry,
  turnRecordLine,
  turnRecordPath,
} from "../../src/state/turn-record.js";
import { makeTempDir } from "../helpers/temp-dirs.js";

const DAY = 86_400_000;
const T0 = Date.parse("2031-05-06T07:08:09Z");

const turn = (extra: Partial<TurnRecordEntry> = {}): TurnRecordEntry =>
  ({
    event: "turn",
    by: "bridge",
    call: "owner",
    source: "model",
    intent: null,
    bridge_ms: 1200,
    model_ms: 1100,
    holding: false,
    end_call: false,
    said: "Your dentist is at three.",
    ...extra,
  }) as TurnRecordEntry;

function lines(path: string): unknown[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l));
}

describe("turn record", () => {
  it("writes one schema-valid line per entry, stamped with the injected clock, without words by default", async () => {
    const dir = makeTempDir("turn-record-");
    const path = turnRecordPath(dir, "bridge");
    const r = new TurnRecord({ path, now: () => T0 });
    r.add(turn());
    r.add({ event: "deferred", by: "bridge", outcome: "answer" });
    await r.flush();
    const got = lines(path);
    expect(got).toHaveLength(2);
    for (const l of got) expect(turnRecordLine.safeParse(l).success).toBe(true);
    expect(got[0]).toMatchObject({ at: new Date(T0).toISOString(), source: "model", model_ms: 1100 });
    expect(readFileSync(path, "utf8")).not.toContain("dentist");
    expect(got[0]).not.toHaveProperty("said");
    // Owner only, like the logs: the record says when and how the owner's calls went.
    if (process.platform !== "win32") {
      expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
      expect(statSync(path).mode & 0o777).toBe(0o600);
    }
  });

  it("keeps the caller's words and the answer only in debug mode, clipped", async () => {
    const dir = makeTempDir("turn-record-");
    const path = turnRecordPath(dir, "listener");
    const r = new TurnRecord({ path, now: () => T0, words: true });
    r.add({
      event: "answer",
      by: "listener",
      call: "caller",
      source: "agent",
      result: "delivered",
      e2e_ms: 40,
      agent_ms: 30,
      relay_filler: false,
      heard: `what is on my calendar ${"x".repeat(2000)}`,
    });
    await r.flush();
    const [line] = lines(path) as { heard: string }[];
    expect(line!.heard).toMatch(/^what is on my calendar/);
    expect(line!.heard.length).toBeLessThanOrEqual(500);
  });

  it("rotates past its size cap, keeping one old file: at most about twice the cap on disk", async () => {
    const dir = makeTempDir("turn-record-");
    const path = turnRecordPath(dir, "bridge");
    const r = new TurnRecord({ path, now: () => T0, maxBytes: 2_000 });
    for (let i = 0; i < 200; i++) {
      r.add(turn());
      if (i % 10 === 9) await r.flush();
    }
    await r.flush();
    expect(existsSync(`${path}.1`)).toBe(true);
    const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);
    // The cap plus the last batch written past it (ten lines here), in each file.
    expect(size(path) + size(`${path}.1`)).toBeLessThan(2 * (2_000 + 2_500));
    // What is kept is still readable, newest lines included.
    const read = readTurnRecord(dir, 0);
    expect(read.unreadable).toBe(0);
    expect(read.lines.length).toBeGreaterThan(5);
  });

  it("drops lines older than eight days, in both files, when the clock moves on", async () => {
    const dir = makeTempDir("turn-record-");
    const path = turnRecordPath(dir, "bridge");
    let now = T0;
    const r = new TurnRecord({ path, now: () => now });
    r.add(turn({ source: "fast" }));
    await r.flush();
    writeFileSync(`${path}.1`, `${readFileSync(path, "utf8")}`);
    now = T0 + 7 * DAY;
    r.add(turn({ source: "deferred" }));
    await r.flush();
    expect(readTurnRecord(dir, 0).lines).toHaveLength(3);
    now = T0 + 9 * DAY;
    r.add(turn({ source: "fallback" }));
    await r.flush();
    expect(existsSync(`${path}.1`)).toBe(false);
    const kept = readTurnRecord(dir, 0).lines.map((l) => (l.event === "turn" ? l.source : l.event));
    expect(kept).toEqual(["deferred", "fallback"]);
  });

  it("never throws into a turn: an unwritable place is one warning, and the queue stays bounded", async () => {
    const dir = makeTempDir("turn-record-");
    const blocker = join(dir, "turns");
    writeFileSync(blocker, "a file where the directory should be");
    const warnings: string[] = [];
    const logger = { warn: (_o: unknown, msg: string) => warnings.push(msg) } as never;
    const r = new TurnRecord({ path: turnRecordPath(dir, "bridge"), now: () => T0, logger });
    for (let i = 0; i < 10_500; i++) expect(() => r.add(turn())).not.toThrow();
    await expect(r.flush()).resolves.toBeUndefined();
    r.add(turn());
    await r.flush();
    expect(warnings).toEqual(["could not write the turn record"]);
    expect(r.dropped).toBe(500);
  });

  it("reads nothing and says so when no writer has run", () => {
    const read = readTurnRecord(makeTempDir("turn-record-"), 0);
    expect(read).toEqual({ lines: [], unreadable: 0, found: false });
  });
});
