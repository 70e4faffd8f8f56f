import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import {
  BRIDGE_DEADLINE_MARGIN_MS,
  DEFAULT_PHONE_TIMEOUT_MS,
  DEFAULT_TURN_MS,
  FALLBACK_BEFORE_END_MS,
  listenerTimings,
  MAX_PHONE_TIMEOUT_MS,
  POLL_RETURN_MARGIN_MS,
  replaceWaitMs,
  SETTLE_MS,
  THIRD_PARTY_POST_MARGIN_MS,
  turnDeadlineMs,
  USEFUL_ANSWER_MS,
} from "../../src/listener/timings.js";
import {
  AGENT_WAIT_MS,
  FILLER_INTERVAL_MS,
  FILLER_SPEECH_MS,
  LISTEN_MAX_TIMEOUT_S,
  LISTEN_READ_MARGIN_MS,
  SLOT_TTL_MS,
} from "../../src/relay/deadlines.js";

const config = (env: Record<string, string>) => loadConfig({ env, dotenv: false });

describe("listener timings", () => {
  it("third-party turns fit inside the relay's 12 s wait: the agent stops first, the last post after", () => {
    const t = listenerTimings({ pollTimeoutS: 10 }).turns;
    expect(t.thirdPartyMs).toBe(10_500);
    expect(t.thirdPartyUsefulMs).toBe(11_500);
    expect(t.thirdPartyMs).toBeLessThan(t.thirdPartyUsefulMs);
    expect(t.thirdPartyUsefulMs).toBeLessThan(AGENT_WAIT_MS);
  });

  it("a user-facing answer stays worth posting through many fillers, never past the slot lifetime", () => {
    expect(USEFUL_ANSWER_MS / FILLER_INTERVAL_MS).toBeGreaterThan(10);
    expect(USEFUL_ANSWER_MS).toBeLessThan(SLOT_TTL_MS);
    // The lost-poll settle time covers the filler an answer may wait behind, and then some.
    expect(SETTLE_MS).toBeGreaterThan(FILLER_SPEECH_MS);
  });

  it("phone-time rules divide by the sandbox's time scale; transport bounds and an invalid scale do not", () => {
    const real = listenerTimings({ pollTimeoutS: 10 });
    const fast = listenerTimings({ pollTimeoutS: 10, phoneTimeScale: 20 });
    expect(fast.retryWindowMs).toBe(real.retryWindowMs / 20);
    expect(fast.turns.thirdPartyMs).toBe(real.turns.thirdPartyMs / 20);
    expect(fast.sweep.slotLifetimeMs).toBe(SLOT_TTL_MS / 20);
    expect(fast.sweep.settleMs.restart).toBe(real.sweep.settleMs.restart / 20);
    expect(fast.orphanedPollMs).toBe(real.orphanedPollMs / 20);
    expect(fast.attemptTimeoutMs).toBe(real.attemptTimeoutMs);
    expect(fast.turns.usefulMs).toBe(real.turns.usefulMs);
    expect(fast.pollReturnedMs).toBe(real.pollReturnedMs);
    expect(listenerTimings({ pollTimeoutS: 10, phoneTimeScale: 0 })).toEqual(real);
  });

  it("never gives up on quiet before two polls could have shown it", () => {
    const t = listenerTimings({ pollTimeoutS: 25, phoneTimeScale: 50 });
    expect(t.quietWaitMs).toBe(2 * 25_000 + POLL_RETURN_MARGIN_MS);
    expect(t.sweep.quietWaitMs).toBe(t.quietWaitMs);
    expect(listenerTimings({ pollTimeoutS: 1 }).quietWaitMs).toBe(30_000);
  });

  it("a poll is counted late before the client's read timeout would cut it", () => {
    for (let s = 1; s <= LISTEN_MAX_TIMEOUT_S; s++) {
      const t = listenerTimings({ pollTimeoutS: s });
      expect(t.pollReturnedMs).toBeGreaterThan(t.pollMs);
      expect(t.pollReturnedMs).toBeLessThan(t.pollMs + LISTEN_READ_MARGIN_MS);
      expect(t.shutdown.pollCutAtMs).toBeLessThan(t.pollMs + LISTEN_READ_MARGIN_MS);
    }
  });

  it("shutdown: the open poll may finish, fallbacks go out, posting stops, all inside the grace", () => {
    const s = listenerTimings({ pollTimeoutS: 10 }).shutdown;
    expect(s.graceMs).toBe(15_000);
    expect(s.pollCutAtMs).toBeGreaterThan(10_000);
    expect(s.pollCutAtMs).toBeLessThanOrEqual(s.fallbackAtMs);
    expect(s.fallbackAtMs).toBeLessThan(s.lastPostAtMs);
    expect(s.lastPostAtMs).toBeLessThan(s.graceMs);
    // A short grace cuts the poll when the agents are cut, never at a negative time.
    const short = listenerTimings({ pollTimeoutS: 10, graceMs: 2_000 }).shutdown;
    expect(short.pollCutAtMs).toBe(0);
    expect(listenerTimings({ pollTimeoutS: 10, graceMs: 6_000 }).shutdown.pollCutAtMs).toBe(
      6_000 - FALLBACK_BEFORE_END_MS,
    );
    // --replace outwaits the old listener's grace.
    expect(replaceWaitMs(10)).toBeGreaterThan(s.graceMs);
  });

  it("turn deadline: the bridge's phone deadline plus a margin; CLI mode at least 90 s", () => {
    const http = config({ CLAWCALL_AGENT_URL: "http://127.0.0.1:4747" });
    expect(turnDeadlineMs(http)).toBe(DEFAULT_TURN_MS);
    expect(listenerTimings({ pollTimeoutS: 10 }).turns.turnMs).toBe(DEFAULT_TURN_MS);
    const slow = config({ CLAWCALL_AGENT_URL: "http://127.0.0.1:4747", CLAWCALL_PHONE_TIMEOUT_MS: "11000" });
    expect(turnDeadlineMs(slow)).toBe(16_000);
    expect(turnDeadlineMs(config({}))).toBe(90_000);
    expect(turnDeadlineMs(config({ CLAWCALL_PHONE_TIMEOUT_MS: String(MAX_PHONE_TIMEOUT_MS) }))).toBe(90_000);
  });

  it("the bridge's default phone deadline is on the relay before its first filler", () => {
    expect(DEFAULT_PHONE_TIMEOUT_MS).toBe(AGENT_WAIT_MS - THIRD_PARTY_POST_MARGIN_MS);
    expect(MAX_PHONE_TIMEOUT_MS).toBeLessThan(AGENT_WAIT_MS);
    expect(DEFAULT_TURN_MS).toBe(DEFAULT_PHONE_TIMEOUT_MS + BRIDGE_DEADLINE_MARGIN_MS);
  });
});
