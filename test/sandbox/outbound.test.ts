import { afterEach, describe, expect, it } from "vitest";
import { FILLER_PHRASES } from "../../src/sandbox/index.js";
import { type Running, relay, startSandbox } from "./helpers.js";

let rs: Running | undefined;
afterEach(async () => {
  await rs?.close();
  rs = undefined;
});

const types = (sid: string) => rs!.sb.sim.call(sid).events!.map((e) => e.type);

describe("callbacks", () => {
  it("rings the user, speaks the message itself, then follow-ups reach the agent unprefixed", async () => {
    rs = await startSandbox({ timeScale: 50, manualSilence: true });
    const api = relay(rs.url);
    const sim = rs.sb.sim;
    const r = await api.post("/api/v1/calls/outbound/callback", { message: "Your build finished." });
    const sid = r.json.call_sid as string;
    const view = sim.call(sid);
    expect(view).toMatchObject({
      kind: "callback",
      direction: "outbound",
      state: "ringing",
      to: "+15555550100",
    });
    expect(view.callback_id).toBe(r.json.callback_id);
    expect(sim.outbound().map((c) => c.sid)).toContain(sid);
    sim.answer(sid);
    const msg = await sim.waitFor(sid, "callback_message");
    expect(msg!.text).toBe("Your build finished.");
    expect(types(sid)).not.toContain("greeting");
    expect(sim.say(sid, "Thanks, any failures?").captured).toBe(true);
    expect((await api.listen(5)).json).toEqual({ ok: true, call_sid: sid, message: "Thanks, any failures?" });
    await api.respond(sid, "None.", true);
    expect((await sim.waitFor(sid, "hangup"))!.reason).toBe("end_call");
    await sim.waitFor(sid, "status");
    const hist = await api.get("/api/v1/calls/history?transcripts=true");
    const item = hist.json.calls.find((c: { twilio_call_sid: string }) => c.twilio_call_sid === sid);
    expect(item).toMatchObject({
      direction: "outbound",
      call_type: "task_callback",
      from_number: null,
      to_number: null,
    });
    expect(item.transcript).toEqual([
      { role: "user", text: "Thanks, any failures?" },
      { role: "agent", text: "None." },
    ]);
    expect(rs.sb.core.store.t.callbacks.find((c) => c.id === r.json.callback_id)?.status).toBe("answered");
  });

  it("allow_followup false says the message and hangs up; the string 'false' counts as true", async () => {
    rs = await startSandbox({ timeScale: 50, manualSilence: true });
    const api = relay(rs.url);
    const sim = rs.sb.sim;
    const no = await api.post("/api/v1/calls/outbound/callback", { message: "Done.", allow_followup: false });
    sim.answer(no.json.call_sid);
    expect((await sim.waitFor(no.json.call_sid, "hangup"))!.reason).toBe("end_call");
    expect(types(no.json.call_sid)).not.toContain("gather");
    const quirk = await api.post("/api/v1/calls/outbound/callback", {
      message: "Done.",
      allow_followup: "false",
    });
    sim.answer(quirk.json.call_sid);
    expect(await sim.waitFor(quirk.json.call_sid, "gather")).not.toBeNull();
    sim.hangup(quirk.json.call_sid);
  });

  it("an ignored or rejected callback leaves no call log and tells the agent nothing", async () => {
    rs = await startSandbox({ timeScale: 50 });
    const api = relay(rs.url);
    const sim = rs.sb.sim;
    const a = await api.post("/api/v1/calls/outbound/callback", { message: "x" });
    const b = await api.post("/api/v1/calls/outbound/callback", { message: "y" });
    sim.ignore(a.json.call_sid);
    sim.reject(b.json.call_sid);
    expect(await sim.waitFor(a.json.call_sid, "status")).toMatchObject({ status: "no-answer" });
    expect(await sim.waitFor(b.json.call_sid, "status")).toMatchObject({ status: "busy" });
    expect((await api.get("/api/v1/calls/history")).json.calls).toEqual([]);
    expect((await api.listen(0)).json).toEqual({ ok: true, timeout: true });
    expect(rs.sb.core.store.t.callbacks.map((c) => c.status)).toEqual(["calling", "calling"]);
  });

  it("an outbound call nobody touches ends as no-answer after the ring timeout", async () => {
    rs = await startSandbox({ timeScale: 100, timings: { ringTimeoutS: 5 } });
    const api = relay(rs.url);
    const r = await api.post("/api/v1/calls/outbound/callback", { message: "x" });
    expect(await rs.sb.sim.waitFor(r.json.call_sid, "status")).toMatchObject({ status: "no-answer" });
    expect(rs.sb.sim.call(r.json.call_sid).events!.find((e) => e.type === "hangup")?.reason).toBe(
      "no_answer",
    );
  });
});

