/**
 * The minutes answer after a call was charged: the account is read again when a caller asks about
 * minutes and the copy is more than a few seconds old (a newcomer heard "120 left" right after
 * `clawcall account` said 111). In process, with the bridge's clock pinned and a sandbox relay.
 */
import { describe, expect, it } from "vitest";
import { closeBridgesAfterEach, ownerBridgeOnSandbox } from "./in-process.js";

closeBridgesAfterEach();

const ASK = { call_sid: `CA${"6".repeat(32)}`, message: "how many minutes do I have left" };

describe("minutes left", () => {
  it("are read again when asked and the copy is older than 5 s, not before", async () => {
    const { relay, acc, clock, bridge } = await ownerBridgeOnSandbox([ASK.call_sid]);
    await bridge.context.refreshAll();
    expect((await bridge.handleMessage(ASK)).response).toBe(
      "You have 120 minutes left this month, out of 120.",
    );

    // A call ends and is charged 9 minutes.
    relay.sb.sim.setTier({ email: acc.email, tier: "pro", minutes_used: 9 });
    clock.now += 2_000;
    expect((await bridge.handleMessage(ASK)).response).toBe(
      "You have 120 minutes left this month, out of 120.",
    );
    clock.now += 4_000;
    expect((await bridge.handleMessage(ASK)).response).toBe(
      "You have 111 minutes left this month, out of 120.",
    );
  });
});
