import { describe, expect, it, vi } from "vitest";
import type { ModelBackend } from "../../src/bridge/model/index.js";
import { WarmUp, type WarmUpClock, watchedByWarmUp } from "../../src/bridge/model/warm-up.js";
import { ClawcallError } from "../../src/errors.js";
import type { Logger } from "../../src/log.js";

const flush = () => new Promise<void>((r) => setImmediate(r));

/** A manual clock: timers run only when the test advances time. */
function fakeClock() {
  let t = 0;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: WarmUpClock & { advance(ms: number): Promise<void>; pending(): number } = {
    now: () => t,
    setTimeout: (fn, ms) => {
      timers.set(++seq, { at: t + ms, fn });
      return seq;
    },
    clearTimeout: (h) => void timers.delete(h as number),
    pending: () => timers.size,
    async advance(ms) {
      const end = t + ms;
      for (;;) {
        const next = [...timers.entries()]
          .filter(([, x]) => x.at <= end)
          .sort((a, b) => a[1].at - b[1].at)[0];
        if (!next) break;
        timers.delete(next[0]);
        t = next[1].at;
        next[1].fn();
        await flush();
      }
      t = end;
      await flush();
    },
  };
  return clock;
}

function fakeLog() {
  const lines: { level: string; msg: string; obj: unknown }[] = [];
  const at =
    (level: string) =>
    (obj: unknown, msg: string): void =>
      void lines.push({ level, msg, obj });
  const log = {
    info: at("info"),
    warn: at("warn"),
    debug: at("debug"),
    error: at("error"),
  } as unknown as Logger;
  return { log, lines };
}

/**
 * A fake gateway for warm-ups: each turn takes the next planned duration (ms on the fake clock) or
 * fails ("down"); after the plan, turns take 300 ms.
 */
function setup(plan: (number | "down")[] = [], o: { busy?: () => boolean; intervalMs?: number } = {}) {
  const clock = fakeClock();
  const { log, lines } = fakeLog();
  const sent: { key: string; at: number }[] = [];
  const send = vi.fn((key: string, signal: AbortSignal) => {
    sent.push({ key, at: clock.now() });
    const step = plan.shift() ?? 300;
    return new Promise<void>((resolve, reject) => {
      if (step === "down") {
        clock.setTimeout(() => reject(new ClawcallError("E_MODEL_TRANSPORT", "connection refused")), 5);
        return;
      }
      clock.setTimeout(resolve, step);
      signal.addEventListener("abort", () => reject(new Error("aborted")));
    });
  });
  const warm = new WarmUp({
    send,
    busy: o.busy ?? (() => false),
    intervalMs: o.intervalMs ?? 15_000,
    log,
    clock,
    turnsPerSession: 3,
  });
  return { clock, lines, sent, warm };
}