describe("scheduled calls", () => {
  it("fires on demand: silent opening, [SCHEDULED] context queued, answer spoken", async () => {
    rs = await startSandbox({ timeScale: 50, manualSilence: true });
    const api = relay(rs.url);
    const sim = rs.sb.sim;
    const s = await api.post("/api/v1/calls/schedule", {
      cron: "0 8 * * 1-5",
      task_context: "Read the news",
    });
    const fired = sim.fireSchedule(s.json.id);
    expect(fired.ok).toBe(true);
    const sid = (fired as { call_sid: string }).call_sid;
    expect(sim.call(sid)).toMatchObject({ kind: "scheduled", state: "ringing", schedule_id: s.json.id });
    sim.answer(sid);
    expect((await api.listen(5)).json).toEqual({
      ok: true,
      call_sid: sid,
      message: "[SCHEDULED] Read the news",
    });
    await api.respond(sid, "Here is the news.");
    expect((await sim.waitFor(sid, "answer_spoken"))!.text).toBe("Here is the news.");
    const t = types(sid);
    expect(t).not.toContain("greeting");
    expect(t.indexOf("message_queued")).toBeLessThan(t.indexOf("answer_spoken"));
    expect(sim.call(sid).events!.find((e) => e.type === "message_queued")).toMatchObject({
      kind: "scheduled",
    });
    const list = await api.get("/api/v1/calls/schedule");
    expect(list.json.schedules[0].last_run_at).toMatch(/ GMT$/);
    sim.hangup(sid);
    await sim.waitFor(sid, "status");
    const hist = await api.get("/api/v1/calls/history?transcripts=true");
    expect(hist.json.calls[0]).toMatchObject({ call_type: "scheduled", direction: "outbound" });
    expect(hist.json.calls[0].transcript).toEqual([{ role: "agent", text: "Here is the news." }]);
  });

  it("over HTTP: /sandbox/schedules/:id/fire; an empty context is '[SCHEDULED] '", async () => {
    rs = await startSandbox({ timeScale: 50 });
    const api = relay(rs.url);
    const s = await api.post("/api/v1/calls/schedule", { cron: "0 8 * * *" });
    const fired = await fetch(`${rs.url}/sandbox/schedules/${s.json.id}/fire`, { method: "POST" }).then((r) =>
      r.json(),
    );
    expect(fired.ok).toBe(true);
    await fetch(`${rs.url}/sandbox/calls/${fired.call_sid}/answer`, { method: "POST" });
    expect((await api.listen(5)).json.message).toBe("[SCHEDULED] ");
    const gone = await fetch(`${rs.url}/sandbox/schedules/nope/fire`, { method: "POST" });
    expect(gone.status).toBe(404);
  });

  it("does not re-check the tier when firing, but skips a user over the limit", async () => {
    rs = await startSandbox({ timeScale: 50 });
    const api = relay(rs.url);
    const sim = rs.sb.sim;
    const s = await api.post("/api/v1/calls/schedule", { cron: "0 8 * * *" });
    sim.setTier({ tier: "free" });
    expect(sim.fireSchedule(s.json.id).ok).toBe(true);
    sim.setTier({ tier: "free", minutes_used: 10 });
    expect(sim.fireSchedule(s.json.id)).toEqual({ ok: false, skipped: "monthly minute limit reached" });
    sim.setTier({ tier: "pro", minutes_used: 0 });
  });

  it("fires at APScheduler's weekdays: numeric 1-5 is Tuesday to Saturday, names are as written", async () => {
    rs = await startSandbox({ timeScale: 50 });
    const api = relay(rs.url);
    const numeric = await api.post("/api/v1/calls/schedule", { cron: "0 8 * * 1-5" });
    const named = await api.post("/api/v1/calls/schedule", { cron: "0 8 * * mon-fri" });
    const zoned = await api.post("/api/v1/calls/schedule", {
      cron: "30 7 * * *",
      timezone: "America/New_York",
    });
    const bogus = await api.post("/api/v1/calls/schedule", { cron: "30 7 * * *", timezone: "Mars/Base" });
    const monday = new Date("2026-03-02T00:00:00Z"); // a Monday
    const runs = (id: string, n = 5) =>
      rs!.sb.sim
        .schedules(n, monday)
        .find((s) => s.id === id)!
        .next_runs.map((d) => new Date(d));
    const day = (d: Date) => ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getUTCDay()];
    expect(runs(numeric.json.id).map(day)).toEqual(["Tue", "Wed", "Thu", "Fri", "Sat"]);
    expect(runs(numeric.json.id)[0]!.toISOString()).toBe("2026-03-03T08:00:00.000Z");
    expect(runs(named.json.id).map(day)).toEqual(["Mon", "Tue", "Wed", "Thu", "Fri"]);
    expect(runs(zoned.json.id, 1)[0]!.toISOString()).toBe("2026-03-02T12:30:00.000Z");
    expect(runs(bogus.json.id, 1)[0]!.toISOString()).toBe("2026-03-02T07:30:00.000Z");
  });

  it("registers a real cron job per schedule when jobs run", async () => {
    rs = await startSandbox({ timeScale: 50, runSchedules: true });
    const api = relay(rs.url);
    const s = await api.post("/api/v1/calls/schedule", { cron: "* * * * *" });
    const next = rs.sb.core.scheduler.jobNextRun(s.json.id);
    expect(next).not.toBeNull();
    expect(next!.getTime() - Date.now()).toBeLessThanOrEqual(60_000);
    await api.del(`/api/v1/calls/schedule/${s.json.id}`);
    expect(rs.sb.core.scheduler.jobNextRun(s.json.id)).toBeNull();
  });
});

