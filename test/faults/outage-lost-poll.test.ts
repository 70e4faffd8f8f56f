/**
 * Issue 13 item 1: a relay outage that cuts the open poll. The relay keeps holding that poll and pops
 * the caller's next utterance into it, so the message is lost (relay contract §4.1). The lost-poll
 * sweep must still run once the relay is back — not give up while it is down — so the caller hears an
 * answer or the apology, instead of fillers until the relay drops the call's slot. If the outage also
 * cut the post of the answer the caller had just heard, that answer must not be posted again into the
 * swallowed turn's slot (the caller would hear it as the answer to what they said next).
 */
import { afterAll, describe, expect, it } from "vitest";
import { PHRASES } from "../../src/listener/speech.js";
import type { CallEvent } from "../../src/sandbox/index.js";
import type { ChaosProxy } from "./chaos-proxy.js";
import { closeOutageStacks, type OutageStack, pollOpen, startOutageStack } from "./outage-stack.js";

/** Phone time 10× real time: the relay's slot lifetime (300 s) is 30 s here. */
const SCALE = 10;
const SLOT_MS = 300_000 / SCALE;
/** Longer than the old sweep's three history reads (~3.5 s), so it gave up before the relay came back. */
const OUTAGE_MS = 6_000;

afterAll(closeOutageStacks);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A call that has had one normal turn: the listener is polling and answering. */
async function callAfterOneTurn(stack: OutageStack): Promise<string> {
  const sim = stack.rs.sb.sim;
  const { sid } = sim.startCall({ manual_silence: true });
  expect(await sim.waitFor(sid, "gather", { timeoutMs: 20_000 })).not.toBeNull();
  const before = sim.call(sid).events!.length - 1;
  expect(sim.say(sid, "hello")).toEqual({ captured: true });
  expect(await sim.waitFor(sid, "answer_spoken", { after: before, timeoutMs: 20_000 })).not.toBeNull();
  return sid;
}

/** The caller speaks into the poll the outage cut; resolves once the relay has popped it (lost). */
async function speakIntoCutPoll(stack: OutageStack, sid: string): Promise<number> {
  const { rs, proxy } = stack;
  const before = rs.sb.sim.call(sid).events!.length - 1;
  expect(rs.sb.sim.say(sid, "what is your name")).toEqual({ captured: true });
  const deadline = Date.now() + 10_000;
  while (!lost(proxy).includes(sid) && Date.now() < deadline) await sleep(50);
  expect(lost(proxy)).toEqual([sid]);
  return before;
}

const lost = (proxy: ChaosProxy) => proxy.lostMessages().map((l) => l.callSid);

/** Ends the outage after OUTAGE_MS; what the caller hears next, while the relay holds their slot. */
async function heardAfterOutage(stack: OutageStack, sid: string, before: number): Promise<CallEvent | null> {
  await sleep(OUTAGE_MS);
  stack.proxy.endOutage();
  const backAt = Date.now();
  const heard = await stack.rs.sb.sim.waitFor(sid, "answer_spoken", { after: before, timeoutMs: SLOT_MS });
  console.log(
    `lost-poll outage: heard ${JSON.stringify(heard?.text)} ${Date.now() - backAt} ms after the relay returned`,
  );
  // OUTAGE_DEBUG=1: the call's events, the proxy's log and the listener's log, to read a failure.
  if (process.env.OUTAGE_DEBUG)
    console.log(
      JSON.stringify({
        events: stack.rs.sb.sim.call(sid).events,
        proxy: stack.proxy.log,
        listener: stack.listener.logs,
      }),
    );
  return heard;
}

describe("an outage that cuts the open poll", () => {
  it("the caller whose utterance the dead poll swallowed hears the apology after the relay returns", async () => {
    const stack = await startOutageStack({ scale: SCALE, pollTimeoutS: 10 });
    const sid = await callAfterOneTurn(stack);
    await pollOpen(stack.proxy);
    stack.proxy.outage(["html502", "reset_before"], { cutOpen: true });
    const before = await speakIntoCutPoll(stack, sid);
    const heard = await heardAfterOutage(stack, sid, before);
    expect(heard, "the caller was left in the filler loop").not.toBeNull();
    expect(Object.values(PHRASES)).toContain(String(heard?.text));
  }, 120_000);

  it("an answer whose post the outage cut is not posted again into the swallowed turn", async () => {
    // The relay's reply to one answer's post is held back 3 s: the caller hears the answer meanwhile.
    const stack = await startOutageStack({
      scale: SCALE,
      pollTimeoutS: 10,
      chaos: {
        rate: 1,
        maxFaults: 1,
        only: /\/calls\/respond\//,
        weights: { delay: 1, drop: 0, reset_before: 0, reset_after: 0, truncate: 0, html502: 0 },
        delayMs: [3_000, 3_001],
      },
    });
    const sid = await callAfterOneTurn(stack);
    const sim = stack.rs.sb.sim;
    stack.proxy.setChaos(true);
    const before = sim.call(sid).events!.length - 1;
    expect(sim.say(sid, "what time is it")).toEqual({ captured: true });
    const answer = await sim.waitFor(sid, "answer_spoken", { after: before, timeoutMs: 20_000 });
    expect(answer).not.toBeNull();
    // The outage cuts the held post and the open poll; the caller's next words go into that poll.
    stack.proxy.outage(["html502", "reset_before"], { cutOpen: true });
    const next = await speakIntoCutPoll(stack, sid);
    const heard = await heardAfterOutage(stack, sid, next);
    expect(heard, "the caller was left in the filler loop").not.toBeNull();
    expect(heard?.text, "the earlier answer landed in the swallowed turn").not.toBe(answer?.text);
    expect(Object.values(PHRASES)).toContain(String(heard?.text));
  }, 120_000);
});
