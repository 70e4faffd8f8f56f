/**
 * Every fault the sandbox relay can inject, in front of `listen` and `respond`, with the listener as
 * a process: it keeps answering afterwards, never speaks an old answer into a newer turn, and never
 * polls faster than its backoff allows.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PHRASES } from "../../src/listener/speech.js";
import type { CallEvent } from "../../src/sandbox/index.js";
import {
  eventually,
  type FakeBridge,
  killAll,
  listenerEnv,
  type RunningSandbox,
  removeTempDirs,
  startFakeBridge,
  startListener,
  startSandbox,
  tempDir,
} from "../helpers/listener-proc.js";

let rs: RunningSandbox | undefined;
let bridge: FakeBridge | undefined;
afterEach(async () => {
  await killAll();
  removeTempDirs();
  await rs?.close();
  await bridge?.close();
  rs = undefined;
  bridge = undefined;
});

const sim = () => rs!.sb.sim;
const events = (sid: string) => sim().call(sid).events as CallEvent[];
const stats = (endpoint: string) => sim().stats(endpoint);
const APOLOGIES = new Set<string>(Object.values(PHRASES));

async function setup(
  extraEnv: Record<string, string> = {},
  sandbox: Parameters<typeof startSandbox>[0] = {},
) {
  rs = await startSandbox(sandbox);
  bridge = await startFakeBridge(0);
  const l = await startListener(
    listenerEnv({
      CLAWCALL_API_URL: rs.url,
      CLAWCALL_AGENT_URL: bridge.url,
      CLAWCALL_STATE_DIR: join(tempDir(), "state"),
      CLAWCALL_SANDBOX_TIME_SCALE: String(rs.sb.core.timeScale),
      ...extraEnv,
    }),
  );
  return l;
}

async function newCall(): Promise<string> {
  const { sid } = sim().startCall({ manual_silence: true });
  expect(await sim().waitFor(sid, "gather", { timeoutMs: 10_000 })).not.toBeNull();
  return sid;
}

async function turn(sid: string, text: string, timeoutMs = 20_000): Promise<CallEvent> {
  const before = events(sid).length - 1;
  expect(sim().say(sid, text)).toEqual({ captured: true });
  const ans = await sim().waitFor(sid, "answer_spoken", { after: before, timeoutMs });
  expect(ans, `no answer to ${JSON.stringify(text)}`).not.toBeNull();
  return ans!;
}

/**
 * Every answer the caller heard is the answer to what they said just before it (or one of our
 * apologies): an old answer never lands in a newer turn.
 */
function assertAligned(sid: string) {
  let last: string | undefined;
  for (const e of events(sid)) {
    if (e.type === "caller_said") last = String(e.text);
    if (e.type === "answer_spoken") {
      const t = String(e.text);
      if (!APOLOGIES.has(t)) expect(t, "answer spoken into the wrong turn").toBe(`You said: ${last}`);
    }
  }
}

/** A few turns on a fresh call after the fault: the listener still answers, in order. */
async function stillAnswers(n = 2): Promise<string> {
  const sid = await newCall();
  for (let i = 0; i < n; i++)
    expect((await turn(sid, `after the fault ${i}`)).text).toBe(`You said: after the fault ${i}`);
  assertAligned(sid);
  return sid;
}

/** Gaps between the end of one poll and the start of the next, ms. */
function pollGaps(): number[] {
  const polls = stats("listen");
  return polls.slice(1).map((p, i) => p.t - (polls[i]!.ended_t ?? p.t));
}

