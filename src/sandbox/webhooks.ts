/**
 * The relay's Twilio webhooks (`src/routes/webhooks.py`), called in process by the telephony simulator
 * instead of over HTTP. Each returns the TwiML verbs the real route would, after the same lookups, queue
 * operations and waits (contract §5).
 */
import { request } from "undici";
import type { Logger } from "../log.js";
import { charge, DEMO_REFILL_BELOW, refillDemoIfLow, withinLimit } from "./minutes.js";
import {
  CALLBACK_GONE,
  DIDNT_CATCH,
  FILLER_PHRASES,
  GREETING,
  LIMIT_REACHED,
  NO_AGENT,
  NOT_ACTIVE,
  NOT_REGISTERED,
  SCHEDULE_GONE,
  SOMETHING_WRONG,
  STILL_THERE,
} from "./phrases.js";
import { pyJsonDumps } from "./python.js";
import type { Queues } from "./queues.js";
import type { AgentRow, CallLogRow, CallType, Store } from "./store.js";
import type { SandboxTimings, Scale } from "./timings.js";
import { type GatherVerb, hangup, redirect, type SayVerb, say, type Verb, type WebhookRef } from "./twiml.js";

export type MessageKind = "utterance" | "scheduled" | "third_party_call" | "third_party_says";

export interface WebhookDeps {
  store: Store;
  queues: Queues;
  timings: SandboxTimings;
  scale: Scale;
  /** Epoch ms for stored dates. */
  now: () => number;
  random: () => number;
  log: Logger;
  /** Aborted when the sandbox closes. */
  signal: AbortSignal;
  /** Records an event in a call's log. */
  emit: (callSid: string, type: string, data?: Record<string, unknown>) => void;
}

export interface WebhookCall {
  sid: string;
  from: string;
  to: string;
}

/** The only hosts the sandbox posts Team webhook pushes to: it never sends anything off this machine. */
export const SANDBOX_PUSH_HOSTS: readonly string[] = ["127.0.0.1", "localhost", "[::1]"];

export class RelayWebhooks {
  constructor(private readonly d: WebhookDeps) {}

  /** Dispatches one webhook request from the simulated Twilio. */
  handle(ref: WebhookRef, call: WebhookCall, speech: string | undefined): Promise<Verb[]> {
    const p = ref.params;
    switch (ref.name) {
      case "inbound":
        return Promise.resolve(this.inbound(call));
      case "gather":
        return this.gather(p.agent_id ?? "", p.call_log_id ?? "", call.sid, speech ?? "");
      case "silence":
        return Promise.resolve(this.silence(p.agent_id ?? "", p.call_log_id ?? ""));
      case "poll":
        return this.poll(p.agent_id ?? "", p.call_sid ?? call.sid, p.call_log_id ?? "");
      case "callback":
        return Promise.resolve(this.callback(p.callback_id ?? "", p.allow_followup === "1", call.sid));
      case "scheduled":
        return this.scheduled(p.agent_id ?? "", p.context ?? "", call.sid);
      case "third-party":
        return this.thirdParty(p.job_id ?? "", call.sid);
      case "third-party-poll":
        return this.thirdPartyPoll(p.job_id ?? "", p.call_sid ?? call.sid);
      case "third-party-gather":
        return this.thirdPartyGather(p.job_id ?? "", call.sid, speech ?? "");
    }
  }

  /** Internal. Uniformly random filler. */
  private filler(): string {
    const i = Math.min(FILLER_PHRASES.length - 1, Math.floor(this.d.random() * FILLER_PHRASES.length));
    return FILLER_PHRASES[i]!;
  }

  private userGather(agent: AgentRow, callLogId: string, prompt: SayVerb): GatherVerb {
    return {
      verb: "gather",
      timeoutS: this.d.timings.gatherTimeoutS,
      action: { name: "gather", params: { agent_id: agent.id, call_log_id: callLogId } },
      say: prompt,
      thirdParty: false,
    };
  }

  private tpGather(jobId: string, prompt: SayVerb): GatherVerb {
    return {
      verb: "gather",
      timeoutS: this.d.timings.thirdPartyGatherTimeoutS,
      action: { name: "third-party-gather", params: { job_id: jobId } },
      say: prompt,
      thirdParty: true,
    };
  }

