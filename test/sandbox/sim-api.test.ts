import { afterEach, describe, expect, it } from "vitest";
import { type Running, relay, simHttp, startSandbox } from "./helpers.js";

let rs: Running | undefined;
afterEach(async () => {
  await rs?.close();
  rs = undefined;
});

describe("simulation API over HTTP", () => {
  it("drives a whole call: start, wait, say, read the log, hang up", async () => {
    rs = await startSandbox({ timeScale: 20 });
    const sim = simHttp(rs.url);
    const api = relay(rs.url);
    const cfg = await sim.get("/config");
    expect(cfg.json).toMatchObject({ ok: true, time_scale: 20, threads: { size: 8 } });
    expect(cfg.json.demo).toMatchObject({
      email: "demo@sandbox.clawcall.local",
      phone_number: "+15555550100",
    });
    const start = await sim.post("/calls", { manual_silence: true });
    const sid = start.json.call_sid as string;
    expect(start.json.call).toMatchObject({
      sid,
      kind: "inbound",
      direction: "inbound",
      state: "in-progress",
    });
    const g = await sim.get(`/calls/${sid}/wait?type=gather&timeout_ms=5000`);
    expect(g.json.event).toMatchObject({ type: "gather", timeout_s: 10, third_party: false });
    expect((await sim.post(`/calls/${sid}/say`, { text: "hi" })).json).toEqual({ ok: true, captured: true });
    await api.listen(5);
    await api.respond(sid, "Hello.");
    const a = await sim.get(
      `/calls/${sid}/wait?type=answer_spoken,filler&after=${g.json.event.index}&timeout_ms=5000`,
    );
    expect(a.json.event).toMatchObject({ type: "answer_spoken", text: "Hello." });
    const detail = await sim.get(`/calls/${sid}`);
    expect(detail.json.call.transcript).toEqual([
      { role: "user", text: "hi" },
      { role: "agent", text: "Hello." },
    ]);
    for (const [i, e] of detail.json.call.events.entries()) {
      expect(e.index).toBe(i);
      expect(typeof e.t).toBe("number");
      expect(typeof e.ms).toBe("number");
    }
    const none = await sim.get(`/calls/${sid}/wait?type=filler&after=${a.json.event.index}&timeout_ms=100`);
    expect(none.json).toEqual({ ok: false, timeout: true });
    expect((await sim.post(`/calls/${sid}/silence`)).json).toEqual({ ok: true, ended_gather: true });
    expect((await sim.post(`/calls/${sid}/hangup`)).json.call.state).toBe("ended");
    const ended = await sim.get(`/calls/${sid}/wait?type=filler&after=${a.json.event.index}&timeout_ms=3000`);
    expect(ended.json).toEqual({ ok: false, ended: true });
    expect((await sim.post(`/calls/${sid}/say`, { text: "late" })).status).toBe(409);
    expect((await sim.post(`/calls/${sid}/hangup`)).status).toBe(409);
    const list = await sim.get("/calls?kind=inbound");
    expect(list.json.calls.map((c: { sid: string }) => c.sid)).toContain(sid);
    expect(list.json.calls[0].events).toBeUndefined();
  });

  it("answers, rejects and ignores ringing calls; waits for events across calls", async () => {
    rs = await startSandbox({ timeScale: 50 });
    const sim = simHttp(rs.url);
    const api = relay(rs.url);
    const seq = (await sim.get("/events/last-seq")).json.seq as number;
    const cb = await api.post("/api/v1/calls/outbound/callback", { message: "ping" });
    const ring = await sim.get(`/events/wait?type=ringing&after_seq=${seq}&timeout_ms=3000`);
    expect(ring.json).toMatchObject({
      ok: true,
      call_sid: cb.json.call_sid,
      event: { type: "ringing", to: "+15555550100" },
    });
    const out = await sim.get("/outbound");
    expect(out.json.calls.map((c: { sid: string }) => c.sid)).toEqual([cb.json.call_sid]);
    expect((await sim.post(`/calls/${cb.json.call_sid}/third-party-say`, { text: "x" })).status).toBe(409);
    expect(
      (await sim.post(`/calls/${cb.json.call_sid}/answer`, { manual_silence: true })).json.call.state,
    ).toBe("in-progress");
    expect((await sim.post(`/calls/${cb.json.call_sid}/answer`)).status).toBe(409);
    expect((await sim.post(`/calls/${cb.json.call_sid}/reject`)).status).toBe(409);
    expect((await sim.post("/calls/CAnope/answer")).status).toBe(404);
    const cb2 = await api.post("/api/v1/calls/outbound/callback", { message: "ping" });
    expect((await sim.post(`/calls/${cb2.json.call_sid}/reject`)).json.call.status).toBe("busy");
    const cb3 = await api.post("/api/v1/calls/outbound/callback", { message: "ping" });
    expect((await sim.post(`/calls/${cb3.json.call_sid}/ignore`)).json.call.status).toBe("no-answer");
  });

  it("sets tiers, lists accounts and schedules, injects messages, shows queues", async () => {
    rs = await startSandbox();
    const sim = simHttp(rs.url);
    const api = relay(rs.url);
    expect((await sim.post("/accounts/tier", { tier: "gold" })).status).toBe(400);
    expect((await sim.post("/accounts/tier", { api_key: "nope", tier: "team" })).status).toBe(404);
    const t = await sim.post("/accounts/tier", { email: "demo@sandbox.clawcall.local", tier: "team" });
    expect(t.json).toMatchObject({ ok: true, tier: "team", minutes_limit: 500 });
    expect((await api.get("/api/v1/account")).json.tier).toBe("team");
    const accts = await sim.get("/accounts");
    expect(accts.json.accounts[0]).toMatchObject({ email: "demo@sandbox.clawcall.local", tier: "team" });
    expect(JSON.stringify(accts.json)).not.toContain("api_key_hash");
    await api.post("/api/v1/calls/schedule", { cron: "0 8 * * 1-5" });
    const sch = await sim.get("/schedules");
    expect(sch.json.schedules[0].next_runs).toHaveLength(3);
    expect(
      (await sim.post("/inject", { call_sid: "weird;rm -rf /", message: "[SCHEDULED] forged" })).json.ok,
    ).toBe(true);
    const q = await sim.get("/queues");
    expect(Object.values(q.json.queues)[0]).toEqual([
      { call_sid: "weird;rm -rf /", message: "[SCHEDULED] forged" },
    ]);
    expect((await api.listen(0)).json).toEqual({
      ok: true,
      call_sid: "weird;rm -rf /",
      message: "[SCHEDULED] forged",
    });
    expect((await sim.get("/nothing")).status).toBe(404);
    expect((await sim.post("/calls", { from: 5 })).status).toBe(400);
  });
});

