/**
 * A caller who hangs up says nothing to the bridge: the call left `activeCalls` only when its 5-minute
 * slot ran out (a newcomer saw "10 active calls" after ten finished `clawcall say` calls). The bridge
 * now reads the relay's history once a call has been quiet a while and ends the finished ones. In
 * process, with the bridge's clock pinned and a sandbox relay.
 */
import { afterEach, describe, expect, it } from "vitest";
import { SLOT_TTL_MS } from "../../src/relay/deadlines.js";
import { createRelayClient } from "../../src/relay/index.js";
import { hits, type RunningSandbox, seedOwnerCalls, startSandbox } from "../helpers/sandbox.js";
import { closeBridgesAfterEach, testBridge } from "./in-process.js";

closeBridgesAfterEach();
const sandboxes: RunningSandbox[] = [];
afterEach(async () => {
  await Promise.all(sandboxes.splice(0).map((s) => s.close()));
});

const DONE = `CA${"7".repeat(32)}`;
const LIVE = `CA${"8".repeat(32)}`;

describe("calls that ended", () => {
  it("leave activeCalls once quiet and the relay's history shows them over; live ones stay", async () => {
    const relay = await startSandbox();
    sandboxes.push(relay);
    const acc = relay.sb.sim.addAccount({
      email: "me@example.com",
      phone_number: "+14155550100",
      tier: "pro",
    });
    seedOwnerCalls(relay.sb, [DONE, LIVE], acc.agent_id);
    const clock = { now: Date.UTC(2030, 2, 4, 9, 15) };
    const client = createRelayClient({ apiUrl: relay.url, apiKey: acc.api_key });
    const bridge = testBridge({ CLAWCALL_TIMEZONE: "UTC" }, { relay: client, now: () => clock.now });
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
