import type { Sleeper } from "./async.js";
import { sleep as realSleep } from "./sleep.js";

/**
 * Time as a long-running part sees it (the listener and everything it builds). Tests pass a fake, or
 * use vitest fake timers with the real one. Parts that only read the time take `now: () => number`.
 */
export interface Clock {
  /** Milliseconds since the epoch; deadlines are differences of two readings. */
  now(): number;
  /** Resolves true after `ms`, or false as soon as `signal` aborts. */
  sleep: Sleeper;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => realSleep(ms, signal),
};
