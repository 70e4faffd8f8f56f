/**
 * Every deadline and margin the listener works with, in one place. Those that follow from the relay's
 * own numbers (src/relay/deadlines.ts) are derived from them; the rest are the listener's choices, each
 * named with its reason. `listenerTimings()` turns one run's inputs (poll timeout, agent deadline, the
 * sandbox's time scale) into the numbers every part is built with.
 *
 * "Phone time" rules (what the caller hears and when) are divided by the sandbox's time scale; the
 * listener's own transport bounds are not. The poll's read timeout (poll timeout + LISTEN_READ_MARGIN_MS)
 * is the relay client's.
 */
import type { Config } from "../config/index.js";
import { AGENT_WAIT_MS, SLOT_TTL_MS } from "../relay/deadlines.js";

// ---- polling ----------------------------------------------------------------------------------------

/** A poll the relay held for its whole timeout is back within this; later, it is stuck before the relay. */
export const POLL_RETURN_MARGIN_MS = 2_000;
/** A poll still open this long past its timeout at shutdown is hung and cut (a healthy one is back). */
export const HUNG_POLL_MARGIN_MS = 2_500;
/** An empty poll faster than this is a relay ignoring `timeout` (paced like an error); also the pace of queue checks. */
export const MIN_EMPTY_POLL_MS = 100;
/**
 * Poll backoff: 1 s first ceiling, doubling, capped at 2.3 s, each draw at least 90 % of its ceiling.
 * One client polls one relay, so there is no herd to spread: the cap bounds how late we notice the
 * relay is back (a caller is waiting), the floor bounds the rate while it is down (≤ 0.5 req/s).
 */
export const POLL_BACKOFF = { baseMs: 1_000, capMs: 2_300, jitterFloor: 0.9 } as const;
/** Longest `Retry-After` honoured as given; beyond it we wait this and ask again. */
export const MAX_RETRY_AFTER_MS = 120_000;

// ---- turns ------------------------------------------------------------------------------------------

/** The bridge speaks a holding line at its phone deadline; our agent deadline gives it this long more to send it. */
export const BRIDGE_DEADLINE_MARGIN_MS = 5_000;
/** CLI mode: no holding line, `openclaw agent` can take 15–30 s, and the relay's fillers keep the caller company (§8.1 item 2). */
export const CLI_TURN_MIN_MS = 90_000;
/** A third-party answer must be on the relay before its 12 s wait ends: posting and pickup take up to this. */
export const THIRD_PARTY_POST_MARGIN_MS = 1_500;
/** Past the 12 s a late answer fills the next turn's slot: a post still in flight this close to it may land. */
export const THIRD_PARTY_LAST_POST_MARGIN_MS = 500;
/**
 * The bridge's default phone deadline (`CLAWCALL_PHONE_TIMEOUT_MS`): its answer, or its holding line,
 * is on the relay before the relay's first filler, with the same pickup-and-post margin as a
 * third-party answer (10.5 s).
 */
export const DEFAULT_PHONE_TIMEOUT_MS = AGENT_WAIT_MS - THIRD_PARTY_POST_MARGIN_MS;
/** The longest phone deadline accepted: later, the post can no longer land before the filler (11.5 s). */
export const MAX_PHONE_TIMEOUT_MS = AGENT_WAIT_MS - THIRD_PARTY_LAST_POST_MARGIN_MS;
/** The HTTP turn deadline for the bridge's default phone deadline (plus the margin), when none is given. */
export const DEFAULT_TURN_MS = DEFAULT_PHONE_TIMEOUT_MS + BRIDGE_DEADLINE_MARGIN_MS;
/** A user-facing answer is posted at most this long after its message (real time): after ~10 fillers the caller has moved on. */
export const USEFUL_ANSWER_MS = 120_000;
/** Handing a third-party completion to the bridge (a local POST) is bounded, so that shutdown is. */
export const NOTIFY_MS = 10_000;

// ---- answers ----------------------------------------------------------------------------------------

/**
 * Retry window for an answer the relay may have taken. Before a new message for the call can be queued
 * (and with it a new slot a retry would fill), the caller must speak — even barging in on the first
 * syllable — and Twilio must detect the end of that speech and post it: well over a second. (The
 * sandbox's simulated caller needs 1.5 s of phone time to say anything.)
 */