  /** The TwiML for an agent reply on a user-facing call (§4.3 end_call semantics). */
  private replyTwiml(agent: AgentRow, callLogId: string, text: string, endCall: boolean): Verb[] {
    const spoken = say(text, agent.voice, "answer", { endCall });
    if (endCall) return [spoken, hangup("end_call")];
    return [
      this.userGather(agent, callLogId, spoken),
      redirect("silence", { agent_id: agent.id, call_log_id: callLogId }),
    ];
  }

  private insertLog(
    agent: AgentRow,
    sid: string,
    direction: "inbound" | "outbound",
    type: CallType,
    from: string | null,
    to: string | null,
  ): CallLogRow {
    const row: CallLogRow = {
      id: this.d.store.newId(),
      agent_id: agent.id,
      user_id: agent.user_id,
      twilio_call_sid: sid,
      direction,
      call_type: type,
      from_number: from,
      to_number: to,
      duration_seconds: null,
      status: "in-progress",
      started_at: this.d.now(),
      ended_at: null,
      transcript_json: null,
      seq: this.d.store.nextSeq(),
    };
    this.d.store.t.call_logs.push(row);
    this.d.store.changed();
    return row;
  }

  private queue(agent: AgentRow, sid: string, message: string, kind: MessageKind): void {
    this.d.emit(sid, "message_queued", { kind, message });
    this.d.queues.queue(agent.id, sid, message);
  }

  private wait(sid: string, seconds: number) {
    return this.d.queues.result(sid, this.d.scale(seconds), this.d.signal);
  }

  /** `/webhooks/twilio/inbound`. */
  inbound(call: WebhookCall): Verb[] {
    const { store } = this.d;
    const refuse = (text: string): Verb[] => [say(text, null, "notice"), hangup("refused")];
    const number = store.t.phone_numbers.find((p) => p.number === call.to);
    if (!number || (!number.is_shared_pool && !number.agent_id)) return refuse(NOT_ACTIVE);
    let agent: AgentRow | undefined;
    if (number.is_shared_pool) {
      const user = store.t.users.find((u) => u.phone_number === call.from);
      if (!user) return refuse(NOT_REGISTERED);
      agent = store.oldestAgent(user.id);
      if (!agent) return refuse(NO_AGENT);
    } else {
      agent = store.agent(number.agent_id!);
      if (!agent || !store.userOf(agent)) return refuse(NOT_ACTIVE);
    }
    const user = store.userOf(agent);
    if (!withinLimit(user)) return refuse(LIMIT_REACHED);
    const log = this.insertLog(agent, call.sid, "inbound", "user_initiated", call.from, call.to);
    return [
      this.userGather(agent, log.id, say(GREETING, agent.voice, "greeting")),
      redirect("silence", { agent_id: agent.id, call_log_id: log.id }),
    ];
  }

  /** `/webhooks/twilio/gather`: queue the caller's speech, wait 12 s for the agent, else filler + poll. */
  async gather(agentId: string, callLogId: string, sid: string, speechRaw: string): Promise<Verb[]> {
    const agent = this.d.store.agent(agentId);
    if (!agent) return [say(SOMETHING_WRONG, null, "notice"), hangup("refused")];
    const speech = speechRaw.trim();
    if (!speech) return [this.userGather(agent, callLogId, say(DIDNT_CATCH, agent.voice, "didnt_catch"))];
    this.d.queues.appendTranscript(sid, { role: "user", text: speech });
    this.queue(agent, sid, speech, "utterance");
    return this.answerOrFiller(agent, callLogId, sid, this.d.timings.agentResponseS);
  }

  private async answerOrFiller(
    agent: AgentRow,
    callLogId: string,
    sid: string,
    waitS: number,
  ): Promise<Verb[]> {
    const r = await this.wait(sid, waitS);
    if (r) {
      this.d.queues.appendTranscript(sid, { role: "agent", text: r.text });
      return this.replyTwiml(agent, callLogId, r.text, r.end_call);
    }
    return [
      say(this.filler(), agent.voice, "filler"),
      redirect("poll", { agent_id: agent.id, call_sid: sid, call_log_id: callLogId }),
    ];
  }

  /** `/webhooks/twilio/poll`: the answer if ready, else wait 10 s; no slot at all means an immediate filler. */
  async poll(agentId: string, sid: string, callLogId: string): Promise<Verb[]> {
    const agent = this.d.store.agent(agentId);
    if (!agent) return [say(SOMETHING_WRONG, null, "notice"), hangup("refused")];
    return this.answerOrFiller(agent, callLogId, sid, this.d.timings.pollWaitS);
  }

