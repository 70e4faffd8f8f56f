/**
 * The minutes answer after a call was charged: the account is read again when a caller asks about
 * minutes and the copy is more than a few seconds old (a newcomer heard "120 left" right after
 * `clawcall account` said 111). In process, with the bridge's clock pinned and a sandbox relay.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createRelayClient } from "../../src/relay/index.js";
import { type RunningSandbox, seedOwnerCalls, startSandbox } from "../helpers/sandbox.js";

const sandboxes: RunningSandbox[] = [];
afterEach(async () => {
  await Promise.all(sandboxes.splice(0).map((s) => s.close()));
});

import { closeBridgesAfterEach, testBridge } from "./in-process.js";

closeBridgesAfterEach();

const ASK = { call_sid: `CA${"6".repeat(32)}`, message: "how many minutes do I have left" };

describe("minutes left", () => {
  it("are read again when asked and the copy is older than 5 s, not before", async () => {
    const relay = await startSandbox();
    sandboxes.push(relay);
    const acc = relay.sb.sim.addAccount({
      email: "me@example.com",
      phone_number: "+14155550100",
      tier: "pro",
    });
    seedOwnerCalls(relay.sb, [ASK.call_sid], acc.agent_id);
    const clock = { now: Date.UTC(2030, 2, 4, 9, 15) };
    const client = createRelayClient({ apiUrl: relay.url, apiKey: acc.api_key });
    const bridge = testBridge({ CLAWCALL_TIMEZONE: "UTC" }, { relay: client, now: () => clock.now });
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
