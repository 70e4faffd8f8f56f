/**
 * The listener as a process against the sandbox relay (in this process, 20× time) and a fake bridge
 * with a configurable delay: conversation, concurrency, per-call order, newest-wins, shutdown,
 * crash recovery, one listener per key.
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
  spawnNode,
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

function env(extra: Record<string, string | undefined> = {}) {
  return listenerEnv({
    CLAWCALL_API_URL: rs!.url,
    CLAWCALL_AGENT_URL: bridge?.url,
    CLAWCALL_STATE_DIR: join(tempDir(), "state"),
    CLAWCALL_SANDBOX_TIME_SCALE: String(rs!.sb.core.timeScale),
    ...extra,
  });
}

const sim = () => rs!.sb.sim;
const events = (sid: string) => sim().call(sid).events as CallEvent[];

/** Starts an inbound call and waits for the greeting's gather. */
async function newCall(): Promise<string> {
  const { sid } = sim().startCall({ manual_silence: true });
  expect(await sim().waitFor(sid, "gather", { timeoutMs: 10_000 })).not.toBeNull();
  return sid;
}

/** The caller says `text` at the current gather; resolves with what the caller hears next. */
async function turn(sid: string, text: string, timeoutMs = 15_000): Promise<CallEvent> {
  const before = events(sid).length - 1;
  expect(sim().say(sid, text)).toEqual({ captured: true });
  const ans = await sim().waitFor(sid, "answer_spoken", { after: before, timeoutMs });
  expect(ans, `no answer to ${JSON.stringify(text)}`).not.toBeNull();
  // The next gather (the answer is its prompt) must be open before the caller can speak again.
  return ans!;
}

/** Relay requests the sandbox saw for one endpoint. */
const stats = (endpoint: string) => sim().stats(endpoint);

function assertOnePollAtATime() {
  const polls = stats("listen").filter((r) => r.ended_t !== null);
  for (let i = 1; i < polls.length; i++)
    expect(polls[i]!.t).toBeGreaterThanOrEqual(polls[i - 1]!.ended_t! - 1);
}