  /** `/webhooks/twilio/silence`: "Are you still there?", then hang up if still silent. */
  silence(agentId: string, callLogId: string): Verb[] {
    const agent = this.d.store.agent(agentId);
    if (!agent) return [say(SOMETHING_WRONG, null, "notice"), hangup("refused")];
    return [
      this.userGather(agent, callLogId, say(STILL_THERE, agent.voice, "still_there")),
      hangup("silence"),
    ];
  }

  /** `/webhooks/twilio/callback`: the server speaks the agent's message itself; the agent is not told. */
  callback(callbackId: string, allowFollowup: boolean, sid: string): Verb[] {
    const { store } = this.d;
    const cb = store.t.callbacks.find((c) => c.id === callbackId);
    const agent = cb ? store.agent(cb.agent_id) : undefined;
    if (!cb || !agent) return [say(CALLBACK_GONE, null, "notice"), hangup("refused")];
    cb.status = "answered";
    const log = this.insertLog(agent, sid, "outbound", "task_callback", null, null);
    const message = say(cb.message, agent.voice, "callback_message");
    if (!allowFollowup) return [message, hangup("end_call")];
    return [
      this.userGather(agent, log.id, message),
      redirect("silence", { agent_id: agent.id, call_log_id: log.id }),
    ];
  }

  /** `/webhooks/twilio/scheduled`: no greeting; `[SCHEDULED] <context>` is queued and the user hears silence. */
  async scheduled(agentId: string, context: string, sid: string): Promise<Verb[]> {
    const agent = this.d.store.agent(agentId);
    if (!agent) return [say(SCHEDULE_GONE, null, "notice"), hangup("refused")];
    const log = this.insertLog(agent, sid, "outbound", "scheduled", null, null);
    this.queue(agent, sid, `[SCHEDULED] ${context}`, "scheduled");
    return this.answerOrFiller(agent, log.id, sid, this.d.timings.agentResponseS);
  }

  private jobAndAgent(jobId: string) {
    const job = this.d.store.t.third_party_calls.find((j) => j.id === jobId);
    const agent = job ? this.d.store.agent(job.agent_id) : undefined;
    return job && agent ? { job, agent } : undefined;
  }

  /** `/webhooks/twilio/third-party`: queue the objective, wait 12 s in silence, then 5 s poll rounds. */
  async thirdParty(jobId: string, sid: string): Promise<Verb[]> {
    const found = this.jobAndAgent(jobId);
    if (!found) return [hangup("refused")];
    const { job, agent } = found;
    this.insertLog(agent, sid, "outbound", "third_party", null, null);
    job.status = "in-progress";
    job.call_sid = sid;
    this.d.store.changed();
    this.queue(
      agent,
      sid,
      `[THIRD PARTY CALL]\nObjective: ${job.objective}\nContext: ${job.context}`,
      "third_party_call",
    );
    return this.tpAnswerOrFiller(jobId, agent, sid, this.d.timings.agentResponseS);
  }

  /** `/webhooks/twilio/third-party-poll`. */
  async thirdPartyPoll(jobId: string, sid: string): Promise<Verb[]> {
    const found = this.jobAndAgent(jobId);
    if (!found) return [hangup("refused")];
    return this.tpAnswerOrFiller(jobId, found.agent, sid, this.d.timings.thirdPartyPollWaitS);
  }

  private async tpAnswerOrFiller(
    jobId: string,
    agent: AgentRow,
    sid: string,
    waitS: number,
  ): Promise<Verb[]> {
    const r = await this.wait(sid, waitS);
    if (r) return this.tpReply(jobId, agent, sid, r.text, r.end_call, false);
    return [
      say(this.filler(), agent.voice, "filler"),
      redirect("third-party-poll", { job_id: jobId, call_sid: sid }),
    ];
  }

  private tpReply(
    jobId: string,
    agent: AgentRow,
    sid: string,
    text: string,
    endCall: boolean,
    filler: boolean,
  ) {
    this.d.queues.appendTranscript(sid, { role: "agent", text });
    const spoken = filler
      ? say(text, agent.voice, "filler", { asAnswer: true })
      : say(text, agent.voice, "answer", { endCall });
    if (endCall) {
      this.completeThirdParty(jobId, agent, sid);
      return [spoken, hangup("end_call")];
    }
    return [this.tpGather(jobId, spoken), hangup("silence")];
  }

