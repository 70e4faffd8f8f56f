import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ClawcallError, DeadlineError } from "../../src/errors.js";
import {
  classifyRespondError,
  type DeliverRequest,
  Responder,
  type ResponderOptions,
} from "../../src/listener/responder.js";
import { PHRASES } from "../../src/listener/speech.js";
import { type Clock, realClock } from "../../src/util/clock.js";
import { captureLogger, errors, ScriptedRelayPort, SID_A } from "../helpers/listener-fakes.js";

describe("classifyRespondError", () => {
  it("sorts failures by what they say about delivery", () => {
    expect(classifyRespondError(errors.refused("respond"))).toBe("not_sent");
    expect(classifyRespondError(errors.http(429, "respond"))).toBe("not_sent");
    expect(classifyRespondError(errors.reset("respond"))).toBe("ambiguous");
    expect(classifyRespondError(errors.html502("respond"))).toBe("ambiguous");
    expect(classifyRespondError(errors.http(500, "respond"))).toBe("ambiguous");
    expect(classifyRespondError(new DeadlineError("relay respond", 5000))).toBe("ambiguous");
    expect(classifyRespondError(errors.http(404, "respond"))).toBe("gone");
    expect(classifyRespondError(errors.http(400, "respond"))).toBe("rejected");
    expect(classifyRespondError(errors.http(401, "respond"))).toBe("key_rejected");
    expect(classifyRespondError(new ClawcallError("E_INVALID_CALL_SID", "bad"))).toBe("rejected");
  });
});

