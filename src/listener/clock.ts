import { sleep as realSleep } from "../util/sleep.js";

/** Time as the listener sees it; unit tests pass a fake (or use vitest fake timers with the real one). */
export interface Clock {
  /** Milliseconds, monotonic enough for deadlines (Date.now by default). */
  now(): number;
  /** Resolves true after `ms`, or false as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => realSleep(ms, signal),
};
