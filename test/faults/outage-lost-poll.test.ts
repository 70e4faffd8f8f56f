/**
 * Issue 13 item 1: a relay outage that cuts the open poll. The relay keeps holding that poll and pops
 * the caller's next utterance into it, so the message is lost (relay contract §4.1). The lost-poll
 * sweep must still run once the relay is back — not give up while it is down — so the caller hears an
 * answer or the apology, instead of fillers until the relay drops the call's slot.
 */
import { afterAll, describe, expect, it } from "vitest";
import { PHRASES } from "../../src/listener/speech.js";
import { closeOutageStacks, pollOpen, startOutageStack } from "./outage-stack.js";

/** Phone time 10× real time: the relay's slot lifetime (300 s) is 30 s here. */
const SCALE = 10;
const SLOT_MS = 300_000 / SCALE;
/** Longer than the old sweep's three history reads (~3.5 s), so it gave up before the relay came back. */
const OUTAGE_MS = 6_000;

afterAll(closeOutageStacks);

describe("an outage that cuts the open poll", () => {
  it("the caller whose utterance the dead poll swallowed hears an answer or the apology after the relay returns", async () => {
    const stack = await startOutageStack({ scale: SCALE, pollTimeoutS: 10 });
    const { rs, proxy } = stack;
    const sim = rs.sb.sim;
    const { sid } = sim.startCall({ manual_silence: true });
    expect(await sim.waitFor(sid, "gather", { timeoutMs: 20_000 })).not.toBeNull();
    // One normal turn first: the listener is polling and answering.
    let before = sim.call(sid).events!.length - 1;
    expect(sim.say(sid, "what time is it")).toEqual({ captured: true });
    expect(await sim.waitFor(sid, "answer_spoken", { after: before, timeoutMs: 20_000 })).not.toBeNull();
    expect(await sim.waitFor(sid, "gather", { after: before, timeoutMs: 20_000 })).not.toBeNull();

    await pollOpen(proxy);
    proxy.outage(["html502", "reset_before"], { cutOpen: true });
    before = sim.call(sid).events!.length - 1;
    expect(sim.say(sid, "what is your name")).toEqual({ captured: true });
    // The relay popped it into the poll whose client is gone: lost for good.
    const deadline = Date.now() + 10_000;
    while (!proxy.lostMessages().some((l) => l.callSid === sid) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(proxy.lostMessages().map((l) => l.callSid)).toEqual([sid]);

    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    proxy.endOutage();
    const backAt = Date.now();
    // As long as the relay holds the call's slot (after that no answer can reach the caller).
    const heard = await sim.waitFor(sid, "answer_spoken", { after: before, timeoutMs: SLOT_MS });
    console.log(
      `lost-poll outage: heard ${JSON.stringify(heard?.text)} ${Date.now() - backAt} ms after the relay returned`,
    );
    // OUTAGE_DEBUG=1: the call's events, the proxy's log and the listener's log, to read a failure.
    if (process.env.OUTAGE_DEBUG)
      console.log(
        JSON.stringify({ events: sim.call(sid).events, proxy: proxy.log, listener: stack.listener.logs }),
      );
    expect(heard, "the caller was left in the filler loop").not.toBeNull();
    expect(Object.values(PHRASES)).toContain(String(heard?.text));
  }, 120_000);
});
