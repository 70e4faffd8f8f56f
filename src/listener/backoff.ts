/** The listener's backoff settings (the Backoff itself lives in src/util/async.ts). */
export { Backoff, type BackoffOptions } from "../util/async.js";

/** Poll backoff: 500 ms first ceiling, doubling, capped at 30 s (style-and-reliability §B.5). */
export const POLL_BACKOFF = { baseMs: 500, capMs: 30_000 } as const;
/** Longest `Retry-After` we honour as given; beyond it we wait the cap and ask again. */
export const MAX_RETRY_AFTER_MS = 120_000;
