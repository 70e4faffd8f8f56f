import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PollSource } from "../../src/listener/source.js";
import type { Inbound } from "../../src/listener/types.js";
import { Backoff } from "../../src/util/async.js";
import { realClock } from "../../src/util/clock.js";
import { captureLogger, errors, ScriptedRelayPort, SID_A } from "../helpers/listener-fakes.js";

describe("Backoff (full jitter)", () => {
  it("draws uniformly below a doubling ceiling capped at capMs, and resets", () => {
    let r = 0.999999;
    const b = new Backoff({ baseMs: 500, capMs: 30_000, random: () => r });
    const ceilings = Array.from({ length: 10 }, () => b.next());
    expect(ceilings).toEqual([499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 29999, 29999]);
    r = 0;
    expect(b.next()).toBe(0); // full jitter reaches down to zero
    b.reset();
    r = 0.5;
    expect(b.next()).toBe(250);
    expect(b.attempt).toBe(1);
  });

  it("never exceeds the cap whatever the attempt count", () => {
    const b = new Backoff({ baseMs: 100, capMs: 1_000 });
    for (let i = 0; i < 200; i++) {
      const w = b.next();
      expect(w).toBeGreaterThanOrEqual(0);
      expect(w).toBeLessThan(1_000);
    }
  });
});