describe("listener e2e (sandbox relay, fake bridge)", () => {
  it("holds a whole conversation and hangs up when the agent ends the call", async () => {
    rs = await startSandbox();
    bridge = await startFakeBridge(0);
    const l = await startListener(env({ CLAWCALL_BRIDGE_TOKEN: "tok-123456" }));
    expect(l.logs.some((x) => x.msg === "Agent mode: HTTP")).toBe(true);
    const sid = await newCall();
    expect((await turn(sid, "Hi there")).text).toBe("You said: Hi there");
    expect((await turn(sid, "What can you do?")).text).toBe("You said: What can you do?");
    const last = await turn(sid, "Thanks, goodbye");
    expect(last).toMatchObject({ text: "You said: Thanks, goodbye", end_call: true });
    expect(await sim().waitFor(sid, "hangup", { timeoutMs: 5_000 })).toMatchObject({
      reason: expect.any(String),
    });
    expect(bridge.hits.map((h) => [h.kind, h.message])).toEqual([
      ["caller", "Hi there"],
      ["caller", "What can you do?"],
      ["caller", "Thanks, goodbye"],
    ]);
    expect(bridge.hits.every((h) => h.authorization === "Bearer tok-123456")).toBe(true);
    // No filler: every answer beat the relay's wait.
    expect(events(sid).some((e) => e.type === "filler")).toBe(false);
    assertOnePollAtATime();
    // Caller speech only at debug level, and the key never appears in the log.
    const text = JSON.stringify(l.logs);
    expect(text).not.toContain("5a4db0c5-0000-4000-8000-00000000c1a7");
    expect(text).not.toContain("tok-123456");
    for (const line of l.logs)
      if (JSON.stringify(line).includes("What can you do?")) expect(line.level).toBe(20);
  });

  it("20 simultaneous calls whose agent takes 4 s are answered in about 4 s, not 80", async () => {
    // Enough relay threads for 20 blocked webhooks (the real relay's 8 would fail calls by themselves),
    // and a slower phone so that 4 s is inside the relay's 12 s wait. 4 s (not 2) so that all 20
    // turns overlap even when a loaded machine spreads their arrival over a second or two.
    rs = await startSandbox({ threads: 64, timeScale: 2 });
    bridge = await startFakeBridge(4_000);
    await startListener(env());
    const sids = await Promise.all(Array.from({ length: 20 }, () => newCall()));
    const t0 = Date.now();
    for (const sid of sids) expect(sim().say(sid, `hello from ${sid.slice(-4)}`).captured).toBe(true);
    const answered = await Promise.all(
      sids.map((sid) => sim().waitFor(sid, "agent_responded", { timeoutMs: 20_000 })),
    );
    const elapsed = Math.max(...answered.map((e) => e!.t)) - t0;
    expect(elapsed).toBeLessThan(20_000); // sequential would be 80 s
    expect(bridge.maxConcurrent).toBe(20);
    for (const [i, sid] of sids.entries())
      expect(answered[i]!.text).toBe(`You said: hello from ${sid.slice(-4)}`);
    assertOnePollAtATime();
  });

  it("keeps per-call order under concurrency and posts only the newest answer of each call", async () => {
    rs = await startSandbox();
    bridge = await startFakeBridge(1_000);
    await startListener(env());
    const sids = Array.from({ length: 5 }, (_, i) => `CA${(0xabc000 + i).toString(16).padStart(32, "0")}`);
    // Forged-webhook style: three messages per call, interleaved, all queued at once. The agent
    // answers m1 only once the listener has taken every message: on a loaded machine its polls
    // could otherwise trail a quick answer, and "newest wins" would have nothing newer yet.
    let release = () => {};
    bridge.hold = new Promise<void>((r) => (release = r));
    for (let k = 1; k <= 3; k++) for (const sid of sids) sim().inject({ call_sid: sid, message: `m${k}` });
    const drained = () => Object.values(rs!.sb.core.queues.snapshot().queues).every((q) => q.length === 0);
    await eventually(() => bridge!.hits.length === 5 && drained(), 15_000);
    release();
    await eventually(() => bridge!.hits.length === 15, 15_000);
    await eventually(() => stats("respond").length >= 5, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    for (const sid of sids) {
      const mine = bridge.hits.filter((h) => h.call_sid === sid);
      expect(mine.map((h) => h.message)).toEqual(["m1", "m2", "m3"]);
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.at).toBeGreaterThanOrEqual(mine[i - 1]!.endedAt!);
      // Newest wins: exactly one answer posted, the one to m3.
      expect(stats("respond").filter((r) => r.path.includes(sid)).length).toBe(1);
      expect(rs.sb.core.queues.slots.get(sid)?.result).toBe("You said: m3");
    }
    // Calls ran side by side.
    expect(bridge.maxConcurrent).toBeGreaterThanOrEqual(5);
  });

  it("newest wins on a live call: a message that arrives mid-turn gets the only answer spoken", async () => {
    rs = await startSandbox();
    bridge = await startFakeBridge(1_500);
    await startListener(env());
    const sid = await newCall();
    const before = events(sid).length - 1;
    sim().say(sid, "what time is it");
    await eventually(() => bridge!.hits.length === 1, 10_000);
    sim().inject({ call_sid: sid, message: "sorry, I meant the date" });
    const ans = await sim().waitFor(sid, "answer_spoken", { after: before, timeoutMs: 15_000 });
    expect(ans!.text).toBe("You said: sorry, I meant the date");
    await new Promise((r) => setTimeout(r, 500));
    const responded = events(sid).filter((e) => e.type === "agent_responded");
    expect(responded.map((e) => e.text)).toEqual(["You said: sorry, I meant the date"]);
    expect(bridge.hits.map((h) => h.message)).toEqual(["what time is it", "sorry, I meant the date"]);
  });

  it("SIGTERM with turns in flight: every turn is answered, no new poll, exit 0", async () => {
    rs = await startSandbox();
    bridge = await startFakeBridge(1_500);
    const l = await startListener(env());
    const sids = await Promise.all([newCall(), newCall(), newCall()]);
    for (const sid of sids) sim().say(sid, `question ${sid.slice(-3)}`);
    await eventually(() => bridge!.hits.length === 3, 10_000);
    const termAt = Date.now();
    l.kill("SIGTERM");
    const exit = await l.exited;
    expect(exit.code).toBe(0);
    for (const sid of sids) {
      const r = events(sid).filter((e) => e.type === "agent_responded");
      expect(r.map((e) => e.text)).toEqual([`You said: question ${sid.slice(-3)}`]);
    }
    // The poll open at SIGTERM was allowed to finish (not cut), and no poll started afterwards.
    const polls = stats("listen");
    expect(polls.filter((p) => p.t > termAt + 50).length).toBe(0);
    expect(polls.filter((p) => p.client_gone).length).toBe(0);
    expect(l.logs.some((x) => x.msg === "stopping: no new poll; letting the open one finish")).toBe(true);
  });

  it("SIGTERM: a message the last open poll brings is answered before exit", async () => {
    rs = await startSandbox({ scaleListen: false });
    bridge = await startFakeBridge(200);
    const l = await startListener(env({ CLAWCALL_POLL_TIMEOUT_S: "3" }));
    const sid = await newCall();
    await eventually(() => stats("listen").some((p) => p.ended_t === null), 5_000);
    l.kill("SIGTERM");
    await l.waitForLog("stopping: no new poll; letting the open one finish", 5_000);
    sim().say(sid, "are you still there");
    expect((await l.exited).code).toBe(0);
    expect(
      events(sid)
        .filter((e) => e.type === "agent_responded")
        .map((e) => e.text),
    ).toEqual(["You said: are you still there"]);
  });

  it("SIGTERM with an agent that hangs: the caller gets the fallback before the grace ends, exit 0", async () => {
    rs = await startSandbox();
    bridge = await startFakeBridge(120_000);
    // Grace = poll timeout + 5 s = 7 s.
    const l = await startListener(env({ CLAWCALL_POLL_TIMEOUT_S: "2" }));
    const sid = await newCall();
    sim().say(sid, "this will take forever");
    await eventually(() => bridge!.hits.length === 1, 10_000);
    const t0 = Date.now();
    l.kill("SIGTERM");
    expect((await l.exited).code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(7_500);
    const r = events(sid).filter((e) => e.type === "agent_responded");
    expect(r.map((e) => e.text)).toEqual([PHRASES.agentFailed]);
  });

  it("a second signal exits at once with code 1", async () => {
    rs = await startSandbox();
    bridge = await startFakeBridge(120_000);
    const l = await startListener(env());
    const sid = await newCall();
    sim().say(sid, "slow one");
    await eventually(() => bridge!.hits.length === 1, 10_000);
    l.kill("SIGTERM");
    await l.waitForLog("stopping: no new poll; letting the open one finish");
    const t0 = Date.now();
    l.kill("SIGINT");
    expect((await l.exited).code).toBe(1);
    // Generous on a loaded machine: the graceful path would wait for the 120 s turn.
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it("SIGKILL mid-turn, then restart: the caller hears the apology, not fillers forever", async () => {
    rs = await startSandbox();
    bridge = await startFakeBridge(60_000);
    const e = env();
    const l1 = await startListener(e);
    const sid = await newCall();
    sim().say(sid, "book me a table");
    await eventually(() => bridge!.hits.length === 1, 10_000);
    l1.kill("SIGKILL");
    await l1.exited;
    // The caller is in the filler loop now.
    expect(await sim().waitFor(sid, "filler", { timeoutMs: 5_000 })).not.toBeNull();
    const before = events(sid).length - 1;
    const l2 = await startListener(e);
    const ans = await sim().waitFor(sid, "answer_spoken", { after: before, timeoutMs: 15_000 });
    expect(ans!.text).toBe(PHRASES.lostTrain);
    await l2.waitForLog("apologised for a turn that was lost");
  });

  it("restart while the dead listener's poll is still open: the swallowed message's caller hears the apology", async () => {
    // Unscaled polls: the orphaned poll waits its full 3 s on the relay.
    rs = await startSandbox({ scaleListen: false });
    bridge = await startFakeBridge(0);
    const e = env({ CLAWCALL_POLL_TIMEOUT_S: "3" });
    const l1 = await startListener(e);
    const sid = await newCall();
    await eventually(() => stats("listen").some((p) => p.ended_t === null), 5_000);
    l1.kill("SIGKILL");
    await l1.exited;
    sim().say(sid, "hello?");
    // The orphaned poll pops the message into a dead socket.
    await eventually(
      () => stats("listen").some((p) => p.delivered_call_sid === sid && p.client_gone),
      10_000,
    );
    expect(bridge.hits.length).toBe(0);
    const before = events(sid).length - 1;
    const l2 = await startListener(e);
    const ans = await sim().waitFor(sid, "answer_spoken", { after: before, timeoutMs: 20_000 });
    expect(ans!.text).toBe(PHRASES.lostTrain);
    const line = await l2.waitForLog("apologised for a turn that was lost");
    expect(line).toMatchObject({ why: "history", mode: "restart" });
    // The caller repeats and the conversation goes on.
    expect((await turn(sid, "hello again")).text).toBe("You said: hello again");
  });

  it("a call that starts while the dead listener's poll is still open is swept once that poll must have ended", async () => {
    rs = await startSandbox({ scaleListen: false });
    bridge = await startFakeBridge(0);
    // Phone time 1:1 here, so the listener's idea of the orphan's lifetime (poll timeout + 2 s) is real.
    const e = env({ CLAWCALL_POLL_TIMEOUT_S: "3", CLAWCALL_SANDBOX_TIME_SCALE: "1" });
    const l1 = await startListener(e);
    await eventually(
      () => stats("listen").some((p) => p.ended_t === null && Date.now() - p.t < 300),
      5_000,
      10,
    );
    l1.kill("SIGKILL");
    await l1.exited;
    const l2 = await startListener(e, [], { settled: false });
    await l2.waitForLog("restart sweep: first pass done");
    const sid = await newCall();
    const before = events(sid).length - 1;
    sim().say(sid, "hello, anyone?");
    await eventually(() => stats("listen").some((p) => p.delivered_call_sid === sid && p.client_gone), 5_000);
    const ans = await sim().waitFor(sid, "answer_spoken", { after: before, timeoutMs: 15_000 });
    expect(ans!.text).toBe(PHRASES.lostTrain);
    expect(await l2.waitForLog("restart sweep done")).toMatchObject({
      previousRun: "crashed",
      apologised: 1,
    });
  });

  it("after a clean stop the next listener skips the history sweep", async () => {
    rs = await startSandbox();
    bridge = await startFakeBridge(0);
    const e = env();
    const l1 = await startListener(e);
    const sid = await newCall();
    await turn(sid, "one");
    l1.kill("SIGTERM");
    expect((await l1.exited).code).toBe(0);
    const reads = stats("history").length;
    const l2 = await startListener(e);
    expect(await l2.waitForLog("restart sweep done")).toMatchObject({ previousRun: "clean", candidates: 0 });
    expect(stats("history").length).toBe(reads); // the second listener did not need it
    expect((await turn(sid, "two")).text).toBe("You said: two");
  });

  it("a second listener is refused naming the running pid; --replace takes over", async () => {
    rs = await startSandbox();
    bridge = await startFakeBridge(0);
    const e = env();
    const l1 = await startListener(e);
    const second = spawnNode("listener/clawcall-listener.js", [], e);
    const ex = await second.exited;
    expect(ex.code).toBe(75);
    expect(second.stderr.join("\n")).toContain(`pid ${l1.pid}`);
    expect(second.stderr.join("\n")).toContain("clawcall stop");
    const l3 = await startListener(e, ["--replace"]);
    expect((await l1.exited).code).toBe(0); // the old one stopped gracefully
    const sid = await newCall();
    expect((await turn(sid, "who is answering")).text).toBe("You said: who is answering");
    await l3.waitForLog("turn answered", 5_000);
  });

  it("writes a status file for `clawcall status`", async () => {
    rs = await startSandbox();
    bridge = await startFakeBridge(0);
    const e = env();
    const l = await startListener(e);
    const sid = await newCall();
    await turn(sid, "ping");
    const { readFileSync } = await import("node:fs");
    const path = join(e.CLAWCALL_STATE_DIR!, "listener.status.json");
    const st = await eventually(() => {
      const s = JSON.parse(readFileSync(path, "utf8"));
      return s.turnsAnswered === 1 ? s : undefined;
    }, 5_000);
    expect(st).toMatchObject({ pid: l.pid, mode: "HTTP", state: "running", inFlight: 0, lastError: null });
    expect(Date.parse(st.lastPollAt)).toBeGreaterThan(Date.now() - 5_000);
    const pidFile = JSON.parse(readFileSync(join(e.CLAWCALL_STATE_DIR!, "listener.pid"), "utf8"));
    expect(pidFile).toMatchObject({
      name: "listener",
      pid: l.pid,
      keyId: expect.stringMatching(/^[0-9a-f]{12}$/),
    });
    expect(JSON.stringify(pidFile)).not.toContain("5a4db0c5");
  });

  it("the agent failing still gets the caller a short apology", async () => {
    rs = await startSandbox();
    bridge = await startFakeBridge(0);
    bridge.behaviour = () => "fail";
    await startListener(env());
    const sid = await newCall();
    expect((await turn(sid, "hello")).text).toBe(PHRASES.agentFailed);
  });
});
