/**
 * The small async tools every part uses, each written once: a deferred, an abort-aware race, a bounded
 * wait, backoff with full jitter and a counting semaphore. Time comes from the caller's clock, so tests
 * drive them with a fake one.
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

/**
 * Resolves `true` when `p` settles (either way) and `false` if `signal` aborts first. The abort listener
 * is removed afterwards, so a long-lived signal does not collect one listener per call.
 */
export async function settledOrAborted(p: Promise<unknown>, signal?: AbortSignal): Promise<boolean> {
  if (!signal) {
    await p.then(
      () => {},
      () => {},
    );
    return true;
  }
  if (signal.aborted) return false;
  let onAbort!: () => void;
  const aborted = new Promise<false>((resolve) => {
    onAbort = () => resolve(false);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([
      p.then(
        () => true as const,
        () => true as const,
      ),
      aborted,
    ]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** The part of a clock a bounded wait needs. */
export type Sleeper = (ms: number, signal?: AbortSignal) => Promise<boolean>;

/**
 * Waits for `p` to settle, at most `ms`. Resolves `true` if it settled in time, `false` on the bound
 * (the work itself goes on; the caller decides what to do with it). The timer is cleared either way.
 */
export async function settledWithin(
  p: Promise<unknown>,
  ms: number,
  sleep: Sleeper = realSleep,
): Promise<boolean> {
  const ctl = new AbortController();
  try {
    return await Promise.race([
      p.then(
        () => true,
        () => true,
      ),
      sleep(Math.max(0, ms), ctl.signal).then(() => false),
    ]);
  } finally {
    ctl.abort();
  }
}

export interface BackoffOptions {
  /** Ceiling of the first wait, ms. */
  baseMs: number;
  /** Largest ceiling, ms. */
  capMs: number;
  factor?: number;
  /** Uniform [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter (AWS "Exponential Backoff and Jitter"): the n-th wait is a
 * uniform draw from [0, min(cap, base · factor^n)]. Full jitter spreads many clients apart and keeps
 * the average wait at half the ceiling. `reset()` on the first success.
 */
export class Backoff {
  readonly baseMs: number;
  readonly capMs: number;
  readonly factor: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(opts: BackoffOptions) {
    this.baseMs = opts.baseMs;
    this.capMs = opts.capMs;
    this.factor = opts.factor ?? 2;
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
    return Math.floor(this.#random() * ceil);
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
