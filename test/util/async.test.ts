import { describe, expect, it } from "vitest";
import {
  Backoff,
  deadlineSignal,
  deferred,
  InFlight,
  raceSignal,
  Semaphore,
  type Sleeper,
  settledOrAborted,
  settledWithin,
  withDeadline,
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

describe("raceSignal", () => {
  it("settles like the work, or rejects with the reason the moment the signal aborts", async () => {
    const ctl = new AbortController();
    await expect(raceSignal(Promise.resolve(3), ctl.signal)).resolves.toBe(3);
    await expect(raceSignal(Promise.reject(new Error("own")), ctl.signal)).rejects.toThrow("own");
    const never = deferred();
    const r = raceSignal(never.promise, ctl.signal);
    ctl.abort(new Error("stop"));
    await expect(r).rejects.toThrow("stop");
    await expect(raceSignal(Promise.resolve(1), ctl.signal)).rejects.toThrow("stop");
  });
});

describe("deadlineSignal and withDeadline", () => {
  it("abort after the deadline on the given sleeper, with a TimeoutError", async () => {
    const s = manualSleeper();
    const seen: AbortSignal[] = [];
    const r = withDeadline(
      250,
      (signal) => {
        seen.push(signal);
        return deferred<number>().promise; // work that ignores its signal
      },
      { sleep: s.sleep },
    );
    expect(s.pending[0]?.ms).toBe(250);
    s.pending[0]!.fire(true);
    await expect(r).rejects.toMatchObject({ name: "TimeoutError" });
    expect(seen[0]?.aborted).toBe(true);
  });

  it("follow their links with the link's reason, and unhook them and the timer afterwards", async () => {
    const s = manualSleeper();
    const link = new AbortController();
    const dl = deadlineSignal(1_000, { sleep: s.sleep, links: [link.signal, undefined] });
    link.abort(new Error("shutdown"));
    expect(dl.signal.aborted).toBe(true);
    expect((dl.signal.reason as Error).message).toBe("shutdown");
    dl.cancel();
    expect(s.pending[0]?.signal?.aborted).toBe(true);

    const other = new AbortController();
    const done = await withDeadline(1_000, async () => "ok", { sleep: s.sleep, links: [other.signal] });
    expect(done).toBe("ok");
    expect(s.pending[1]?.signal?.aborted).toBe(true); // timer cancelled
    other.abort(); // no listener left to fire
  });

  it("a deadline of zero or less is over before the work starts", () => {
    const s = manualSleeper();
    expect(deadlineSignal(0, { sleep: s.sleep }).signal.aborted).toBe(true);
    expect(deadlineSignal(-5, { sleep: s.sleep }).signal.aborted).toBe(true);
    expect(s.pending.length).toBe(0);
  });
});

describe("settledWithin", () => {
  it("is true when the work wins, false at the bound or on abort, and cancels its timer either way", async () => {
    const s = manualSleeper();
    const work = deferred();
    const r = settledWithin(work.promise, 1_000, { sleep: s.sleep });
    expect(s.pending[0]?.ms).toBe(1_000);
    work.resolve();
    await expect(r).resolves.toBe(true);
    expect(s.pending[0]?.signal?.aborted).toBe(true);

    const late = settledWithin(deferred().promise, 50, { sleep: s.sleep });
    s.pending[1]!.fire(true);
    await expect(late).resolves.toBe(false);

    const ctl = new AbortController();
    const cut = settledWithin(deferred().promise, 50, { sleep: s.sleep, signal: ctl.signal });
    ctl.abort();
    await expect(cut).resolves.toBe(false);
    expect(s.pending[2]?.signal?.aborted).toBe(true);
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

  it("with a jitter floor, never draws below that share of the ceiling", () => {
    const low = new Backoff({ baseMs: 1_000, capMs: 2_300, jitterFloor: 0.9, random: () => 0 });
    expect(Array.from({ length: 4 }, () => low.next())).toEqual([900, 1800, 2070, 2070]);
    const high = new Backoff({ baseMs: 1_000, capMs: 2_300, jitterFloor: 0.9, random: () => 0.999 });
    expect(Array.from({ length: 3 }, () => high.next())).toEqual([999, 1999, 2299]);
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
