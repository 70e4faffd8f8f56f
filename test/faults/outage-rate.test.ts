/**
 * Issue 13 item 10: what the listener sends while the relay is down, and how soon it polls again once
 * the relay is back. During the outage only polls go out, each after the backoff's floor share of its
 * ceiling (no history reads or answers that can only fail); the first poll after the outage comes
 * within the backoff's cap. The measured rate and resume time are printed; the targets are in the
 * bench (bench/benchmarks/outage.js).
 */
import { afterAll, describe, expect, it } from "vitest";
import { POLL_BACKOFF } from "../../src/listener/timings.js";
import { closeOutageStacks, pollOpen, startOutageStack } from "./outage-stack.js";

const OUTAGE_MS = 10_000;
/** Timer and scheduling slack on a loaded machine (the listener, the proxy and the relay all run late). */
const SLACK_MS = 3_000;

afterAll(closeOutageStacks);

/** Ceiling of the n-th consecutive failure wait (0-based), as the listener's backoff draws it. */
const ceiling = (n: number) => Math.min(POLL_BACKOFF.capMs, POLL_BACKOFF.baseMs * 2 ** n);
const floorShare = (POLL_BACKOFF as { jitterFloor?: number }).jitterFloor ?? 0;

describe("relay outage", () => {
  it("while the relay is down only backed-off polls go out, and polling resumes within the backoff cap", async () => {
    const stack = await startOutageStack({ scale: 10, pollTimeoutS: 10 });
    const { rs, proxy } = stack;
    // A call in progress: what a sweep after a failed poll would look for.
    const { sid } = rs.sb.sim.startCall({ manual_silence: true });
    expect(await rs.sb.sim.waitFor(sid, "gather", { timeoutMs: 20_000 })).not.toBeNull();

    await pollOpen(proxy);
    const from = Date.now();
    proxy.outage(["html502", "reset_before"], { cutOpen: true });
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    proxy.endOutage();
    const to = Date.now();
    const deadline = to + 60_000;
    while (!proxy.polls(to).some((p) => p.forwarded) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));

    const during = proxy.log.filter((r) => r.t >= from && r.t < to);
    const resumeMs = (proxy.polls(to).find((p) => p.forwarded)?.t ?? Number.NaN) - to;
    const byEndpoint = Object.fromEntries(
      ["listen", "respond", "history", "other"].map((e) => [
        e,
        during.filter((r) => r.endpoint === e).length,
      ]),
    );
    console.log(
      `outage ${OUTAGE_MS} ms: ${during.length} requests (${((during.length * 1000) / OUTAGE_MS).toFixed(2)}/s) ${JSON.stringify(byEndpoint)}; polling again ${resumeMs} ms after it`,
    );

    expect(during.filter((r) => r.endpoint !== "listen").map((r) => r.path)).toEqual([]);
    // Every wait between two failed polls is at least the floor share of its ceiling.
    // From the poll the outage cut (failure 1) on: the gap after failure i is drawn under ceiling(i - 1).
    const polls = proxy.polls(0, to).filter((p) => (p.ended_t ?? to) >= from - 5);
    const short: string[] = [];
    for (let i = 1; i < polls.length; i++) {
      const prev = polls[i - 1]!;
      const gap = polls[i]!.t - (prev.ended_t ?? prev.t);
      if (gap < floorShare * ceiling(i - 1) - 50) short.push(`poll ${i}: ${gap} ms after failure ${i}`);
    }
    expect(short, short.join("\n")).toEqual([]);
    expect(resumeMs).toBeLessThanOrEqual(POLL_BACKOFF.capMs + SLACK_MS);
  }, 120_000);
});