export const RETRY_WINDOW_MS = 1_000;
/** One `respond` attempt (the relay answers it in milliseconds when healthy). */
export const RESPOND_ATTEMPT_TIMEOUT_MS = 5_000;
/** Backoff between `respond` attempts: answers are urgent, so short and capped low. */
export const RESPOND_BACKOFF = { baseMs: 100, capMs: 2_000 } as const;
/**
 * Longest wait for the relay queue to be shown empty (a repost, a sweep's apology). With several calls
 * talking it is seldom empty for a whole poll; past this, the apology goes out if polls keep coming back.
 */
export const QUIET_WAIT_MS = 30_000;

// ---- sweeps -----------------------------------------------------------------------------------------

/** History sweep: in-progress calls that started this recently may hold a swallowed message. */
export const SWEEP_WINDOW_MS = 10 * 60_000;
/**
 * Restart sweep: a call whose last turn the previous process answered this recently gets its apology only
 * once that answer has surely been spoken — not at once, nor never (the orphaned poll may have taken the
 * caller's next message).
 */
export const ANSWERED_RECENTLY_MS = 30_000;
/**
 * Lost-poll sweep: a posted answer sits in the slot until the caller's next `/poll` (at most one filler,
 * FILLER_SPEECH_MS) and then takes a few seconds to say; an apology before then would replace it.
 */
export const SETTLE_MS = 5_000;
/** An apology is worth posting this long after the sweep decides on it. */
export const APOLOGY_USEFUL_MS = 30_000;
/** While the poll loop is unhealthy a sweep looks again this often, so the first healthy moment is not missed. */
export const DRAIN_RECHECK_MS = 1_000;
/**
 * Reading `GET /calls/history` for a sweep: tried only while the relay is reachable (polls come back),
 * at most this many times, then the sweep goes on without it (an outage does not use up the tries).
 */
export const HISTORY_ATTEMPTS = 6;
export const HISTORY_BACKOFF = { baseMs: 500, capMs: 4_000 } as const;

// ---- shutdown ---------------------------------------------------------------------------------------

/** Grace = poll timeout + this: the open poll returns, then what it brought and what is in flight is answered. */
export const GRACE_AFTER_POLL_MS = 5_000;
/** Agents still busy this long before the grace ends get the fallback answer: time to post it. */
export const FALLBACK_BEFORE_END_MS = 2_500;
/** Posting stops this long before the grace ends: time to close the pools and exit. */
export const LAST_POST_BEFORE_END_MS = 500;
/** After a hard stop, turns and sweeps get this long to notice their aborted signals. */
export const FINAL_DRAIN_MS = 1_000;
/** `--replace` waits for the old listener's grace plus this before SIGKILL. */
export const REPLACE_MARGIN_MS = 5_000;
/** Closing the relay client's sockets at exit: requests still open after this are destroyed. */
export const RELAY_CLOSE_MS = 1_000;

// ---- agents -----------------------------------------------------------------------------------------

/** HTTP agent sockets: the per-turn signal is the deadline; these only catch a peer gone silent. */
export const BRIDGE_HTTP = {
  keepAliveMs: 4_000,
  bodyTimeoutMs: 30_000,
  connectTimeoutMs: 5_000,
  /** At exit, requests still open after this are destroyed. */
  closeMs: 2_000,
} as const;
/** CLI agent: SIGTERM to the process group at the deadline, SIGKILL this long after. */
export const CLI_KILL_GRACE_MS = 1_500;

// ---- one run ----------------------------------------------------------------------------------------

export interface TimingInputs {
  /** `CLAWCALL_POLL_TIMEOUT_S`: how long the relay holds a poll (in phone seconds on the sandbox). */
  pollTimeoutS: number;
  /** Agent deadline for user-facing turns, ms (see `turnDeadlineMs`); DEFAULT_TURN_MS if unset. */
  turnMs?: number | undefined;
  /** How much faster than real time the relay's phone runs: the sandbox's time scale, 1 for the real relay. */
  phoneTimeScale?: number | undefined;
  /** Shutdown grace override, ms. */
  graceMs?: number | undefined;
}

export interface TurnBudgets {
  /** Agent deadline for user-facing turns (caller speech, scheduled openings), ms from receipt. */
  turnMs: number;
  /** Agent deadline for third-party turns: the relay speaks a filler as us at 12 s. */
  thirdPartyMs: number;
  /** After this a third-party answer is useless (a later one lands in the next turn). */
  thirdPartyUsefulMs: number;
  /** After this a user-facing answer is not worth posting any more. */
  usefulMs: number;
  /** Deadline for handing a completion to the bridge. */
  notifyMs: number;
}

