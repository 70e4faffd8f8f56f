import { afterEach, describe, expect, it } from "vitest";
import { DEMO_KEY, http, type Running, relay, startSandbox, waitUntil } from "./helpers.js";

let rs: Running | undefined;
afterEach(async () => {
  await rs?.close();
  rs = undefined;
});

const DEMO_AGENT = "00000000-0000-4000-8000-0000000d3e02";

describe("queue semantics", () => {
  it("per-agent FIFO, popped on delivery (at most once), no id or type fields", async () => {
    rs = await startSandbox();
    const api = relay(rs.url);
    for (const m of ["one", "two", "three"]) rs.sb.sim.inject({ call_sid: `CA-${m}`, message: m });
    const got = [];
    for (let i = 0; i < 3; i++) got.push((await api.listen(0)).json);
    expect(got).toEqual([
      { ok: true, call_sid: "CA-one", message: "one" },
      { ok: true, call_sid: "CA-two", message: "two" },
      { ok: true, call_sid: "CA-three", message: "three" },
    ]);
    expect((await api.listen(0)).json).toEqual({ ok: true, timeout: true });
  });

  it("wakes exactly one waiting poller, the oldest first", async () => {
    rs = await startSandbox({ scaleListen: false });
    const api = relay(rs.url);
    const waiting = () => rs!.sb.sim.queues().waiting[DEMO_AGENT] ?? 0;
    const first = api.listen(2);
    await waitUntil(() => waiting() === 1);
    const second = api.listen(1);
    await waitUntil(() => waiting() === 2);
    rs.sb.sim.inject({ call_sid: "CAwake", message: "hi" });
    const [a, b] = await Promise.all([first, second]);
    expect(a.json).toEqual({ ok: true, call_sid: "CAwake", message: "hi" });
    expect(b.json).toEqual({ ok: true, timeout: true });
  });

  it("an abandoned long-poll still pops the next message into the dead socket, where it is lost", async () => {
    rs = await startSandbox({ scaleListen: false });
    const api = relay(rs.url);
    const ac = new AbortController();
    const dead = http(rs.url, "GET", "/api/v1/calls/listen?timeout=3", { key: DEMO_KEY, signal: ac.signal });
    await waitUntil(() => (rs!.sb.sim.queues().waiting[DEMO_AGENT] ?? 0) === 1);
    ac.abort();
    await expect(dead).rejects.toThrow();
    const open = () => new Promise<number>((r) => rs!.sb.server.getConnections((_e, n) => r(n)));
    await waitUntil(async () => (await open()) === 0);
    rs.sb.sim.inject({ call_sid: "CAlost", message: "are you there?" });
    // A new listener that starts now finds nothing: the old poll took it.
    expect((await api.listen(0.3)).json).toEqual({ ok: true, timeout: true });
    const rec = rs.sb.sim.stats("listen").find((r) => r.delivered_call_sid === "CAlost");
    expect(rec).toBeDefined();
    // The relay answers the dead request when it pops (the server never noticed the client left).
    expect(rec!.status).toBe(200);
    expect(rec!.client_gone).toBe(true);
  });

  it("queue entries never expire: stale messages wait for the next listener", async () => {
    rs = await startSandbox({ timeScale: 1000 });
    rs.sb.sim.inject({ call_sid: "CAstale", message: "old" });
    await new Promise((r) => setTimeout(r, 400)); // > 300 simulated seconds
    expect((await relay(rs.url).listen(0)).json.message).toBe("old");
  });

  it("response slots: evicted after the TTL, but only when another message is queued", async () => {
    rs = await startSandbox({ timeScale: 50, timings: { slotTtlS: 5 } }); // 100 ms
    const api = relay(rs.url);
    rs.sb.sim.inject({ call_sid: "CAttl", message: "a" });
    await new Promise((r) => setTimeout(r, 200));
    expect((await api.respond("CAttl", "late but fine")).status).toBe(200); // resets ts
    await new Promise((r) => setTimeout(r, 200));
    expect((await api.respond("CAttl", "still fine")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    rs.sb.sim.inject({ call_sid: "CAother", message: "b" });
    const r = await api.respond("CAttl", "gone");
    expect(r.status).toBe(404);
    expect(r.json.error).toBe("Unknown or expired call_sid");
  });

  it("after eviction a waiting caller hears back-to-back fillers and a late answer is 404", async () => {
    rs = await startSandbox({ timeScale: 20, manualSilence: true, timings: { slotTtlS: 10 } });
    const api = relay(rs.url);
    const sim = rs.sb.sim;
    const { sid } = sim.startCall({ manual_silence: true });
    await sim.waitFor(sid, "gather");
    sim.say(sid, "hello");
    await api.listen(5);
    await sim.waitFor(sid, "filler");
    await new Promise((r) => setTimeout(r, 600)); // past the 10 s TTL
    sim.inject({ call_sid: "CAtrigger", message: "x" });
    const mark = sim.call(sid).events_count - 1;
    const a = await sim.waitFor(sid, "filler", { after: mark });
    const b = await sim.waitFor(sid, "filler", { after: a!.index });
    expect(b!.sim_s - a!.sim_s).toBeLessThan(6); // only the filler's own length apart, not a 10 s poll
    expect((await api.respond(sid, "finally")).status).toBe(404);
    sim.hangup(sid);
  });

  it("a second respond to the same turn is accepted and never spoken", async () => {
    rs = await startSandbox({ timeScale: 20, manualSilence: true });
    const api = relay(rs.url);
    const sim = rs.sb.sim;
    const { sid } = sim.startCall();
    await sim.waitFor(sid, "gather");
    sim.say(sid, "question");
    await api.listen(5);
    expect((await api.respond(sid, "On it...")).status).toBe(200);
    expect((await api.respond(sid, "The real answer.")).status).toBe(200);
    await sim.waitFor(sid, "answer_spoken");
    sim.silence(sid);
    await sim.waitFor(sid, "still_there");
    sim.hangup(sid);
    await sim.waitFor(sid, "status");
    expect(
      sim
        .call(sid)
        .events!.filter((e) => e.type === "answer_spoken")
        .map((e) => e.text),
    ).toEqual(["On it..."]);
  });

  it("key rotation keeps the queue (it belongs to the agent); the old key gets 401 on listen", async () => {
    rs = await startSandbox();
    rs.sb.sim.inject({ agent_id: DEMO_AGENT, call_sid: "CArot", message: "kept" });
    const re = await http(rs.url, "POST", "/api/v1/register", {
      body: { email: "demo@sandbox.clawcall.local" },
    });
    expect(re.json.agent_id).toBe(DEMO_AGENT);
    expect(re.json.tier).toBe("pro");
    const old = await relay(rs.url).listen(0);
    expect(old.status).toBe(401);
    expect(old.json.error).toBe("Invalid API key");
    expect((await relay(rs.url, re.json.api_key).listen(0)).json.message).toBe("kept");
    expect(rs.sb.sim.demo().api_key_valid).toBe(false);
  });
});