describe("third-party calls", () => {
  async function place(objective = "Book a table for two", context = "Friday 7pm") {
    const api = relay(rs!.url);
    const r = await api.post("/api/v1/calls/outbound/third-party", {
      to_number: "+14155550199",
      objective,
      context,
    });
    expect(r.status).toBe(200);
    return { api, jobId: r.json.job_id as string, sid: r.json.call_sid as string };
  }

  it("opens with the objective, relays the third party's speech, and completes on end_call", async () => {
    rs = await startSandbox({ timeScale: 20, manualSilence: true });
    const sim = rs.sb.sim;
    const { api, jobId, sid } = await place();
    expect(sim.call(sid)).toMatchObject({
      kind: "third_party",
      state: "ringing",
      to: "+14155550199",
      job_id: jobId,
    });
    sim.answer(sid);
    const open = await api.listen(5);
    expect(open.json).toEqual({
      ok: true,
      call_sid: sid,
      message: "[THIRD PARTY CALL]\nObjective: Book a table for two\nContext: Friday 7pm",
    });
    await api.respond(sid, "Hi, I'd like to book a table.");
    expect((await sim.waitFor(sid, "answer_spoken"))!.text).toBe("Hi, I'd like to book a table.");
    expect(sim.thirdPartySay(sid, "Sure, for when?").captured).toBe(true);
    expect((await api.listen(5)).json).toEqual({
      ok: true,
      call_sid: sid,
      message: "[THIRD PARTY SAYS]: Sure, for when?",
    });
    await api.respond(sid, "Friday at 7, thanks — “bye”.", true);
    const done = await api.listen(5);
    expect(done.json.call_sid).toBe(`notify-${jobId}`);
    expect(done.json.message).toBe(
      `[THIRD PARTY COMPLETE]\n{"job_id": "${jobId}", "status": "completed", "transcript": [{"role": "agent", "text": "Hi, I'd like to book a table."}, {"role": "third_party", "text": "Sure, for when?"}, {"role": "agent", "text": "Friday at 7, thanks \\u2014 \\u201cbye\\u201d."}]}`,
    );
    const t = types(sid);
    expect(t.indexOf("completion_queued")).toBeLessThan(t.lastIndexOf("answer_spoken"));
    expect((await sim.waitFor(sid, "hangup"))!.reason).toBe("end_call");
    await sim.waitFor(sid, "status");
    expect((await api.respond(`notify-${jobId}`, "ok")).status).toBe(200);
    expect(t.filter((x) => x === "third_party_said")).toHaveLength(1);
    const hist = await api.get("/api/v1/calls/history?transcripts=true");
    expect(hist.json.calls[0]).toMatchObject({ call_type: "third_party", status: "completed" });
    expect(hist.json.calls[0].transcript.map((x: { role: string }) => x.role)).toEqual([
      "agent",
      "third_party",
      "agent",
    ]);
  });

  it("a slow opening answer: silence, then fillers every 5 s poll round", async () => {
    rs = await startSandbox({ timeScale: 20, manualSilence: true });
    const sim = rs.sb.sim;
    const { api, sid } = await place();
    sim.answer(sid);
    await api.listen(5);
    const f1 = await sim.waitFor(sid, "filler");
    const f2 = await sim.waitFor(sid, "filler", { after: f1!.index });
    const gap = f2!.sim_s - f1!.sim_s;
    expect(gap).toBeGreaterThanOrEqual(5);
    expect(gap).toBeLessThan(10);
    const polls = sim.call(sid).events!.filter((e) => e.type === "webhook" && e.name === "third-party-poll");
    expect(polls.length).toBeGreaterThanOrEqual(1);
    await api.respond(sid, "Hello!");
    expect((await sim.waitFor(sid, "answer_spoken"))!.text).toBe("Hello!");
    sim.hangup(sid);
  });

  it("a late turn answer: a filler is spoken as the agent, and the late answer lands on the next turn", async () => {
    rs = await startSandbox({ timeScale: 50, manualSilence: true });
    const sim = rs.sb.sim;
    const { api, jobId, sid } = await place();
    sim.answer(sid);
    await api.listen(5);
    await api.respond(sid, "Hi there.");
    await sim.waitFor(sid, "answer_spoken");
    sim.thirdPartySay(sid, "What day?");
    expect((await api.listen(5)).json.message).toBe("[THIRD PARTY SAYS]: What day?");
    // The agent misses the single 12 s wait.
    const filler = await sim.waitFor(sid, "filler");
    expect(filler!.as_answer).toBe(true);
    expect(FILLER_PHRASES).toContain(filler!.text);
    sim.thirdPartySay(sid, "Hello? What time?");
    expect((await api.listen(5)).json.message).toBe("[THIRD PARTY SAYS]: Hello? What time?");
    // Only now does the answer to "What day?" arrive: it fills the new turn's slot.
    await api.respond(sid, "Friday.");
    const spoken = await sim.waitFor(sid, "answer_spoken", { after: filler!.index });
    expect(spoken!.text).toBe("Friday.");
    // The real answer to the second question is accepted and never spoken.
    expect((await api.respond(sid, "At 7pm.", true)).status).toBe(200);
    sim.silence(sid);
    await sim.waitFor(sid, "status");
    expect(
      rs.sb.sim
        .call(sid)
        .events!.filter((e) => e.type === "answer_spoken")
        .map((e) => e.text),
    ).toEqual(["Hi there.", "Friday."]);
    const job = rs.sb.core.store.t.third_party_calls.find((j) => j.id === jobId)!;
    expect(JSON.parse(job.transcript_json!)).toEqual([
      { role: "agent", text: "Hi there." },
      { role: "third_party", text: "What day?" },
      { role: "agent", text: filler!.text },
      { role: "third_party", text: "Hello? What time?" },
      { role: "agent", text: "Friday." },
    ]);
    // No completion notice: the call ended by silence, not by end_call.
    expect((await api.listen(0)).json).toEqual({ ok: true, timeout: true });
  });

  it("silence from the callee hangs up after the gather; no completion notice; job finalised by status", async () => {
    rs = await startSandbox({ timeScale: 100 });
    const sim = rs.sb.sim;
    const { api, jobId, sid } = await place();
    sim.answer(sid);
    await api.listen(5);
    await api.respond(sid, "Hello?");
    expect((await sim.waitFor(sid, "hangup"))!.reason).toBe("silence");
    await sim.waitFor(sid, "status");
    expect((await api.listen(0)).json.timeout).toBe(true);
    expect(rs.sb.core.store.t.third_party_calls.find((j) => j.id === jobId)?.status).toBe("completed");
  });

  it("an unanswered third-party call leaves the job 'calling' and says nothing", async () => {
    rs = await startSandbox({ timeScale: 50 });
    const sim = rs.sb.sim;
    const { api, jobId, sid } = await place();
    sim.ignore(sid);
    await sim.waitFor(sid, "status");
    expect(rs.sb.core.store.t.third_party_calls.find((j) => j.id === jobId)?.status).toBe("calling");
    expect((await api.listen(0)).json.timeout).toBe(true);
  });
});