describe("PollSource", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup(relay: ScriptedRelayPort, random = () => 0.999999) {
    const got: Inbound[] = [];
    const { logger, lines } = captureLogger();
    const source = new PollSource({
      relay,
      clock: realClock,
      logger,
      pollTimeoutS: 10,
      onMessage: (m) => got.push(m),
      backoff: { baseMs: 500, capMs: 30_000, random },
    });
    return { source, got, lines };
  }

  it("reopens the poll immediately after each result, with exactly one open at a time", async () => {
    const relay = new ScriptedRelayPort(10_000);
    relay.message(SID_A, "one");
    relay.push({ holdMs: 3_000, result: { ok: true, call_sid: SID_A, message: "two" } });
    relay.push({ holdMs: 1_000, result: { ok: true, timeout: true } });
    const { source, got } = setup(relay);
    const run = source.run();
    await vi.advanceTimersByTimeAsync(4_000);
    expect(got.map((m) => m.message)).toEqual(["one", "two"]);
    expect(relay.polls.length).toBe(4); // one, two, the empty one, and the idle one now open
    expect(relay.maxOpen).toBe(1);
    // No gap between a poll ending and the next starting.
    for (let i = 1; i < relay.polls.length; i++) expect(relay.polls[i]!.at).toBe(relay.polls[i - 1]!.endedAt);
    source.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(run).resolves.toEqual({ reason: "stopped" });
  });

  it("backs off with full jitter on every error class, capped near 30 s, reset on success", async () => {
    const relay = new ScriptedRelayPort(10_000);
    relay.push(
      errors.reset(),
      errors.html502(),
      errors.badJson(),
      errors.http(500),
      errors.refused(),
      errors.http(503),
      errors.reset(),
      errors.reset(),
      { holdMs: 1_000, result: { ok: true, timeout: true } },
      errors.reset(),
    );
    const { source, lines } = setup(relay);
    void source.run();
    await vi.advanceTimersByTimeAsync(200_000);
    const gaps = relay.polls.slice(1).map((p, i) => p.at - relay.polls[i]!.endedAt!);
    // random ≈ 1: each wait is just under its ceiling: 0.5, 1, 2, 4, 8, 16, 30 (cap), 30 s, then
    // success (no wait), then the streak starts over at 0.5 s.
    expect(gaps.slice(0, 10)).toEqual([499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 0, 499]);
    // One warn per failure streak, not per attempt.
    const warns = lines.filter((l) => l.msg === "poll failed; backing off");
    expect(warns.length).toBe(2);
    expect(lines.some((l) => l.msg === "relay reachable again")).toBe(true);
    source.abort();
  });

  it("honours 429 Retry-After: exactly one retry, after the given time", async () => {
    const relay = new ScriptedRelayPort(10_000);
    relay.push(errors.http(429, "listen", 30_000));
    const { source } = setup(relay, () => 0);
    void source.run();
    await vi.advanceTimersByTimeAsync(29_999);
    expect(relay.polls.length).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(relay.polls.length).toBe(2);
    source.abort();
  });

  it("429 without Retry-After backs off like any error", async () => {
    const relay = new ScriptedRelayPort(10_000);
    relay.push(errors.http(429), errors.http(429));
    const { source } = setup(relay);
    void source.run();
    await vi.advanceTimersByTimeAsync(498);
    expect(relay.polls.length).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(relay.polls.length).toBe(2);
    source.abort();
  });

  it("401 ends the source at once: no retry loop", async () => {
    const relay = new ScriptedRelayPort(10_000);
    relay.push(errors.http(401));
    const { source } = setup(relay);
    const end = await source.run();
    expect(end.reason).toBe("key_rejected");
    await vi.advanceTimersByTimeAsync(120_000);
    expect(relay.polls.length).toBe(1);
  });

  it("stop() cuts a backoff sleep at once", async () => {
    const relay = new ScriptedRelayPort(10_000);
    relay.push(errors.reset(), errors.reset(), errors.reset(), errors.reset(), errors.reset());
    const { source } = setup(relay);
    const run = source.run();
    await vi.advanceTimersByTimeAsync(8_000); // deep into the backoff
    const polls = relay.polls.length;
    source.stop();
    await vi.advanceTimersByTimeAsync(0);
    await expect(run).resolves.toEqual({ reason: "stopped" });
    expect(relay.polls.length).toBe(polls);
  });

  it("stop() lets the open poll finish and dispatches what it brings; abort() cuts it", async () => {
    const relay = new ScriptedRelayPort(10_000);
    relay.push({ holdMs: 5_000, result: { ok: true, call_sid: SID_A, message: "last words" } });
    const { source, got } = setup(relay);
    const run = source.run();
    await vi.advanceTimersByTimeAsync(1_000);
    source.stop();
    await vi.advanceTimersByTimeAsync(4_000);
    await expect(run).resolves.toEqual({ reason: "stopped" });
    expect(got.map((m) => m.message)).toEqual(["last words"]);
    expect(relay.polls.length).toBe(1);
    expect(relay.polls[0]!.aborted).toBeUndefined();

    const relay2 = new ScriptedRelayPort(10_000);
    const s2 = setup(relay2);
    const run2 = s2.source.run();
    await vi.advanceTimersByTimeAsync(1_000);
    s2.source.abort();
    await vi.advanceTimersByTimeAsync(0);
    await expect(run2).resolves.toEqual({ reason: "stopped" });
    expect(relay2.polls[0]!.aborted).toBe(true);
  });

  it("a poll the relay drops while we stop (clawcall stop, --replace) ends quietly: no warning, no retry", async () => {
    const relay = new ScriptedRelayPort(10_000);
    relay.push({ holdMs: 5_000, result: errors.reset() });
    const { source, lines } = setup(relay);
    const run = source.run();
    await vi.advanceTimersByTimeAsync(1_000);
    source.stop();
    await vi.advanceTimersByTimeAsync(4_000);
    await expect(run).resolves.toEqual({ reason: "stopped" });
    expect(relay.polls.length).toBe(1);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    expect(lines.some((l) => l.msg === "the open poll ended while stopping")).toBe(true);
  });

  it("paces a relay that returns empty polls instantly instead of spinning", async () => {
    const relay = new ScriptedRelayPort(0);
    const { source } = setup(relay, () => 0.5);
    void source.run();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(relay.polls.length).toBeLessThan(100);
    source.abort();
  });

  it("waitForQuiet: true once a poll sent at or after `since` comes back empty; an open poll proves nothing", async () => {
    const relay = new ScriptedRelayPort(500);
    const { source } = setup(relay);
    void source.run();
    await vi.advanceTimersByTimeAsync(100);
    const since = Date.now();
    let quiet: boolean | undefined;
    void source.waitForQuiet(since).then((q) => {
      quiet = q;
    });
    await vi.advanceTimersByTimeAsync(350);
    expect(quiet).toBeUndefined(); // the poll sent at 0 returns empty at 500: it began before `since`
    await vi.advanceTimersByTimeAsync(600); // the next empty poll (500→1000) began after `since`
    expect(quiet).toBe(true);

    // A poll that stays open (stuck before the relay, or waiting) is no proof.
    const relay2 = new ScriptedRelayPort(60_000);
    const s2 = setup(relay2);
    void s2.source.run();
    let q2: boolean | undefined;
    const ac = new AbortController();
    void s2.source.waitForQuiet(Date.now(), ac.signal).then((q) => {
      q2 = q;
    });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(q2).toBeUndefined();
    ac.abort();
    await vi.advanceTimersByTimeAsync(1);
    expect(q2).toBe(false);
    source.abort();
    s2.source.abort();
  });

  it("while something waits for quiet, polls only check the queue (timeout 0), then long polls again", async () => {
    const relay = new ScriptedRelayPort(10_000);
    relay.message(SID_A, "one");
    // The probe finds the queue busy once, then empty.
    relay.message(SID_A, "two");
    relay.push({ ok: true, timeout: true });
    const { source, got } = setup(relay);
    void source.run();
    await vi.advanceTimersByTimeAsync(1_000); // "one", "two", the empty one, the idle one now open
    expect(relay.polls.map((p) => p.timeoutS)).toEqual([10, 10, 10, 10]);
    relay.polls.length = 0;
    relay.message(SID_A, "three");
    relay.push({ ok: true, timeout: true });
    let quiet: boolean | undefined;
    // The open (idle) poll began before `since`: it proves nothing; once it returns, probes follow.
    void source.waitForQuiet(Date.now()).then((q) => {
      quiet = q;
    });
    await vi.advanceTimersByTimeAsync(8_000);
    expect(quiet).toBeUndefined();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(quiet).toBe(true);
    expect(got.map((m) => m.message)).toEqual(["one", "two", "three"]);
    // The idle poll returned empty but began before `since`; then two checks ("three", empty), and
    // long polls again.
    expect(relay.polls.map((p) => p.timeoutS)).toEqual([0, 0, 10]);
    source.abort();
  });

  it("relayDown from a failed poll until one comes back; waitForReturn resolves then, and its polls only check the queue", async () => {
    const relay = new ScriptedRelayPort(10_000);
    relay.push(errors.reset(), errors.html502(), { ok: true, timeout: true });
    // Waits of half the ceiling: 250 ms after the reset, 500 ms after the 502.
    const { source } = setup(relay, () => 0.5);
    expect(source.relayDown).toBe(false);
    void source.run();
    await vi.advanceTimersByTimeAsync(1);
    expect(source.relayDown).toBe(true);
    let back: boolean | undefined;
    void source.waitForReturn().then((b) => {
      back = b;
    });
    await vi.advanceTimersByTimeAsync(300);
    expect(back).toBeUndefined();
    expect(source.relayDown).toBe(true);
    await vi.advanceTimersByTimeAsync(500);
    expect(back).toBe(true);
    expect(source.relayDown).toBe(false);
    // The poll after the reset and the one after the 502 only checked the queue; then long polls again.
    await vi.advanceTimersByTimeAsync(200);
    expect(relay.polls.map((p) => p.timeoutS)).toEqual([10, 0, 0, 10]);
    await expect(source.waitForReturn()).resolves.toBe(true);
    source.abort();
  });

  it("waitForReturn is false when its signal aborts while the relay is down", async () => {
    const relay = new ScriptedRelayPort(10_000);
    relay.push(errors.reset(), { holdMs: 60_000, result: errors.reset() });
    const { source } = setup(relay, () => 0);
    void source.run();
    await vi.advanceTimersByTimeAsync(1);
    const ac = new AbortController();
    const p = source.waitForReturn(ac.signal);
    ac.abort();
    await expect(p).resolves.toBe(false);
    source.abort();
  });
});
