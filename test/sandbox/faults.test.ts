import { afterEach, describe, expect, it } from "vitest";
import { DEMO_KEY, http, type Running, relay, simHttp, startSandbox } from "./helpers.js";

let rs: Running | undefined;
afterEach(async () => {
  await rs?.close();
  rs = undefined;
});

describe("fault injection", () => {
  it("html500 and html502 for a chosen count, then normal service", async () => {
    rs = await startSandbox();
    const sim = simHttp(rs.url);
    const api = relay(rs.url);
    expect((await sim.post("/faults", { endpoint: "account", kind: "html500", count: 2 })).json.ok).toBe(
      true,
    );
    const a = await api.get("/api/v1/account");
    expect(a.status).toBe(500);
    expect(a.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect((await api.get("/api/v1/account")).status).toBe(500);
    expect((await api.get("/api/v1/account")).status).toBe(200);
    await sim.post("/faults", { endpoint: "listen", kind: "html502" });
    const b = await api.listen(0);
    expect(b.status).toBe(502);
    expect(b.text).toContain("502 Bad Gateway");
    expect(b.json).toBeUndefined();
    // Other endpoints are untouched.
    expect((await api.get("/health")).status).toBe(200);
  });

  it("status401 and status429 with Retry-After", async () => {
    rs = await startSandbox();
    const sim = simHttp(rs.url);
    const api = relay(rs.url);
    await sim.post("/faults", { endpoint: "listen", kind: "status401" });
    const a = await api.listen(0);
    expect(a.status).toBe(401);
    expect(a.json).toEqual({ ok: false, error: "Invalid API key" });
    await sim.post("/faults", { endpoint: "respond", kind: "status429", retry_after_s: 7 });
    const b = await api.respond("CAx", "hi");
    expect(b.status).toBe(429);
    expect(b.headers["retry-after"]).toBe("7");
    expect(b.json.ok).toBe(false);
  });

  it("latency delays the answer, which is still correct", async () => {
    rs = await startSandbox();
    await simHttp(rs.url).post("/faults", { endpoint: "health", kind: "latency", latency_ms: 300 });
    const t0 = performance.now();
    const r = await http(rs.url, "GET", "/health");
    expect(r.status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it("reset_before drops the connection without handling: the answer is not stored", async () => {
    rs = await startSandbox();
    rs.sb.sim.inject({ call_sid: "CArb", message: "m" });
    await relay(rs.url).listen(0);
    rs.sb.sim.addFault({ endpoint: "respond", kind: "reset_before" });
    await expect(relay(rs.url).respond("CArb", "answer")).rejects.toThrow();
    expect(rs.sb.core.queues.slots.get("CArb")?.status).toBe("pending");
    expect(rs.sb.sim.stats("respond")[0]).toMatchObject({ fault: "reset_before", status: null });
  });

  it("reset_after handles the request, then drops the reply: answer stored / message popped", async () => {
    rs = await startSandbox();
    const api = relay(rs.url);
    rs.sb.sim.inject({ call_sid: "CAra", message: "m" });
    rs.sb.sim.addFault({ endpoint: "listen", kind: "reset_after" });
    await expect(api.listen(0)).rejects.toThrow();
    expect((await api.listen(0)).json).toEqual({ ok: true, timeout: true }); // popped and lost
    expect(rs.sb.sim.stats("listen")[0]).toMatchObject({ fault: "reset_after", delivered_call_sid: "CAra" });
    rs.sb.sim.addFault({ endpoint: "respond", kind: "reset_after" });
    await expect(api.respond("CAra", "stored anyway")).rejects.toThrow();
    expect(rs.sb.core.queues.slots.get("CAra")).toMatchObject({ status: "done", result: "stored anyway" });
  });

  it("hang never answers; '*' matches every relay endpoint; DELETE clears", async () => {
    rs = await startSandbox();
    const sim = simHttp(rs.url);
    await sim.post("/faults", { endpoint: "*", kind: "hang", count: 5 });
    const ac = new AbortController();
    const pending = http(rs.url, "GET", "/health", { signal: ac.signal });
    const raced = await Promise.race([
      pending.then(() => "answered"),
      new Promise((r) => setTimeout(() => r("hung"), 300)),
    ]);
    expect(raced).toBe("hung");
    ac.abort();
    await expect(pending).rejects.toThrow();
    expect((await sim.get("/faults")).json.faults[0]).toMatchObject({
      endpoint: "*",
      kind: "hang",
      remaining: 4,
    });
    expect((await sim.del("/faults")).json).toEqual({ ok: true, cleared: 1 });
    expect((await http(rs.url, "GET", "/health")).status).toBe(200);
    // The simulation API itself is never faulted.
    await sim.post("/faults", { endpoint: "*", kind: "html500", count: 1 });
    expect((await sim.get("/config")).status).toBe(200);
  });

  it("rejects malformed fault specs", async () => {
    rs = await startSandbox();
    const sim = simHttp(rs.url);
    const r = await sim.post("/faults", { endpoint: "listen", kind: "explode" });
    expect(r.status).toBe(400);
    expect(r.json.ok).toBe(false);
    expect((await sim.post("/faults", { endpoint: "nowhere", kind: "hang" })).status).toBe(400);
  });
});

describe("request log", () => {
  it("records every relay request per endpoint with timestamps, but not the simulation API", async () => {
    rs = await startSandbox();
    const api = relay(rs.url);
    const sim = simHttp(rs.url);
    await sim.del("/stats");
    await api.listen(0);
    await api.listen(0);
    await api.get("/api/v1/account");
    await http(rs.url, "GET", "/nope");
    const s = await sim.get("/stats?endpoint=listen");
    expect(s.json.requests).toHaveLength(2);
    for (const r of s.json.requests) {
      expect(r).toMatchObject({
        endpoint: "listen",
        method: "GET",
        path: "/api/v1/calls/listen?timeout=0",
        status: 200,
      });
      expect(r.ended_t).toBeGreaterThanOrEqual(r.t);
    }
    const all = await sim.get("/stats");
    expect(all.json.counts).toEqual({ listen: 2, account: 1, other: 1 });
    expect(JSON.stringify(all.json)).not.toContain(DEMO_KEY);
  });
});

describe("threads", () => {
  it("serves at most N relay requests at once; the rest wait their turn", async () => {
    rs = await startSandbox({ threads: 2, scaleListen: false });
    const api = relay(rs.url);
    const order: string[] = [];
    const l1 = api.listen(3).then((r) => {
      order.push("listen");
      return r;
    });
    const l2 = api.listen(3).then(() => order.push("listen"));
    while (rs.sb.sim.threads().busy < 2) await new Promise((r) => setTimeout(r, 10));
    expect(rs.sb.sim.threads()).toMatchObject({ size: 2, busy: 2 });
    const health = http(rs.url, "GET", "/health").then(() => order.push("health"));
    await new Promise((r) => setTimeout(r, 200));
    expect(order).toEqual([]);
    expect(rs.sb.sim.threads().waiting).toBe(1);
    rs.sb.sim.inject({ call_sid: "CAfree", message: "free a thread" });
    await health;
    expect(order).toEqual(["listen", "health"]);
    expect((await l1).json.call_sid).toBe("CAfree");
    rs.sb.sim.inject({ call_sid: "CAfree2", message: "again" });
    await l2;
  });

  it("webhooks share the threads: a call starved past Twilio's 15 s limit gets an application error", async () => {
    rs = await startSandbox({ threads: 1, timeScale: 50, scaleListen: false, webhookTimeoutSlackMs: 0 });
    const api = relay(rs.url);
    const held = api.listen(1.5);
    while (rs.sb.sim.threads().busy < 1) await new Promise((r) => setTimeout(r, 10));
    const { sid } = rs.sb.sim.startCall();
    const err = await rs.sb.sim.waitFor(sid, "application_error", { timeoutMs: 5000 });
    expect(err).toMatchObject({ webhook: "inbound" });
    expect((await rs.sb.sim.waitFor(sid, "hangup"))!.reason).toBe("application_error");
    await held;
  });
});