describe("model warm-up", () => {
  it("warms at start until a turn is fast, then says so once", async () => {
    // The gateway's profile after a start: 13 s, then 2.4 s, then fast.
    const { clock, lines, sent, warm } = setup([13_000, 2_400, 400]);
    warm.start();
    await clock.advance(0);
    expect(sent).toHaveLength(1);
    await clock.advance(13_000);
    expect(warm.report().state).toBe("starting");
    // The next try comes soon, not an interval later.
    await clock.advance(2_000);
    expect(sent).toHaveLength(2);
    await clock.advance(2_400 + 2_000 + 400);
    expect(sent).toHaveLength(3);
    expect(warm.report()).toMatchObject({ state: "warm", lastMs: 400, turns: 3, failures: 0 });
    expect(lines.filter((l) => l.msg === "model path warm")).toHaveLength(1);
  });

  it("keeps warm every interval while idle, and logs nothing per turn", async () => {
    const { clock, lines, sent, warm } = setup([], { intervalMs: 15_000 });
    warm.start();
    await clock.advance(300);
    expect(warm.report().state).toBe("warm");
    await clock.advance(60_000);
    // One turn at start, then one per 15 s of quiet (each 300 ms long).
    expect(sent.length).toBeGreaterThanOrEqual(4);
    expect(sent.length).toBeLessThanOrEqual(5);
    const gaps = sent.slice(1).map((s, i) => s.at - (sent[i]?.at ?? 0));
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(15_000);
    // Above debug, only the one "warm" line.
    expect(lines.filter((l) => l.level !== "debug")).toHaveLength(1);
  });

  it("stays quiet while calls are active, and counts the interval from a call's last model turn", async () => {
    let active = false;
    const { clock, sent, warm } = setup([], { busy: () => active, intervalMs: 15_000 });
    warm.start();
    await clock.advance(300);
    expect(sent).toHaveLength(1);
    active = true;
    await clock.advance(60_000);
    expect(sent).toHaveLength(1);
    active = false;
    // A call's model turn ends: the next warm-up is an interval after it, not before.
    warm.callStarted();
    await clock.advance(1_000);
    warm.callEnded();
    const endedAt = clock.now();
    await clock.advance(14_000);
    expect(sent).toHaveLength(1);
    await clock.advance(1_500);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.at).toBeGreaterThanOrEqual(endedAt + 15_000);
  });

  it("never warms while a call's model request is in flight", async () => {
    const { clock, sent, warm } = setup([], { intervalMs: 1_000 });
    let finish: () => void = () => {};
    const model = {
      mode: "gateway",
      modelName: "openclaw/default",
      complete: () =>
        new Promise((r) => {
          finish = () => r({ text: "hi", via: "gateway-http" });
        }),
      gateway: () => ({ reachable: true, chat_completions: true }),
      probe: async () => {},
      close: async () => {},
    } as unknown as ModelBackend;
    const watched = watchedByWarmUp(model, warm);
    expect(watched.mode).toBe("gateway");
    warm.start();
    await clock.advance(300);
    const reply = watched.complete({} as never);
    await clock.advance(10_000);
    expect(sent).toHaveLength(1);
    finish();
    await expect(reply).resolves.toEqual({ text: "hi", via: "gateway-http" });
    await clock.advance(1_000);
    expect(sent).toHaveLength(2);
  });

  it("a call's turn waits for a warm-up about to end, but no longer than a warm turn takes", async () => {
    // Start (300 ms), a keep-warm turn at 1.3 s of 800 ms, then one at 3.1 s of 13 s (cold again).
    const { clock, sent, warm } = setup([300, 800, 13_000], { intervalMs: 1_000 });
    let cleared = false;
    const clear = () => {
      cleared = false;
      void warm.clear().then(() => {
        cleared = true;
      });
    };
    warm.start();
    await clock.advance(1_400);
    expect(sent).toHaveLength(2);
    clear();
    await clock.advance(500);
    expect(cleared).toBe(false);
    await clock.advance(300);
    expect(cleared).toBe(true);
    await clock.advance(1_100);
    expect(sent).toHaveLength(3);
    clear();
    await clock.advance(1_400);
    expect(cleared).toBe(false);
    // The bound: a slow (cold) warm-up is not waited for past 1.5 s.
    await clock.advance(100);
    expect(cleared).toBe(true);
  });

  it("backs off quietly while the gateway is down: one warning per outage, then warm again", async () => {
    const { clock, lines, sent, warm } = setup(["down", "down", "down", "down", "down", "down", 500]);
    warm.start();
    await clock.advance(120_000);
    expect(sent.length).toBeGreaterThanOrEqual(7);
    // Backing off: the later tries are further apart than the first ones.
    const gaps = sent.slice(1).map((s, i) => s.at - (sent[i]?.at ?? 0));
    expect(gaps[4] ?? 0).toBeGreaterThan(gaps[0] ?? 0);
    const warns = lines.filter((l) => l.level === "warn");
    expect(warns).toHaveLength(1);
    expect(warns[0]?.obj).toMatchObject({ code: "E_MODEL_TRANSPORT" });
    expect(warm.report().state).toBe("warm");
  });

  it("uses its own session keys, rotated so no session's history grows without end", async () => {
    const { clock, sent, warm } = setup([], { intervalMs: 1_000 });
    warm.start();
    await clock.advance(10_000);
    const keys = new Set(sent.map((s) => s.key));
    for (const k of keys) expect(k).toMatch(/^clawcall:warmup:[a-z0-9]+-\d+$/);
    // Three turns per session in this setup.
    expect(keys.size).toBeGreaterThanOrEqual(Math.floor(sent.length / 3));
  });

  it("stops: the turn in flight is cut and nothing more is sent", async () => {
    const { clock, sent, warm } = setup([13_000]);
    warm.start();
    await clock.advance(1_000);
    warm.stop();
    await clock.advance(120_000);
    expect(sent).toHaveLength(1);
    expect(warm.report().state).toBe("stopped");
    expect(clock.pending()).toBe(0);
  });
});