  /**
   * `/webhooks/twilio/third-party-gather`: queue `[THIRD PARTY SAYS]: …` and wait 12 s once. On timeout a
   * filler is spoken as the agent's turn and logged as one; a late reply is kept and never spoken.
   */
  async thirdPartyGather(jobId: string, sid: string, speechRaw: string): Promise<Verb[]> {
    const found = this.jobAndAgent(jobId);
    const speech = speechRaw.trim();
    if (!found || !speech) return [hangup("silence")];
    const { agent } = found;
    this.d.queues.appendTranscript(sid, { role: "third_party", text: speech });
    this.queue(agent, sid, `[THIRD PARTY SAYS]: ${speech}`, "third_party_says");
    const r = await this.wait(sid, this.d.timings.agentResponseS);
    if (r) return this.tpReply(jobId, agent, sid, r.text, r.end_call, false);
    return this.tpReply(jobId, agent, sid, this.filler(), false, true);
  }

  /** `_complete_third_party`: only on the agent's end_call; queued on `notify-<job_id>` before the goodbye. */
  private completeThirdParty(jobId: string, agent: AgentRow, sid: string): void {
    const job = this.d.store.t.third_party_calls.find((j) => j.id === jobId);
    if (!job) return;
    const transcript = this.d.queues.transcript(sid).map((t) => ({ role: t.role, text: t.text }));
    job.status = "completed";
    job.transcript_json = JSON.stringify(transcript);
    this.d.store.changed();
    const body = pyJsonDumps({ job_id: jobId, status: "completed", transcript });
    const notifySid = `notify-${jobId}`;
    const message = `[THIRD PARTY COMPLETE]\n${body}`;
    this.d.emit(sid, "completion_queued", { job_id: jobId, call_sid: notifySid, message });
    this.d.queues.queue(agent.id, notifySid, message);
  }

  /**
   * `/webhooks/twilio/status`: without a call log nothing happens at all. Otherwise set the status, store the
   * transcript and charge minutes on `completed`, push to a Team webhook, then clear the slot and transcript.
   */
  status(sid: string, status: string, durationS: number): void {
    const { store, queues } = this.d;
    const log = store.t.call_logs.find((l) => l.twilio_call_sid === sid);
    if (!log) return;
    const job = store.t.third_party_calls.find((j) => j.call_sid === sid);
    if (status === "completed") {
      log.status = "completed";
      log.ended_at = this.d.now();
      log.duration_seconds = durationS;
      log.transcript_json = JSON.stringify(queues.transcript(sid));
      const user = store.user(log.user_id);
      if (user) {
        charge(user, durationS);
        if (refillDemoIfLow(user)) {
          this.d.log.info(
            { minutes_limit: user.minutes_limit },
            `demo account refilled (under ${DEMO_REFILL_BELOW} minutes were left)`,
          );
        }
      }
      if (job && job.status !== "completed") {
        job.status = "completed";
        job.transcript_json = log.transcript_json;
      }
    } else {
      log.status = status;
      if (job) job.status = status;
    }
    store.changed();
    this.pushStatus(log, status);
    queues.clearCall(sid);
  }

  /** Internal. Team webhook push (§5.7), best effort; the sandbox only ever posts to loopback URLs. */
  private pushStatus(log: CallLogRow, status: string): void {
    const agent = log.agent_id ? this.d.store.agent(log.agent_id) : undefined;
    const user = agent ? this.d.store.userOf(agent) : undefined;
    if (!agent?.webhook_push_url || user?.tier !== "team") return;
    let url: URL;
    try {
      url = new URL(agent.webhook_push_url);
    } catch {
      return;
    }
    if (!SANDBOX_PUSH_HOSTS.includes(url.hostname)) {
      this.d.log.warn({ host: url.hostname }, "sandbox skips webhook push to a non-loopback host");
      return;
    }
    const body = JSON.stringify({
      event: "call.status",
      call_sid: log.twilio_call_sid,
      status,
      duration_seconds: log.duration_seconds,
      call_type: log.call_type,
      direction: log.direction,
    });
    request(url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    })
      .then((r) => r.body.dump())
      .catch((err: unknown) => this.d.log.debug({ err }, "webhook push failed"));
  }
}
