/**
 * Issue 13, item 7: `activeCalls` in bridge.status.json counted a call for 10 minutes after its last
 * turn. A call that ends with `end_call` or a third-party completion leaves at once; any other leaves
 * once the relay's response slot would be gone (SLOT_TTL_MS after its last turn); `clawcall status`
 * shows the count. The bridge's clock is pinned and moved by the test.
 */
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { readBridgeStatus } from "../../src/bridge/contract.js";
import { SLOT_TTL_MS } from "../../src/relay/deadlines.js";
import { acquirePidLock } from "../../src/state/pidlock.js";
import { closeBridgesAfterEach, testBridge } from "../bridge/in-process.js";
import { runCli, tempCwd } from "../cli/run-cli.js";

closeBridgesAfterEach();

const T0 = Date.UTC(2030, 6, 1, 12, 0);
const CALLER_A = `CA${"a".repeat(32)}`;
const CALLER_B = `CA${"b".repeat(32)}`;
const THIRD_PARTY = `CA${"c".repeat(32)}`;
const JOB = "0b7c0a2e-1111-4222-8333-444455556666";

describe("active calls", () => {
  it("end_call and a third-party completion leave at once; the rest after the relay's slot lifetime", async () => {
    const clock = { now: T0 };
    const b = testBridge(
      { CLAWCALL_AGENT_NAME: "Pinchy", CLAWCALL_PHONE_MODEL_MODE: "off" },
      { now: () => clock.now, statusFile: true },
    );
    const stateDir = dirname(b.tasks.path);
    const active = () => {
      b.writeStatus();
      return readBridgeStatus(stateDir)?.activeCalls;
    };

    await b.handleMessage({ call_sid: CALLER_A, message: "what time is it" });
    await b.handleMessage({ call_sid: CALLER_B, message: "hello" });
    const opening = await b.handleMessage({
      call_sid: THIRD_PARTY,
      message: "[THIRD PARTY CALL] Objective: book a table for two. Context: tonight",
    });
    expect(active()).toBe(3);

    const bye = await b.handleMessage({ call_sid: CALLER_A, message: "goodbye" });
    expect(bye.end_call).toBe(true);
    expect(active()).toBe(2);

    const completion = JSON.stringify({
      job_id: JOB,
      status: "completed",
      transcript: [
        { role: "agent", text: opening.response },
        { role: "user", text: "Sure, seven o'clock works." },
      ],
    });
    const done = await b.handleMessage({
      call_sid: `notify-${JOB}`,
      message: `[THIRD PARTY COMPLETE] ${completion}`,
    });
    expect(done.kind).toBe("third_party_complete");
    expect(active()).toBe(1);

    clock.now = T0 + SLOT_TTL_MS - 1_000;
    expect(active()).toBe(1);
    clock.now = T0 + SLOT_TTL_MS + 1_000;
    expect(active()).toBe(0);

    // A new turn on an ended call brings it back.
    await b.handleMessage({ call_sid: CALLER_A, message: "one more thing, what day is it" });
    expect(active()).toBe(1);

    // `clawcall status` says how many.
    const lock = await acquirePidLock(stateDir, { name: "bridge", port: 0 });
    try {
      const s = await runCli(["status"], {
        cwd: tempCwd(),
        env: { CLAWCALL_STATE_DIR: stateDir, CLAWCALL_AGENT_PORT: "0" },
        now: () => clock.now,
      });
      expect(s.stdout).toMatch(/^bridge .* 1 active call( |$)/m);
    } finally {
      lock.release();
    }
  });
});
