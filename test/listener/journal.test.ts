import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Journal, journalPath, textHash } from "../../src/listener/journal.js";
import { captureLogger, SID_A, SID_B, sid } from "../helpers/listener-fakes.js";

describe("Journal", () => {
  let dir: string;
  let now = 1_000_000;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "clawcall-journal-"));
    now = 1_000_000;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = (opts: { compactLines?: number; maxCalls?: number } = {}) =>
    new Journal({
      path: journalPath(dir, "abc123def456"),
      logger: captureLogger().logger,
      now: () => now,
      ...opts,
    });

  it("stores a hash of the message, never the caller's words", () => {
    const j = open();
    j.load();
    j.begin(SID_A, "caller", "my card number is 4111 1111");
    const text = readFileSync(j.path, "utf8");
    expect(text).not.toContain("4111");
    expect(text).toContain(textHash("my card number is 4111 1111"));
    expect(statSync(j.path).mode & 0o777).toBe(0o600);
  });

  it("after a crash, the next process sees the unanswered latest turns younger than the slot lifetime", () => {
    const j = open();
    j.load();
    const a1 = j.begin(SID_A, "caller", "one");
    j.finish(SID_A, a1, "answered");
    j.begin(SID_A, "caller", "two"); // taken, never answered: the crash
    const b1 = j.begin(SID_B, "caller", "hi");
    j.finish(SID_B, b1, "answered");
    now += 10 * 60_000;
    j.begin(sid(7), "caller", "old"); // will be too old
    now += 1_000;
    // "restart"
    const j2 = open();
    const loaded = j2.load();
    expect(loaded.map((r) => [r.sid, r.state])).toEqual([
      [SID_A, "open"],
      [SID_B, "answered"],
      [sid(7), "open"],
    ]);
    expect(j2.unanswered(300_000).map((r) => r.sid)).toEqual([sid(7)]);
    now -= 10 * 60_000; // the crash was just now for SID_A
    expect(
      j2
        .unanswered(300_000)
        .map((r) => r.sid)
        .sort(),
    ).toEqual([SID_A, sid(7)].sort());
  });

  it("a mark for an older turn says nothing about the newer one", () => {
    const j = open();
    j.load();
    const one = j.begin(SID_A, "caller", "one");
    j.begin(SID_A, "caller", "two");
    j.finish(SID_A, one, "superseded");
    expect(j.get(SID_A)?.state).toBe("open");
  });

  it("skips a torn last line", () => {
    const j = open();
    j.load();
    j.begin(SID_A, "caller", "one");
    appendFileSync(j.path, '{"e":"done","id":"x","si');
    const j2 = open();
    expect(j2.load().map((r) => r.sid)).toEqual([SID_A]);
  });

  it("stays bounded: compacts to the latest turn per call and forgets old calls", () => {
    const j = open({ compactLines: 100, maxCalls: 50 });
    j.load();
    for (let i = 0; i < 2_000; i++) {
      const s = sid(i % 80);
      const id = j.begin(s, "caller", `m${i}`);
      j.finish(s, id, "answered");
      now += 10;
    }
    const lines = readFileSync(j.path, "utf8").trim().split("\n").length;
    expect(lines).toBeLessThanOrEqual(200);
    expect(j.calls).toBeLessThanOrEqual(80);
    now += 60 * 60_000;
    j.compact();
    expect(j.calls).toBe(0);
    expect(readFileSync(j.path, "utf8")).toBe("");
  });

  it("an unwritable journal is logged once and never stops the listener", () => {
    const { logger, lines } = captureLogger();
    const j = new Journal({ path: join(dir, "missing", "\0bad", "j.ndjson"), logger, now: () => now });
    j.load();
    j.begin(SID_A, "caller", "x");
    j.begin(SID_A, "caller", "y");
    expect(lines.filter((l) => l.msg === "journal write failed").length).toBe(1);
    expect(j.get(SID_A)?.state).toBe("open");
  });
});
