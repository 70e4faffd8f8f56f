import { afterEach, describe, expect, it } from "vitest";
import { FILLER_PHRASES } from "../../src/sandbox/index.js";
import { DEMO_KEY, http, type Running, relay, startSandbox } from "./helpers.js";

let rs: Running | undefined;
afterEach(async () => {
  await rs?.close();
  rs = undefined;
});

function types(sid: string): string[] {
  return rs!.sb.sim.call(sid).events!.map((e) => e.type);
}

/** Starts a call from the demo phone, waits for the greeting's gather, says `text`, returns the sid. */
async function callAndSay(text: string, opts: { manual_silence?: boolean } = { manual_silence: true }) {
  const sim = rs!.sb.sim;
  const { sid } = sim.startCall(opts);
  expect(await sim.waitFor(sid, "gather")).not.toBeNull();
  expect(sim.say(sid, text)).toEqual({ captured: true });
  return sid;
}

describe("inbound call lifecycle", () => {
  it("greets, queues the speech, and speaks an answer given within the wait without any filler", async () => {
    rs = await startSandbox({ timeScale: 10 });
    const api = relay(rs.url);
    const sim = rs.sb.sim;
    const sid = await callAndSay("What time is it?");
    const m = await api.listen(10);
    expect(m.json).toEqual({ ok: true, call_sid: sid, message: "What time is it?" });
    expect((await api.respond(sid, "Noon.")).status).toBe(200);
    const spoken = await sim.waitFor(sid, "answer_spoken");
    expect(spoken).toMatchObject({
      type: "answer_spoken",
      text: "Noon.",
      end_call: false,
      voice: "Polly.Aria-Neural",
    });
    const t = types(sid);
    expect(t.slice(0, 4)).toEqual(["created", "answered", "webhook", "gather"]);
    expect(t).toContain("greeting");
    expect(rs.sb.sim.call(sid).events!.find((e) => e.type === "greeting")?.text).toBe(
      "Hello! How can I help you today?",
    );
    expect(t).toEqual(
      expect.arrayContaining([
        "caller_said",
        "message_queued",
        "message_delivered",
        "agent_responded",
        "answer_spoken",
      ]),
    );
    expect(t).not.toContain("filler");
    const queued = rs.sb.sim.call(sid).events!.find((e) => e.type === "message_queued");
    expect(queued).toMatchObject({ kind: "utterance", message: "What time is it?" });
  });

  it("a late answer: silence for the wait, a filler, then the answer on the next poll", async () => {
    rs = await startSandbox({ timeScale: 50 });
    const api = relay(rs.url);
    const sim = rs.sb.sim;
    const sid = await callAndSay("Book a table");
    expect((await api.listen(5)).json.call_sid).toBe(sid);
    const filler = await sim.waitFor(sid, "filler");
    expect(FILLER_PHRASES).toContain(filler!.text);
    expect(filler!.as_answer).toBe(false);
    await api.respond(sid, "Done, 7pm.");
    const ans = await sim.waitFor(sid, "answer_spoken", { after: filler!.index });
    expect(ans!.text).toBe("Done, 7pm.");
    const t = types(sid);
    const iq = t.indexOf("message_queued");
    const iFiller = t.indexOf("filler");
    expect(iq).toBeLessThan(iFiller);
    expect(t.slice(iFiller)).toContain("webhook");
    const names = sim
      .call(sid)
      .events!.filter((e) => e.type === "webhook")
      .map((e) => e.name);
    expect(names).toContain("poll");
    // The filler came after the relay's 12 s agent wait (simulated time).
    expect(
      filler!.sim_s - sim.call(sid).events!.find((e) => e.type === "message_queued")!.sim_s,
    ).toBeGreaterThanOrEqual(11);
  });

  it("never answered: a filler every poll round, indefinitely, until the caller hangs up", async () => {
    rs = await startSandbox({ timeScale: 100 });
    const api = relay(rs.url);
    const sim = rs.sb.sim;
    const sid = await callAndSay("Are you there?");
    await api.listen(5);
    let after = -1;
    const fillers = [];
    for (let i = 0; i < 4; i++) {
      const f = await sim.waitFor(sid, "filler", { after });
      expect(f).not.toBeNull();
      fillers.push(f!);
      after = f!.index;
    }
    for (const f of fillers) expect(FILLER_PHRASES).toContain(f.text);
    // Rounds are ~10 s of waiting plus a 1.5 s filler apart (simulated seconds).
    const gap = fillers[3]!.sim_s - fillers[2]!.sim_s;
    expect(gap).toBeGreaterThanOrEqual(10);
    sim.hangup(sid);
    const status = await sim.waitFor(sid, "status");
    expect(status).toMatchObject({ status: "completed", callback: true });
    expect(sim.call(sid).events!.find((e) => e.type === "hangup")?.reason).toBe("caller");
    // The status callback cleared the slot: a late answer is now a 404.
    expect((await api.respond(sid, "too late")).status).toBe(404);
  });

  it("end_call speaks the answer and hangs up; the call is logged, charged and transcribed", async () => {
    rs = await startSandbox({ timeScale: 20 });
    const api = relay(rs.url);
    const sim = rs.sb.sim;
    const before = (await api.get("/api/v1/account")).json.minutes_used as number;
    const sid = await callAndSay("Goodbye");
    await api.listen(5);
    await api.respond(sid, "Bye now.", true);
    const ans = await sim.waitFor(sid, "answer_spoken");
    expect(ans).toMatchObject({ text: "Bye now.", end_call: true });
    const hang = await sim.waitFor(sid, "hangup");
    expect(hang!.reason).toBe("end_call");
    await sim.waitFor(sid, "status");
    const hist = await api.get("/api/v1/calls/history?transcripts=TRUE");
    const item = hist.json.calls.find((c: { twilio_call_sid: string }) => c.twilio_call_sid === sid);
    expect(item).toMatchObject({
      direction: "inbound",
      call_type: "user_initiated",
      from_number: "+15555550100",
      to_number: "+15555550123",
      status: "completed",
      transcript: [
        { role: "user", text: "Goodbye" },
        { role: "agent", text: "Bye now." },
      ],
    });
    expect(item.started_at).toMatch(/ GMT$/);
    expect(item.ended_at).toMatch(/ GMT$/);
    expect(typeof item.duration_seconds).toBe("number");
    const noTranscripts = await api.get("/api/v1/calls/history");
    expect(noTranscripts.json.calls[0].transcript).toBeUndefined();
    const after = (await api.get("/api/v1/account")).json.minutes_used as number;
    expect(after).toBe(before + 1);
    expect((await api.respond(sid, "again")).status).toBe(404);
  });

  it("empty speech gets 'I didn't catch that', with no redirect: silence then ends the call", async () => {
    rs = await startSandbox({ timeScale: 50 });
    const sim = rs.sb.sim;
    const sid = await callAndSay("   ");
    const dc = await sim.waitFor(sid, "didnt_catch");
    expect(dc!.text).toBe("I didn't catch that. Could you say it again?");
    expect(sim.silence(sid)).toEqual({ ended_gather: true });
    const hang = await sim.waitFor(sid, "hangup");
    expect(hang!.reason).toBe("silence");
    expect(types(sid)).not.toContain("message_queued");
    expect(types(sid)).not.toContain("still_there");
  });

  it("after an answer, silence brings 'Are you still there?' and then a hang-up (caller times out by itself)", async () => {
    rs = await startSandbox({ timeScale: 100 });
    const api = relay(rs.url);
    const sim = rs.sb.sim;
    const sid = await callAndSay("hello", { manual_silence: false });
    await api.listen(5);
    await api.respond(sid, "Hi!");
    const still = await sim.waitFor(sid, "still_there");
    expect(still!.text).toBe("Are you still there?");
    const hang = await sim.waitFor(sid, "hangup", { after: still!.index });
    expect(hang!.reason).toBe("silence");
    await sim.waitFor(sid, "status");
    const t = types(sid);
    expect(t.filter((x) => x === "caller_silent")).toHaveLength(2);
    expect(t.at(-1)).toBe("status");
  });

  it("answering 'Are you still there?' continues the conversation", async () => {
    rs = await startSandbox({ timeScale: 50 });
    const api = relay(rs.url);
    const sim = rs.sb.sim;
    const sid = await callAndSay("first");
    await api.listen(5);
    await api.respond(sid, "One.");
    await sim.waitFor(sid, "answer_spoken");
    expect(sim.silence(sid)).toEqual({ ended_gather: true });
    const still = await sim.waitFor(sid, "still_there");
    expect(sim.say(sid, "second").captured).toBe(true);
    const m = await api.listen(5);
    expect(m.json).toEqual({ ok: true, call_sid: sid, message: "second" });
    await api.respond(sid, "Two.");
    expect((await sim.waitFor(sid, "answer_spoken", { after: still!.index }))!.text).toBe("Two.");
  });

  it("speech while a filler plays is not captured", async () => {
    rs = await startSandbox({ timeScale: 50, timings: { fillerSpeechS: 30 } });
    const api = relay(rs.url);
    const sim = rs.sb.sim;
    const sid = await callAndSay("q");
    await api.listen(5);
    await sim.waitFor(sid, "filler");
    expect(sim.say(sid, "hello?")).toEqual({ captured: false });
    expect(types(sid)).toContain("caller_unheard");
    sim.hangup(sid);
  });

  it("refuses callers the relay cannot route, with the relay's phrases and no message", async () => {
    rs = await startSandbox({ timeScale: 50 });
    const sim = rs.sb.sim;
    const stranger = sim.startCall({ from: "+19995550000" });
    const n1 = await sim.waitFor(stranger.sid, "notice");
    expect(n1!.text).toBe(
      "Sorry, your number is not registered with ClawCall. Please set up your account and try again. Goodbye.",
    );
    expect(n1!.voice).toBeNull();
    expect((await sim.waitFor(stranger.sid, "hangup"))!.reason).toBe("refused");
    const wrong = sim.startCall({ to: "+18005550000" });
    expect((await sim.waitFor(wrong.sid, "notice"))!.text).toBe(
      "Sorry, this number is not currently active. Goodbye.",
    );

    // A free user over the limit.
    const reg = await http(rs.url, "POST", "/api/v1/register", { body: { phone_number: "+14155550142" } });
    await rs.sb.sim.setTier({ api_key: reg.json.api_key, tier: "free", minutes_used: 10 });
    const over = sim.startCall({ from: "+14155550142" });
    expect((await sim.waitFor(over.sid, "notice"))!.text).toBe(
      "You've reached your monthly call limit on ClawCall. Please upgrade your plan to continue. Goodbye.",
    );
    expect(rs.sb.core.store.t.call_logs).toHaveLength(0);
  });

  it("routes a registered caller to their oldest agent; a dedicated number accepts anyone", async () => {
    rs = await startSandbox({ timeScale: 50 });
    const sim = rs.sb.sim;
    const reg = await http(rs.url, "POST", "/api/v1/register", { body: { phone_number: "+14155550177" } });
    const mine = relay(rs.url, reg.json.api_key);
    const c = sim.startCall({ from: "+14155550177", manual_silence: true });
    await sim.waitFor(c.sid, "gather");
    sim.say(c.sid, "for the new agent");
    expect((await mine.listen(5)).json.message).toBe("for the new agent");
    expect((await relay(rs.url, DEMO_KEY).listen(0)).json.timeout).toBe(true);

    sim.setTier({ api_key: reg.json.api_key, tier: "team" });
    const second = await mine.post("/api/v1/agents", { agent_webhook_url: "http://x", agent_name: "Line 2" });
    const d = sim.startCall({ from: "+10000000001", to: second.json.phone_number, manual_silence: true });
    await sim.waitFor(d.sid, "gather");
    sim.say(d.sid, "anyone can call");
    expect((await relay(rs.url, second.json.api_key).listen(5)).json.message).toBe("anyone can call");
  });
});
