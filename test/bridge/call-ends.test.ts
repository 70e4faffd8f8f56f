/**
 * A caller who hangs up says nothing to the bridge: the call left `activeCalls` only when its 5-minute
 * slot ran out (a newcomer saw "10 active calls" after ten finished `clawcall say` calls). The bridge
 * now reads the relay's history once a call has been quiet a while and ends the finished ones. In
 * process, with the bridge's clock pinned and a sandbox relay.
 */
import { describe, expect, it } from "vitest";
import { SLOT_TTL_MS } from "../../src/relay/deadlines.js";
import { hits } from "../helpers/sandbox.js";
import { closeBridgesAfterEach, ownerBridgeOnSandbox } from "./in-process.js";

closeBridgesAfterEach();
const DONE = `CA${"7".repeat(32)}`;
const LIVE = `CA${"8".repeat(32)}`;

describe("calls that ended", () => {
  it("leave activeCalls once quiet and the relay's history shows them over; live ones stay", async () => {
    const { relay, clock, bridge } = await ownerBridgeOnSandbox([DONE, LIVE]);
    for (const call_sid of [DONE, LIVE]) await bridge.handleMessage({ call_sid, message: "what time is it" });
    expect(bridge.conversations.activeCount(SLOT_TTL_MS)).toBe(2);

    // The first caller hangs up: the relay's history says so, the bridge hears nothing.
    const row = relay.sb.core.store.t.call_logs.find((c) => c.twilio_call_sid === DONE)!;
    row.status = "completed";
    const reads = () => hits(relay.sb, "GET", "/api/v1/calls/history").length;
    const before = reads();
    clock.now += 5_000;
    await bridge.deliveries.sweepEnded();
    expect(reads()).toBe(before); // nobody quiet long enough: no read
    expect(bridge.conversations.activeCount(SLOT_TTL_MS)).toBe(2);

    clock.now += 20_000;
    await bridge.deliveries.sweepEnded();
    expect(reads()).toBe(before + 1);
    expect(bridge.conversations.activeCount(SLOT_TTL_MS)).toBe(1);
  });
});
