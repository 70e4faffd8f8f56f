import { describe, expect, it } from "vitest";
import {
  Backoff,
  deferred,
  InFlight,
  Semaphore,
  type Sleeper,
  settledOrAborted,
  settledWithin,
} from "../../src/util/async.js";

/** A sleeper that fires only when the test says so. */
function manualSleeper() {
  const pending: { ms: number; fire: (v: boolean) => void; signal?: AbortSignal }[] = [];
  const sleep: Sleeper = (ms, signal) =>
    new Promise<boolean>((resolve) => {
      const entry = { ms, fire: resolve, ...(signal ? { signal } : {}) };
      pending.push(entry);
      signal?.addEventListener("abort", () => resolve(false), { once: true });
    });
  return { sleep, pending };
}

describe("deferred", () => {
  it("resolves and rejects from outside", async () => {
    const a = deferred<number>();
    a.resolve(7);
    await expect(a.promise).resolves.toBe(7);
    const b = deferred();
    b.reject(new Error("no"));
    await expect(b.promise).rejects.toThrow("no");
  });
});

describe("settledOrAborted", () => {
  it("is true when the work settles, either way, and false when the signal aborts first", async () => {
    await expect(settledOrAborted(Promise.resolve(1))).resolves.toBe(true);
    await expect(settledOrAborted(Promise.reject(new Error("x")))).resolves.toBe(true);
    const ctl = new AbortController();
    const never = deferred();
    const r = settledOrAborted(never.promise, ctl.signal);
    ctl.abort();
    await expect(r).resolves.toBe(false);
    await expect(settledOrAborted(never.promise, ctl.signal)).resolves.toBe(false);
  });

  it("leaves no listener on a long-lived signal", async () => {
    const ctl = new AbortController();
    let added = 0;
    let removed = 0;
    const signal = ctl.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...a: Parameters<typeof add>) => {
      added++;
      add(...a);
    }) as typeof add;
    signal.removeEventListener = ((...a: Parameters<typeof remove>) => {
      removed++;
      remove(...a);
    }) as typeof remove;
    for (let i = 0; i < 5; i++) await settledOrAborted(Promise.resolve(i), signal);
    expect(added).toBe(5);
    expect(removed).toBe(5);
  });
});

describe("settledWithin", () => {
  it("is true when the work wins, false at the bound, and cancels its timer either way", async () => {
    const s = manualSleeper();
    const work = deferred();
    const r = settledWithin(work.promise, 1_000, s.sleep);
    expect(s.pending[0]?.ms).toBe(1_000);
    work.resolve();
    await expect(r).resolves.toBe(true);
    expect(s.pending[0]?.signal?.aborted).toBe(true);

    const late = settledWithin(deferred().promise, 50, s.sleep);
    s.pending[1]!.fire(true);
    await expect(late).resolves.toBe(false);
  });

  it("never asks for a negative wait", async () => {
    const s = manualSleeper();
    void settledWithin(deferred().promise, -5, s.sleep);
    expect(s.pending[0]?.ms).toBe(0);
  });
});

describe("Backoff", () => {
  it("draws under a doubling ceiling up to the cap, and starts over after reset", () => {
    const b = new Backoff({ baseMs: 500, capMs: 4_000, random: () => 0.999 });
    const waits = Array.from({ length: 6 }, () => b.next());
    expect(waits).toEqual([499, 999, 1998, 3996, 3996, 3996]);
    expect(b.attempt).toBe(6);
    b.reset();
    expect(b.ceiling()).toBe(500);
    expect(new Backoff({ baseMs: 500, capMs: 4_000, random: () => 0 }).next()).toBe(0);
  });
});

describe("Semaphore", () => {
  it("grants in FIFO order, gives up on abort, and hands a released slot to the next waiter", async () => {
    const s = new Semaphore(1);
    expect(s.tryAcquire()).toBe(true);
    expect(s.tryAcquire()).toBe(false);
    const order: string[] = [];
    const ctl = new AbortController();
    const a = s.acquire().then((ok) => order.push(`a:${ok}`));
    const b = s.acquire(ctl.signal).then((ok) => order.push(`b:${ok}`));
    const c = s.acquire().then((ok) => order.push(`c:${ok}`));
    expect(s.waiting).toBe(3);
    ctl.abort();
    await b;
    expect(s.waiting).toBe(2);
    s.release();
    await a;
    s.release();
    await c;
    expect(order).toEqual(["b:false", "a:true", "c:true"]);
    s.release();
    expect(s.free).toBe(1);
  });
});

describe("InFlight", () => {
  it("resolves idle() when the last piece of work ends, and at once when none runs", async () => {
    const f = new InFlight();
    await f.idle();
    const one = deferred();
    const two = deferred();
    const r1 = f.run(() => one.promise);
    const r2 = f.run(() => two.promise.then(() => "two"));
    expect(f.count).toBe(2);
    let idle = false;
    const waiting = f.idle().then(() => {
      idle = true;
    });
    one.resolve();
    await r1;
    await Promise.resolve();
    expect(idle).toBe(false);
    two.resolve();
    await expect(r2).resolves.toBe("two");
    await waiting;
    expect(idle).toBe(true);
    expect(f.count).toBe(0);
  });

  it("counts work that throws as finished", async () => {
    const f = new InFlight();
    await expect(f.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(f.count).toBe(0);
  });
});