describe("listener under relay faults (sandbox fault injection)", () => {
  it.each(["html502", "html500", "reset_before"] as const)(
    "listen %s ×4: backs off (no tight loop), then answers as before",
    async (kind) => {
      await setup();
      await eventually(() => stats("listen").length >= 1, 5_000);
      const t0 = Date.now();
      sim().addFault({ endpoint: "listen", kind, count: 4 });
      await eventually(() => stats("listen").filter((p) => p.fault === kind).length === 4, 30_000);
      // Full jitter under ceilings of 0.5, 1, 2, 4 s: far fewer polls than a tight loop would make.
      const during = stats("listen").filter((p) => p.t >= t0);
      expect(during.length).toBeLessThan(12);
      for (const g of pollGaps()) expect(g).toBeLessThan(31_000);
      await stillAnswers();
    },
  );

  it("listen latency: a slow relay is just slow", async () => {
    await setup();
    sim().addFault({ endpoint: "listen", kind: "latency", count: 3, latency_ms: 300 });
    await stillAnswers();
  });

  it("listen reset_after: the message popped into the dead socket is lost, and its caller hears the apology", async () => {
    const l = await setup();
    const sid = await newCall();
    expect((await turn(sid, "first question")).text).toBe("You said: first question");
    sim().addFault({ endpoint: "listen", kind: "reset_after", count: 1 });
    await eventually(
      () => stats("listen").some((p) => p.fault === "reset_after" && p.ended_t === null),
      5_000,
    );
    const before = events(sid).length - 1;
    sim().say(sid, "second question");
    await eventually(
      () => stats("listen").some((p) => p.fault === "reset_after" && p.delivered_call_sid === sid),
      5_000,
    );
    const heard = await sim().waitFor(sid, "answer_spoken", { after: before, timeoutMs: 15_000 });
    expect(heard!.text).toBe(PHRASES.lostTrain);
    expect((await l.waitForLog("apologised for a turn that was lost")).mode).toBe("poll_lost");
    expect((await turn(sid, "second question, again")).text).toBe("You said: second question, again");
    assertAligned(sid);
    expect(bridge!.hits.map((h) => h.message)).not.toContain("second question");
  });

  it("listen hang: a poll that never returns is given up after its read timeout; the queued message is then answered", async () => {
    // A 1 s poll: the client's read timeout is 11 s.
    const l = await setup({ CLAWCALL_POLL_TIMEOUT_S: "1" }, { scaleListen: false });
    const sid = await newCall();
    sim().addFault({ endpoint: "listen", kind: "hang", count: 1 });
    await eventually(() => stats("listen").some((p) => p.fault === "hang"), 5_000);
    const before = events(sid).length - 1;
    sim().say(sid, "anyone there?");
    const heard = await sim().waitFor(sid, "answer_spoken", { after: before, timeoutMs: 25_000 });
    expect(heard!.text).toBe("You said: anyone there?");
    const hung = stats("listen").find((p) => p.fault === "hang")!;
    const next = stats("listen").find((p) => p.seq > hung.seq)!;
    expect(next.t - hung.t).toBeGreaterThanOrEqual(10_500);
    // Exactly one poll open at a time, even while one hangs.
    expect(stats("listen").filter((p) => p.t > hung.t && p.t < hung.t + 10_000).length).toBe(0);
    await l.waitForLog("poll failed; backing off");
    assertAligned(sid);
  });

  it("listen 429 with Retry-After: waits that long before polling again", async () => {
    await setup();
    sim().addFault({ endpoint: "listen", kind: "status429", count: 1, retry_after_s: 2 });
    await eventually(() => stats("listen").some((p) => p.fault === "status429"), 5_000);
    const limited = stats("listen").find((p) => p.fault === "status429")!;
    await eventually(() => stats("listen").some((p) => p.seq > limited.seq), 5_000);
    const next = stats("listen").find((p) => p.seq > limited.seq)!;
    expect(next.t - limited.ended_t!).toBeGreaterThanOrEqual(1_950);
    await stillAnswers(1);
  });

  it("listen 401 mid-run: one clear line, exit 77, no retry loop", async () => {
    const l = await setup();
    const sid = await newCall();
    await turn(sid, "hello");
    sim().addFault({ endpoint: "listen", kind: "status401", count: 1 });
    const exit = await l.exited;
    expect(exit.code).toBe(77);
    expect(l.stderr).toEqual([
      "clawcall listener: the relay rejected the API key — re-register with `clawcall register --email …` or fix CLAWCALL_API_KEY",
    ]);
    const unauthorized = stats("listen").find((p) => p.status === 401)!;
    expect(stats("listen").filter((p) => p.seq > unauthorized.seq).length).toBe(0);
  });

  it.each([
    ["html502", 2],
    ["html500", 3],
    ["reset_before", 2],
    ["status429", 2],
    ["latency", 2],
  ] as const)("respond %s ×%i: the answer still reaches the caller, once", async (kind, count) => {
    await setup();
    const sid = await newCall();
    sim().addFault({
      endpoint: "respond",
      kind,
      count,
      ...(kind === "status429" ? { retry_after_s: 1 } : {}),
      ...(kind === "latency" ? { latency_ms: 400 } : {}),
    });
    expect((await turn(sid, "do you hear me")).text).toBe("You said: do you hear me");
    expect((await turn(sid, "and now")).text).toBe("You said: and now");
    assertAligned(sid);
    const heard = events(sid)
      .filter((e) => e.type === "answer_spoken")
      .map((e) => e.text);
    expect(heard).toEqual(["You said: do you hear me", "You said: and now"]);
  });

  it("respond reset_after (the relay stored it, the reply was lost): the caller hears it once, and an instant reply gets its own answer", async () => {
    await setup();
    const sid = await newCall();
    sim().addFault({ endpoint: "respond", kind: "reset_after", count: 1 });
    for (let i = 0; i < 4; i++) {
      // The caller barges in the moment each answer starts.
      expect((await turn(sid, `question ${i}`)).text).toBe(`You said: question ${i}`);
    }
    assertAligned(sid);
    await new Promise((r) => setTimeout(r, 1_000));
    assertAligned(sid);
  });

  it("respond reset_after on every turn of a fast conversation: never an old answer in a newer turn", async () => {
    await setup();
    const sid = await newCall();
    sim().addFault({ endpoint: "respond", kind: "reset_after", count: 6 });
    for (let i = 0; i < 6; i++) await turn(sid, `q${i}`);
    await new Promise((r) => setTimeout(r, 1_500));
    assertAligned(sid);
  });

  it("respond hang: the attempt times out, and the answer is posted again once the call is quiet", async () => {
    const l = await setup();
    const sid = await newCall();
    sim().addFault({ endpoint: "respond", kind: "hang", count: 1 });
    expect((await turn(sid, "slow relay", 20_000)).text).toBe("You said: slow relay");
    await l.waitForLog("answer delivered after retry");
    expect((await turn(sid, "and again")).text).toBe("You said: and again");
    assertAligned(sid);
  });

  it("respond 401: one clear line and exit 77", async () => {
    const l = await setup();
    const sid = await newCall();
    sim().addFault({ endpoint: "respond", kind: "status401", count: 1 });
    sim().say(sid, "hello");
    expect((await l.exited).code).toBe(77);
    expect(l.stderr.join("\n")).toContain("the relay rejected the API key");
  });

  it("a bad API key at start: exit 77 at once", async () => {
    rs = await startSandbox();
    const c = await startListener(
      listenerEnv({
        CLAWCALL_API_URL: rs.url,
        CLAWCALL_API_KEY: "00000000-0000-4000-8000-000000000000",
        CLAWCALL_STATE_DIR: join(tempDir(), "state"),
      }),
      [],
      { settled: false },
    );
    expect((await c.exited).code).toBe(77);
    expect(stats("listen").length).toBe(1);
  });
});
