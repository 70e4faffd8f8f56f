/**
 * Exponential backoff with full jitter (AWS "Exponential Backoff and Jitter"): the n-th wait is a
 * uniform draw from [0, min(cap, base · factor^n)]. Full jitter spreads many clients apart and keeps
 * the average wait at half the ceiling. `reset()` on the first success.
 */
export interface BackoffOptions {
  /** Ceiling of the first wait, ms. */
  baseMs: number;
  /** Largest ceiling, ms. */
  capMs: number;
  factor?: number;
  /** Uniform [0, 1); injectable for tests. */
  random?: () => number;
}

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

/** Poll backoff: 500 ms first ceiling, doubling, capped at 30 s (style-and-reliability §B.5). */
export const POLL_BACKOFF = { baseMs: 500, capMs: 30_000 } as const;
/** Longest `Retry-After` we honour as given; beyond it we wait the cap and ask again. */
export const MAX_RETRY_AFTER_MS = 120_000;
