/**
 * The relay's own waits, caps and lifetimes (/work/shared/reference/relay-contract.md §1.1, §4), in ms
 * of phone time. A client derives its deadlines from these; the sandbox reproduces them.
 */

/** `AGENT_RESPONSE_TIMEOUT`: a turn's webhook waits this long for our answer, then plays a filler. */
export const AGENT_WAIT_MS = 12_000;
/** Each later `/webhooks/twilio/poll` round waits this long for the answer before the next filler. */
export const FILLER_POLL_WAIT_MS = 10_000;
/** A filler phrase takes about this long to say; an answer posted meanwhile waits for the next poll. */
export const FILLER_SPEECH_MS = 1_500;
/** Fillers come about this often while the caller waits (one poll round plus one filler). */
export const FILLER_INTERVAL_MS = FILLER_POLL_WAIT_MS + FILLER_SPEECH_MS;
/** The relay caps (and defaults) `listen?timeout=` at 25 s. */
export const LISTEN_MAX_TIMEOUT_S = 25;
/**
 * Our read timeout on `listen` is at least this much above the timeout we ask for: with less, a message
 * the relay pops at the last moment is written to a socket we already closed, and lost (§8.1 item 7).
 */
export const LISTEN_READ_MARGIN_MS = 10_000;
/** `_JOB_TTL`: a call's response slot is evicted this long after its last message; a later answer 404s. */
export const SLOT_TTL_MS = 300_000;