describe("Responder", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup(
    opts: {
      quiet?: (since: number) => Promise<boolean>;
      relayDown?: () => boolean;
      waitForReturn?: (signal?: AbortSignal) => Promise<boolean>;
      pollLostSince?: (since: number) => boolean;
      clock?: Clock;
    } = {},
  ) {
    const relay = new ScriptedRelayPort();
    const { logger, lines } = captureLogger();
    const quietCalls: number[] = [];
    const responder = new Responder({
      relay,
      clock: opts.clock ?? realClock,
      logger,
      waitForQuiet: async (since) => {
        quietCalls.push(since);
        return opts.quiet ? opts.quiet(since) : true;
      },
      retryWindowMs: 2_000,
      random: () => 0.999,
      ...(opts.relayDown ? { relayDown: opts.relayDown } : {}),
      ...(opts.waitForReturn ? { waitForReturn: opts.waitForReturn } : {}),
      ...(opts.pollLostSince ? { pollLostSince: opts.pollLostSince } : {}),
    });
    let current = true;
    const req = (over: Partial<DeliverRequest> = {}): DeliverRequest => ({
      callSid: SID_A,
      text: "the answer",
      endCall: false,
      usefulUntil: Date.now() + 60_000,
      isCurrent: () => current,
      ...over,
    });
    return { relay, responder, lines, req, quietCalls, supersede: () => (current = false) };
  }

  it("posts once with a real boolean end_call", async () => {
    const { relay, responder, req } = setup();
    await expect(responder.deliver(req({ endCall: true }))).resolves.toBe("delivered");
    expect(relay.responds).toEqual([
      expect.objectContaining({ sid: SID_A, text: "the answer", endCall: true }),
    ]);
  });

  it("404: the call is gone, dropped without retry; 400: logged at error, no retry", async () => {
    const a = setup();
    a.relay.respondScript = [errors.http(404, "respond")];
    await expect(a.responder.deliver(a.req())).resolves.toBe("gone");
    expect(a.lines.find((l) => l.msg?.toString().includes("gone"))?.level).toBe(30);
    const b = setup();
    b.relay.respondScript = [errors.http(400, "respond")];
    await expect(b.responder.deliver(b.req())).resolves.toBe("rejected");
    expect(b.lines.some((l) => l.level === 50)).toBe(true);
    expect(a.relay.responds.length + b.relay.responds.length).toBe(0);
  });

  it("retries an ambiguous failure (reset after the relay may have stored it) inside the window", async () => {
    const { relay, responder, req, quietCalls } = setup();
    relay.respondScript = [errors.reset("respond"), errors.html502("respond")];
    const p = responder.deliver(req());
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(p).resolves.toBe("delivered");
    expect(relay.responds.length).toBe(1);
    expect(relay.responds[0]!.at).toBeLessThan(2_000 + (relay.responds[0]!.at - 1_000)); // inside window
    expect(quietCalls.length).toBe(0);
  });

  it("remembers when the attempt the relay took was sent (it stored the post after that)", async () => {
    const { relay, responder, req } = setup();
    const t0 = Date.now();
    expect(responder.postTakenSince(SID_A, t0)).toBe(false);
    relay.respondScript = [errors.reset("respond")];
    const p = responder.deliver(req());
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(p).resolves.toBe("delivered");
    // The retry was answered 200: stored no earlier than it was sent, whatever the first one did.
    const sentAt = relay.responds[0]!.at;
    expect(sentAt).toBeGreaterThan(t0);
    expect(responder.postTakenSince(SID_A, sentAt)).toBe(true);
    expect(responder.postTakenSince(SID_A, sentAt + 1)).toBe(false);
    // A post the relay did not take (the call is gone) proves nothing.
    relay.respondScript = [errors.http(404, "respond")];
    await vi.advanceTimersByTimeAsync(10);
    const later = Date.now();
    await expect(responder.deliver(req())).resolves.toBe("gone");
    expect(responder.postTakenSince(SID_A, later)).toBe(false);
  });

  it("a backoff sleep that overruns the window (a loaded machine): no blind retry, quiet first", async () => {
    // Every sleep ends 2.4 s late, as on a loaded machine: the 2 s window's first backoff (≤ 100 ms) ends
    // well past it. The first post may have been stored and spoken, the caller may have spoken again.
    const late: Clock = { now: realClock.now, sleep: (ms, signal) => realClock.sleep(ms + 2_400, signal) };
    const { relay, responder, req, quietCalls, lines } = setup({ clock: late });
    relay.respondScript = [errors.reset("respond")];
    const t0 = Date.now();
    const p = responder.deliver(req());
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(p).resolves.toBe("delivered");
    expect(quietCalls.length).toBe(1);
    expect(quietCalls[0]).toBeGreaterThanOrEqual(t0 + 2_000);
    expect(
      lines.some(
        (l) => l.msg === "the retry window ended during the backoff; posting again once the call is quiet",
      ),
    ).toBe(true);
    expect(relay.responds.length).toBe(1);
  });

  it("after the window it posts again only once the call is quiet", async () => {
    let release!: (q: boolean) => void;
    const s = setup({
      quiet: () =>
        new Promise<boolean>((r) => {
          release = r;
        }),
    });
    const t0 = Date.now();
    s.relay.respondScript = Array.from({ length: 6 }, () => errors.reset("respond"));
    const p = s.responder.deliver(s.req());
    // Backoff ceilings 100, 200, 400, 800 ms (random ≈ 1): attempts at 0, 99, 298, 697, 1496; the
    // next wait (1599) would end past the 2 s window, so it waits for quiet instead of retrying blind.
    await vi.advanceTimersByTimeAsync(1_500);
    expect(s.quietCalls.length).toBe(0);
    await vi.advanceTimersByTimeAsync(1_700);
    expect(s.quietCalls.length).toBe(1);
    expect(s.relay.responds.length).toBe(0);
    release(true);
    // The quiet attempt fails too (6th scripted error): it backs off and waits for quiet again.
    await vi.advanceTimersByTimeAsync(2_100);
    expect(s.quietCalls.length).toBe(2);
    release(true);
    await expect(p).resolves.toBe("delivered");
    expect(s.relay.responds.length).toBe(1);
    expect(Date.now() - t0).toBeGreaterThan(2_000);
  });

  it("a poll that may have swallowed the caller's next words failed after the answer may have been stored: quiet, but the apology goes instead", async () => {
    const t0 = Date.now();
    let lostAt: number | undefined;
    const s = setup({ pollLostSince: (since) => lostAt !== undefined && lostAt >= since });
    s.relay.respondScript = Array.from({ length: 5 }, () => errors.reset("respond"));
    // The caller heard the stored answer, spoke, and a cut poll took those words.
    lostAt = t0 + 50;
    const p = s.responder.deliver(s.req());
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(p).resolves.toBe("delivered");
    expect(s.relay.responds.map((r) => r.text)).toEqual([PHRASES.lostTrain]);

    // A lost poll before the first attempt says nothing about this answer: it is posted as it is.
    const b = setup({ pollLostSince: (since) => t0 - 1_000 >= since });
    b.relay.respondScript = Array.from({ length: 5 }, () => errors.reset("respond"));
    const q = b.responder.deliver(b.req());
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(q).resolves.toBe("delivered");
    expect(b.relay.responds.map((r) => r.text)).toEqual(["the answer"]);
  });

  it("quiet never shown (a busy relay): after the bound the caller gets the apology, not the possibly-stale answer", async () => {
    const relay = new ScriptedRelayPort();
    const responder = new Responder({
      relay,
      clock: realClock,
      logger: captureLogger().logger,
      waitForQuiet: (_since, signal) =>
        new Promise<boolean>((resolve) =>
          signal?.addEventListener("abort", () => resolve(false), { once: true }),
        ),
      retryWindowMs: 1_000,
      quietWaitMs: 30_000,
      random: () => 0.999,
    });
    relay.respondScript = [
      errors.reset("respond"),
      errors.reset("respond"),
      errors.reset("respond"),
      errors.reset("respond"),
    ];
    const p = responder.deliver({
      callSid: SID_A,
      text: "the answer",
      endCall: true,
      usefulUntil: Date.now() + 120_000,
      isCurrent: () => true,
    });
    await vi.advanceTimersByTimeAsync(29_000);
    expect(relay.responds.length).toBe(0);
    await vi.advanceTimersByTimeAsync(3_000);
    await expect(p).resolves.toBe("delivered");
    expect(relay.responds).toEqual([expect.objectContaining({ text: PHRASES.lostTrain, endCall: false })]);
  });

  /**
   * A delivery whose four resets use up a 1 s retry window, so it waits for the call to be shown
   * quiet (bounded at 10 s) through the given probe and poll health.
   */
  function pastTheWindow(o: {
    waitForQuiet: ResponderOptions["waitForQuiet"];
    pollHealthy: () => boolean;
    isCurrent?: () => boolean;
  }) {
    const relay = new ScriptedRelayPort();
    const responder = new Responder({
      relay,
      clock: realClock,
      logger: captureLogger().logger,
      waitForQuiet: o.waitForQuiet,
      retryWindowMs: 1_000,
      quietWaitMs: 10_000,
      pollHealthy: o.pollHealthy,
      random: () => 0.999,
    });
    relay.respondScript = Array.from({ length: 4 }, () => errors.reset("respond"));
    const p = responder.deliver({
      callSid: SID_A,
      text: "the answer",
      endCall: false,
      usefulUntil: Date.now() + 120_000,
      isCurrent: o.isCurrent ?? (() => true),
    });
    return { relay, p };
  }

  it("with the poll stuck the apology fallback waits: a newer message may sit in the relay queue", async () => {
    let healthy = false;
    const { relay, p } = pastTheWindow({
      waitForQuiet: (_since, signal) =>
        new Promise<boolean>((resolve) =>
          signal?.addEventListener("abort", () => resolve(false), { once: true }),
        ),
      pollHealthy: () => healthy,
    });
    await vi.advanceTimersByTimeAsync(35_000);
    expect(relay.responds.length).toBe(0); // three quiet bounds passed, but no poll came back
    healthy = true;
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(p).resolves.toBe("delivered");
    expect(relay.responds).toEqual([expect.objectContaining({ text: PHRASES.lostTrain })]);
  });

  it("a quiet probe that answers at once (the source stopped) is paced, not spun until the answer expires", async () => {
    let probes = 0;
    let current = true;
    const { relay, p } = pastTheWindow({
      // What PollSource.waitForQuiet does once it has stopped: false, at once.
      waitForQuiet: async () => {
        probes++;
        // Without pacing this is a microtask loop: fake time never moves, so end it here.
        if (probes >= 200) current = false;
        return false;
      },
      pollHealthy: () => false,
      isCurrent: () => current,
    });
    await vi.advanceTimersByTimeAsync(20_000);
    // Paced by the respond backoff (at most 2 s): some ten probes in 20 s, not hundreds in no time.
    expect(probes).toBeLessThan(30);
    current = false;
    await vi.advanceTimersByTimeAsync(3_000);
    await expect(p).resolves.toBe("superseded");
    expect(relay.responds.length).toBe(0);
  });

  it("never posts once a newer message for the call has arrived", async () => {
    const { relay, responder, req, supersede } = setup();
    relay.respondScript = [errors.reset("respond")];
    const p = responder.deliver(req());
    supersede();
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(p).resolves.toBe("superseded");
    expect(relay.responds.length).toBe(0);
  });

  it("a newer message during the quiet wait stops it", async () => {
    let release!: (q: boolean) => void;
    const s = setup({
      quiet: () =>
        new Promise<boolean>((r) => {
          release = r;
        }),
    });
    s.relay.respondScript = Array.from({ length: 5 }, () => errors.html502("respond"));
    const p = s.responder.deliver(s.req());
    await vi.advanceTimersByTimeAsync(3_200);
    expect(s.quietCalls.length).toBe(1);
    s.supersede();
    release(true);
    await expect(p).resolves.toBe("superseded");
    expect(s.relay.responds.length).toBe(0);
  });

  it("not-sent failures (refused, 429) retry past the window while useful; 429 waits its Retry-After", async () => {
    const { relay, responder, req, quietCalls } = setup();
    relay.respondScript = [
      errors.refused("respond"),
      errors.http(429, "respond", 3_000),
      errors.refused("respond"),
    ];
    const p = responder.deliver(req());
    await vi.advanceTimersByTimeAsync(2_999);
    expect(relay.responds.length).toBe(0);
    await vi.advanceTimersByTimeAsync(500);
    await expect(p).resolves.toBe("delivered");
    expect(quietCalls.length).toBe(0);
  });

  it("not taken while polls fail too: waits for the relay to come back instead of retrying blind", async () => {
    let down = true;
    let comeBack!: () => void;
    const back = new Promise<boolean>((r) => {
      comeBack = () => {
        down = false;
        r(true);
      };
    });
    const { relay, responder, req } = setup({ relayDown: () => down, waitForReturn: () => back });
    let refused = 0;
    relay.respondScript = [
      async () => {
        refused++;
        throw errors.refused("respond");
      },
    ];
    const p = responder.deliver(req());
    await vi.advanceTimersByTimeAsync(30_000);
    expect(refused).toBe(1);
    expect(relay.responds).toEqual([]);
    comeBack();
    await expect(p).resolves.toBe("delivered");
    expect(relay.responds).toHaveLength(1);
  });

  it("gives up when the answer stops being useful (third-party 12 s rule)", async () => {
    const { relay, responder, req } = setup();
    relay.respondScript = Array.from({ length: 50 }, () => errors.refused("respond"));
    const p = responder.deliver(req({ usefulUntil: Date.now() + 3_000 }));
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(p).resolves.toBe("expired");
    expect(relay.responds.length).toBe(0);
  });

  it("a hung respond is cut by the per-attempt timeout and counts as ambiguous", async () => {
    const { relay, responder, req, quietCalls } = setup();
    relay.respondScript = [() => new Promise<void>(() => {})];
    const p = responder.deliver(req());
    await vi.advanceTimersByTimeAsync(5_000);
    await vi.advanceTimersByTimeAsync(2_000);
    await expect(p).resolves.toBe("delivered");
    expect(quietCalls.length).toBe(1); // 5 s in: past the window, so only once quiet
  });
});
