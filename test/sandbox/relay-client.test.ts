// The typed relay client (src/relay/) against the sandbox: every response it parses must satisfy its
// schemas, and every message kind the sandbox produces must parse into the right event.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RelayHttpError } from "../../src/errors.js";
import { RelayClient } from "../../src/relay/client.js";
import { parseRelayMessage } from "../../src/relay/messages.js";
import { DEMO_KEY, type Running, startSandbox } from "./helpers.js";

let rs: Running;
let client: RelayClient;
beforeAll(async () => {
  rs = await startSandbox({ timeScale: 50, manualSilence: true });
  client = new RelayClient({ apiUrl: rs.url, apiKey: DEMO_KEY });
});
afterAll(async () => {
  await client.close();
  await rs.close();
});

describe("RelayClient against the sandbox", () => {
  it("parses health, account, agents, history, schedules and billing responses", async () => {
    await client.health();
    const acct = await client.account();
    expect(acct).toMatchObject({ tier: "pro", phone_number: "+15555550123", is_dedicated: false });
    await client.listAgents();
    await client.setVoice("emma");
    await client.setPhone("+15555550100");
    const sched = await client.createSchedule({
      cron: "0 9 * * mon-fri",
      label: "standup",
      task_context: "",
      timezone: "UTC",
    });
    const list = await client.listSchedules();
    expect(list.schedules.map((s) => s.id)).toContain(sched.id);
    await client.deleteSchedule(sched.id);
    await client.history({ limit: 5, transcripts: true });
    await client.billingCheckout("team");
    await client.billingStatus();
    await client.billingCancel();
  });

  it("maps relay refusals to RelayHttpError with the relay's text", async () => {
    const reg = await client.register({ email: "client-test@example.com" });
    const free = new RelayClient({ apiUrl: rs.url, apiKey: reg.api_key });
    try {
      const err = await free.callback("hi").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RelayHttpError);
      expect((err as RelayHttpError).status).toBe(403);
      expect((err as RelayHttpError).relayMessage).toBe("Outbound calls require Pro tier or above");
      await client.register({ email: "client-test@example.com" }); // rotates free's key
      const gone = await free.account().catch((e: unknown) => e);
      expect((gone as RelayHttpError).code).toBe("E_RELAY_AUTH");
    } finally {
      await free.close();
    }
  });

  it("every message kind the sandbox produces parses into the right event", async () => {
    const sim = rs.sb.sim;
    const kinds: string[] = [];
    const take = async () => {
      const m = await client.listen(5);
      expect("call_sid" in m).toBe(true);
      const { call_sid, message } = m as { call_sid: string; message: string };
      const ev = parseRelayMessage(call_sid, message);
      kinds.push(ev.kind);
      return { ev, call_sid };
    };
    // Caller speech on an inbound call.
    const inbound = sim.startCall();
    await sim.waitFor(inbound.sid, "gather");
    sim.say(inbound.sid, "hello");
    const c = await take();
    expect(c.ev).toMatchObject({ kind: "caller", text: "hello" });
    await client.respond(c.call_sid, "Hi.", true);
    // A scheduled call.
    const sched = await client.createSchedule({
      cron: "0 8 * * *",
      label: "brief",
      task_context: "brief me",
      timezone: "UTC",
    });
    const fired = sim.fireSchedule(sched.id) as { call_sid: string };
    sim.answer(fired.call_sid);
    const s = await take();
    expect(s.ev).toMatchObject({ kind: "scheduled", context: "brief me" });
    await client.respond(s.call_sid, "Here you go.", true);
    // A third-party call: opening, turn, completion.
    const tp = await client.thirdParty({ to_number: "+14155550100", objective: "ask hours", context: "" });
    sim.answer(tp.call_sid);
    const open = await take();
    expect(open.ev).toMatchObject({ kind: "third_party_open", objective: "ask hours", context: "" });
    await client.respond(tp.call_sid, "Hi, what are your hours?", false);
    await sim.waitFor(tp.call_sid, "answer_spoken");
    sim.thirdPartySay(tp.call_sid, "Nine to five.");
    const says = await take();
    expect(says.ev).toMatchObject({ kind: "third_party_says", speech: "Nine to five." });
    await client.respond(tp.call_sid, "Thanks, bye.", true);
    const done = await take();
    expect(done.ev).toMatchObject({ kind: "third_party_complete", jobId: tp.job_id, status: "completed" });
    expect(kinds).toEqual([
      "caller",
      "scheduled",
      "third_party_open",
      "third_party_says",
      "third_party_complete",
    ]);
  });
});
