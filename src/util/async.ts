/**
 * The small async tools every part uses, each written once: a deferred, a race with an abort signal, a
 * deadline signal, a bounded wait, backoff with full jitter, a counting semaphore and an in-flight
 * counter. Time comes from the caller's clock (a `Sleeper`), so tests drive them with a fake one.
 */
import { sleep as realSleep } from "./sleep.js";

export interface Deferred<T = void> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

/** A promise with its resolve and reject outside (Promise.withResolvers is Node 22+). */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** `p` settled either way, as a promise that never rejects. */
function settled(p: Promise<unknown>): Promise<true> {
  return p.then(
    () => true,
    () => true,
  );
}

/**
 * Settles like `p`, or rejects with the signal's reason as soon as `signal` aborts: work that ignores
 * its signal cannot hold the caller. The abort listener is removed either way, so a long-lived signal
 * does not collect one listener per call.
 */
export function raceSignal<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => {});
    return Promise.reject(signal.reason ?? new Error("aborted"));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error("aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** Resolves `true` when `p` settles (either way) and `false` if `signal` aborts first. */
export async function settledOrAborted(p: Promise<unknown>, signal?: AbortSignal): Promise<boolean> {
  if (!signal) return settled(p);
  return raceSignal(settled(p), signal).catch(() => false);
}

/** The part of a clock a bounded wait needs. */
export type Sleeper = (ms: number, signal?: AbortSignal) => Promise<boolean>;

export interface DeadlineOptions {
  /** Whose time the deadline runs on (a fake clock's sleep in tests). */
  sleep?: Sleeper;
  /** Aborting any of these aborts the deadline's signal too, with the same reason. */
  links?: readonly (AbortSignal | undefined)[];
}

export interface Deadline {
  readonly signal: AbortSignal;
  /** Stops the timer and unhooks the links; call it once the work is over. */
  cancel(): void;
}

/**
 * A signal that aborts after `ms` (with a `TimeoutError`, the reason `AbortSignal.timeout` gives, which
 * the relay client turns into a DeadlineError) or as soon as any link aborts. A deadline of zero or
 * less is over already: the signal is aborted before the work starts.
 */
export function deadlineSignal(ms: number, opts: DeadlineOptions = {}): Deadline {
  const ctl = new AbortController();
  const timerCtl = new AbortController();
  const hooked: [AbortSignal, () => void][] = [];
  for (const link of opts.links ?? []) {
    if (!link) continue;
    if (link.aborted) {
      ctl.abort(link.reason);
      continue;
    }
    const onAbort = () => ctl.abort(link.reason);
    link.addEventListener("abort", onAbort, { once: true });
    hooked.push([link, onAbort]);
  }
  const timedOut = () => ctl.abort(new DOMException("deadline passed", "TimeoutError"));
  if (ms <= 0) timedOut();
  else if (!ctl.signal.aborted)
    void (opts.sleep ?? realSleep)(ms, timerCtl.signal).then((fired) => {
      if (fired) timedOut();
    });
  return {
    signal: ctl.signal,
    cancel: () => {
      timerCtl.abort();
      for (const [link, onAbort] of hooked) link.removeEventListener("abort", onAbort);
    },
  };
}

/**
 * Runs `work` with a signal that aborts after `ms` or with any link, and races it against that signal:
 * resolves with the work's value, or rejects with the signal's reason the moment it aborts (even if
 * the work ignores it). The timer and the link listeners are gone afterwards.
 */
export async function withDeadline<T>(
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
  opts: DeadlineOptions = {},
): Promise<T> {
  const dl = deadlineSignal(ms, opts);
  try {
    return await raceSignal(work(dl.signal), dl.signal);
  } finally {
    dl.cancel();
  }
}

/**
 * Waits for `p` to settle, at most `ms`. Resolves `true` if it settled in time, `false` on the bound
 * (the work itself goes on; the caller decides what to do with it) or when `signal` aborts.
 */
export function settledWithin(
  p: Promise<unknown>,
  ms: number,
  opts: { sleep?: Sleeper; signal?: AbortSignal | undefined } = {},
): Promise<boolean> {
  return withDeadline(ms, () => settled(p), {
    ...(opts.sleep ? { sleep: opts.sleep } : {}),
    links: [opts.signal],
  }).catch(() => false);
}

export interface BackoffOptions {
  /** Ceiling of the first wait, ms. */
  baseMs: number;
  /** Largest ceiling, ms. */
  capMs: number;
  factor?: number;
  /**
   * Fraction of the ceiling every draw keeps (0 = full jitter). A floor bounds the request rate while
   * something is down (full jitter alone can draw near 0 again and again); what is left still spreads
   * clients apart.
   */
  jitterFloor?: number;
  /** Uniform [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter (AWS "Exponential Backoff and Jitter"): the n-th wait is a
 * uniform draw from [floor · c, c] where c = min(cap, base · factor^n) and floor is `jitterFloor`
 * (default 0). Full jitter spreads many clients apart and keeps the average wait at half the ceiling.
 * `reset()` on the first success.
 */
export class Backoff {
  readonly baseMs: number;
  readonly capMs: number;
  readonly factor: number;
  readonly jitterFloor: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(opts: BackoffOptions) {
    this.baseMs = opts.baseMs;
    this.capMs = opts.capMs;
    this.factor = opts.factor ?? 2;
    this.jitterFloor = Math.min(1, Math.max(0, opts.jitterFloor ?? 0));
    this.#random = opts.random ?? Math.random;
  }

  /** Failures since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The ceiling the next draw uses. */
  ceiling(): number {
    return Math.min(this.capMs, this.baseMs * this.factor ** Math.min(this.#attempt, 30));
  }

  /** Draws the next wait (ms) and counts one more failure. */
  next(): number {
    const ceil = this.ceiling();
    this.#attempt++;
    const floor = this.jitterFloor * ceil;
    return Math.floor(floor + this.#random() * (ceil - floor));
  }

  reset(): void {
    this.#attempt = 0;
  }
}

/** A counting semaphore with FIFO waiters; `acquire` resolves false if the signal aborts first. */
export class Semaphore {
  #free: number;
  readonly #waiters: Array<(ok: boolean) => void> = [];

  constructor(size: number) {
    this.#free = size;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  get free(): number {
    return this.#free;
  }

  /** Takes a slot at once if one is free; never waits. */
  tryAcquire(): boolean {
    if (this.#free === 0) return false;
    this.#free--;
    return true;
  }

  acquire(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.tryAcquire()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const grant = (ok: boolean) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(ok);
      };
      const onAbort = () => {
        const i = this.#waiters.indexOf(grant);
        if (i >= 0) this.#waiters.splice(i, 1);
        resolve(false);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(grant);
    });
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next) next(true);
    else this.#free++;
  }
}

/**
 * Counts work in flight and lets a closer wait until none is left (instead of polling a counter).
 */
export class InFlight {
  #count = 0;
  #idle: Deferred | undefined;

  get count(): number {
    return this.#count;
  }

  /** Runs `fn` counted. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.#count++;
    try {
      return await fn();
    } finally {
      this.#count--;
      if (this.#count === 0 && this.#idle) {
        this.#idle.resolve();
        this.#idle = undefined;
      }
    }
  }

  /** Resolves when nothing is in flight. */
  idle(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    this.#idle ??= deferred();
    return this.#idle.promise;
  }
}