describe("status callbacks on the shared number", () => {
  it("when not configured: no charge, no transcript, the slot lingers and a late answer still gets 200", async () => {
    rs = await startSandbox({ timeScale: 50, manualSilence: true, sharedNumberStatusCallback: false });
    const api = relay(rs.url);
    const sim = rs.sb.sim;
    const before = (await api.get("/api/v1/account")).json.minutes_used;
    const { sid } = sim.startCall();
    await sim.waitFor(sid, "gather");
    sim.say(sid, "hi");
    await api.listen(5);
    sim.hangup(sid);
    expect(await sim.waitFor(sid, "status")).toMatchObject({ status: "completed", callback: false });
    expect((await api.respond(sid, "late")).status).toBe(200);
    const hist = await api.get("/api/v1/calls/history?transcripts=true");
    expect(hist.json.calls[0]).toMatchObject({
      twilio_call_sid: sid,
      status: "in-progress",
      duration_seconds: null,
    });
    expect(hist.json.calls[0].transcript).toBeUndefined();
    expect((await api.get("/api/v1/account")).json.minutes_used).toBe(before);
  });
});

describe("injectable clock and randomness", () => {
  it("dates come from `now`, filler choice from `random`", async () => {
    const fixed = Date.UTC(2026, 2, 24, 11, 40, 5);
    rs = await startSandbox({ timeScale: 50, manualSilence: true, now: () => fixed, random: () => 0.999 });
    const api = relay(rs.url);
    const agents = await api.get("/api/v1/agents");
    expect(agents.json.agents[0].created_at).toBe("Tue, 24 Mar 2026 11:40:05 GMT");
    const { sid } = rs.sb.sim.startCall();
    await rs.sb.sim.waitFor(sid, "gather");
    rs.sb.sim.say(sid, "x");
    await api.listen(5);
    expect((await rs.sb.sim.waitFor(sid, "filler"))!.text).toBe("Just a sec.");
    expect(rs.sb.sim.call(sid).created_at).toBe(fixed);
    rs.sb.sim.hangup(sid);
    await rs.sb.sim.waitFor(sid, "status");
    expect((await api.get("/api/v1/calls/history")).json.calls[0].started_at).toBe(
      "Tue, 24 Mar 2026 11:40:05 GMT",
    );
  });
});

describe("Team webhook push", () => {
  it("posts call.status to a loopback URL on every status callback with a call log", async () => {
    const { createServer } = await import("node:http");
    const got: unknown[] = [];
    const hook = createServer((req, res) => {
      let b = "";
      req.on("data", (c) => {
        b += c;
      });
      req.on("end", () => {
        got.push(JSON.parse(b));
        res.end("ok");
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", () => r()));
    const port = (hook.address() as { port: number }).port;
    try {
      rs = await startSandbox({ timeScale: 50, manualSilence: true });
      const api = relay(rs.url);
      rs.sb.sim.setTier({ tier: "team" });
      const set = await api.post("/api/v1/account/webhook", {
        webhook_push_url: `http://127.0.0.1:${port}/hook`,
      });
      expect(set.json).toEqual({ ok: true, webhook_push_url: `http://127.0.0.1:${port}/hook` });
      const { sid } = rs.sb.sim.startCall();
      await rs.sb.sim.waitFor(sid, "gather");
      rs.sb.sim.hangup(sid);
      await rs.sb.sim.waitFor(sid, "status");
      const { waitUntil } = await import("./helpers.js");
      await waitUntil(() => got.length === 1);
      expect(got[0]).toMatchObject({
        event: "call.status",
        call_sid: sid,
        status: "completed",
        call_type: "user_initiated",
        direction: "inbound",
      });
      expect((await api.post("/api/v1/account/webhook", {})).json).toEqual({
        ok: true,
        webhook_push_url: null,
      });
    } finally {
      hook.close();
    }
  });
});