/** The numbers a sweep runs with (phone-time rules already scaled). */
export interface SweepTimings {
  slotLifetimeMs: number;
  /** Leave calls answered this recently until their answer is spoken: restart and lost-poll values. */
  settleMs: { restart: number; poll_lost: number };
  quietWaitMs: number;
  sweepWindowMs: number;
  apologyUsefulMs: number;
  drainRecheckMs: number;
}

export interface ListenerTimings {
  /** The poll hold we ask for, ms. */
  pollMs: number;
  /** A poll back within this of being sent is healthy (unscaled: the sandbox may not scale its polls). */
  pollReturnedMs: number;
  /** How long the previous process's last poll stays open on the relay after it died (phone time). */
  orphanedPollMs: number;
  turns: TurnBudgets;
  retryWindowMs: number;
  attemptTimeoutMs: number;
  /** Never below two polls and a margin: the queue cannot be shown empty faster than that. */
  quietWaitMs: number;
  sweep: SweepTimings;
  shutdown: {
    graceMs: number;
    /** Offsets from the first signal. */
    fallbackAtMs: number;
    lastPostAtMs: number;
    pollCutAtMs: number;
    finalDrainMs: number;
  };
}

/** Agent deadline for user-facing turns. HTTP: a little past the bridge's own phone deadline. */
export function turnDeadlineMs(config: Config): number {
  const bridge = config.model.phoneTimeoutMs + BRIDGE_DEADLINE_MARGIN_MS;
  return config.listener.agentUrl ? bridge : Math.max(CLI_TURN_MIN_MS, bridge);
}

/** Grace the old listener gets from `--replace` before SIGKILL. */
export function replaceWaitMs(pollTimeoutS: number): number {
  return pollTimeoutS * 1000 + GRACE_AFTER_POLL_MS + REPLACE_MARGIN_MS;
}

/** A poll sent this long ago that has not come back is not healthy (unscaled: see ListenerTimings). */
export function pollReturnedMs(pollTimeoutS: number): number {
  return pollTimeoutS * 1000 + POLL_RETURN_MARGIN_MS;
}

/** Divides phone-time rules by the sandbox's time scale (1, or an invalid scale, leaves them as they are). */
function phoneTime(scale: number | undefined): (ms: number) => number {
  const s = scale && scale > 0 ? scale : 1;
  return (ms) => ms / s;
}

export function turnBudgets(i: Pick<TimingInputs, "turnMs" | "phoneTimeScale"> = {}): TurnBudgets {
  const phone = phoneTime(i.phoneTimeScale);
  return {
    turnMs: i.turnMs ?? DEFAULT_TURN_MS,
    thirdPartyMs: phone(AGENT_WAIT_MS - THIRD_PARTY_POST_MARGIN_MS),
    thirdPartyUsefulMs: phone(AGENT_WAIT_MS - THIRD_PARTY_LAST_POST_MARGIN_MS),
    usefulMs: USEFUL_ANSWER_MS,
    notifyMs: NOTIFY_MS,
  };
}

export function listenerTimings(i: TimingInputs): ListenerTimings {
  const phone = phoneTime(i.phoneTimeScale);
  const pollMs = i.pollTimeoutS * 1000;
  const graceMs = i.graceMs ?? pollMs + GRACE_AFTER_POLL_MS;
  const quietWaitMs = Math.max(phone(QUIET_WAIT_MS), 2 * pollMs + POLL_RETURN_MARGIN_MS);
  return {
    pollMs,
    pollReturnedMs: pollReturnedMs(i.pollTimeoutS),
    orphanedPollMs: phone(pollReturnedMs(i.pollTimeoutS)),
    turns: turnBudgets(i),
    retryWindowMs: phone(RETRY_WINDOW_MS),
    attemptTimeoutMs: RESPOND_ATTEMPT_TIMEOUT_MS,
    quietWaitMs,
    sweep: {
      slotLifetimeMs: phone(SLOT_TTL_MS),
      settleMs: { restart: phone(ANSWERED_RECENTLY_MS), poll_lost: phone(SETTLE_MS) },
      quietWaitMs,
      sweepWindowMs: SWEEP_WINDOW_MS,
      apologyUsefulMs: APOLOGY_USEFUL_MS,
      drainRecheckMs: DRAIN_RECHECK_MS,
    },
    shutdown: {
      graceMs,
      fallbackAtMs: graceMs - FALLBACK_BEFORE_END_MS,
      lastPostAtMs: graceMs - LAST_POST_BEFORE_END_MS,
      pollCutAtMs: Math.max(0, Math.min(pollMs + HUNG_POLL_MARGIN_MS, graceMs - FALLBACK_BEFORE_END_MS)),
      finalDrainMs: FINAL_DRAIN_MS,
    },
  };
}
