import { afterEach, describe, expect, it } from "vitest";
import { type Running, relay, simHttp, startSandbox } from "./helpers.js";

let rs: Running | undefined;
afterEach(async () => {
  await rs?.close();
  rs = undefined;
});

describe("sandbox smoke", () => {
  it("answers health and runs one inbound turn end to end", async () => {
    rs = await startSandbox();
    const api = relay(rs.url);
    const h = await api.get("/health");
    expect(h.status).toBe(200);
    expect(h.text).toBe('{"ok":true,"service":"clawcall"}\n');
    const sim = simHttp(rs.url);
    const started = await sim.post("/calls", {});
    expect(started.status).toBe(200);
    const sid = started.json.call_sid as string;
    expect(sid).toMatch(/^CA[0-9a-f]{32}$/);
    const g = await sim.get(`/calls/${sid}/wait?type=gather&timeout_ms=5000`);
    expect(g.json.ok).toBe(true);
    expect((await sim.post(`/calls/${sid}/say`, { text: "what time is it" })).json.captured).toBe(true);
    const m = await api.listen(5);
    expect(m.json).toEqual({ ok: true, call_sid: sid, message: "what time is it" });
    expect((await api.respond(sid, "It is noon.")).json).toEqual({ ok: true });
    const a = await sim.get(`/calls/${sid}/wait?type=answer_spoken&timeout_ms=5000`);
    expect(a.json.event.text).toBe("It is noon.");
    const detail = await sim.get(`/calls/${sid}`);
    const types = detail.json.call.events.map((e: { type: string }) => e.type);
    expect(types).not.toContain("filler");
  });
});
