/**
 * The telephony simulator: plays Twilio and the people on the line. It executes the relay webhooks'
 * TwiML verbs with the contract's timing (scaled), drives a simulated caller who speaks, stays silent or
 * hangs up when told to, and keeps an ordered, timestamped event log per call.
 */
import type { Logger } from "../log.js";
import { deadlineSignal, raceSignal } from "../util/async.js";
import { sleep } from "../util/sleep.js";
import { type CallEvent, CallEventLog } from "./call-events.js";
import {
  type CallKind,
  type CallPhase,
  type CallState,
  newCallSid,
  type SimCall,
  SimError,
} from "./sim-call.js";
import type { Store } from "./store.js";
import type { ThreadPool } from "./threads.js";
import { type SandboxTimings, type Scale, speechSeconds } from "./timings.js";
import type { GatherVerb, SayVerb, Verb, WebhookRef } from "./twiml.js";
import type { RelayWebhooks } from "./webhooks.js";

export type { CallEvent, CallKind, CallPhase, CallState, SimCall };
export { newCallSid, SimError };

interface LiveCall {
  call: SimCall;
  createdMono: number;
  answeredMono: number | null;
  abort: AbortController;
  gather: ActiveGather | null;
  answerWebhook: WebhookRef | null;
  statusCallback: boolean;
  ringTimer: NodeJS.Timeout | null;
  listeners: Set<() => void>;
}

interface ActiveGather {
  speech(text: string): boolean;
  silence(): boolean;
}

export interface TelephonyOptions {
  store: Store;
  webhooks: () => RelayWebhooks;
  threads: ThreadPool;
  timings: SandboxTimings;
  scale: Scale;
  timeScale: number;
  now: () => number;
  log: Logger;
  signal: AbortSignal;
  /** Real-time slack added to Twilio's webhook deadline so event-loop jitter at high time scales drops no call. */
  webhookTimeoutSlackMs: number;
  /** Send status callbacks for inbound calls on the shared number (configured by hand on the real relay). */
  sharedNumberStatusCallback: boolean;
  /** Default for `manual_silence`: the caller never times out on a Gather by itself. */
  manualSilence: boolean;
  /** Answer outbound calls automatically after this many simulated seconds; undefined leaves them ringing. */
  autoAnswerS: number | undefined;
  /** Keep at most this many ended calls. */
  maxEndedCalls: number;
}

export class Telephony {
  private readonly calls = new Map<string, LiveCall>();
  private readonly events: CallEventLog;

  constructor(private readonly o: TelephonyOptions) {
    this.events = new CallEventLog(o);
  }

  // ---- queries ---------------------------------------------------------------------------------------

  get(sid: string): SimCall | undefined {
    return this.calls.get(sid)?.call;
  }

  list(): SimCall[] {
    return [...this.calls.values()].map((l) => l.call);
  }

  // ---- events ----------------------------------------------------------------------------------------

  /** Appends an event to a call's log (no-op for sids the simulator does not know, e.g. notify-…). */
  emit(sid: string, type: string, data: Record<string, unknown> = {}): CallEvent | undefined {
    const live = this.calls.get(sid);
    if (!live) return undefined;
    return this.events.append(sid, live, type, data);
  }

  /**
   * Resolves with the first event of one of `types` whose index is above `after`, or null on timeout, or
   * "ended" when the call's log is final (after `status`) without such an event.
   */
  waitForEvent(
    sid: string,
    types: readonly string[],
    after: number,
    timeoutMs: number,
  ): Promise<CallEvent | null | "ended"> {
    const live = this.calls.get(sid);
    if (!live) return Promise.reject(new SimError(404, "unknown call_sid"));
    return this.events.waitFor(live, types, after, timeoutMs);
  }

  /** Like waitForEvent across all calls: the first matching event with `seq` above `afterSeq`. */
  waitForAnyEvent(
    types: readonly string[],
    afterSeq: number,
    timeoutMs: number,
  ): Promise<{ call_sid: string; event: CallEvent } | null> {
    return this.events.waitForAny(types, afterSeq, timeoutMs);
  }

  lastSeq(): number {
    return this.events.lastSeq();
  }

  // ---- placing calls ---------------------------------------------------------------------------------

  private create(init: {
    sid?: string;
    kind: CallKind;
    direction: "inbound" | "outbound";
    from: string;
    to: string;
    agentId: string | null;
    manualSilence?: boolean;
    statusCallback: boolean;
    answerWebhook: WebhookRef | null;
    extra?: Partial<SimCall>;
  }): LiveCall {
    this.prune();
    const sid = init.sid ?? newCallSid();
    const call: SimCall = {
      sid,
      kind: init.kind,
      direction: init.direction,
      from: init.from,
      to: init.to,
      state: init.direction === "inbound" ? "in-progress" : "ringing",
      phase: init.direction === "inbound" ? "waiting" : "ringing",
      status: null,
      agent_id: init.agentId,
      manual_silence: init.manualSilence ?? this.o.manualSilence,
      created_at: this.o.now(),
      answered_at: null,
      ended_at: null,
      duration_s: null,
      events: [],
      ...init.extra,
    };
    const live: LiveCall = {
      call,
      createdMono: performance.now(),
      answeredMono: null,
      abort: new AbortController(),
      gather: null,
      answerWebhook: init.answerWebhook,
      statusCallback: init.statusCallback,
      ringTimer: null,
      listeners: new Set(),
    };
    this.calls.set(sid, live);
    this.emit(sid, "created", { kind: init.kind, direction: init.direction, from: init.from, to: init.to });
    return live;
  }

  /** Internal. Forgets the oldest ended calls beyond the cap. */
  private prune(): void {
    const ended = [...this.calls.values()].filter((l) => l.call.state === "ended");
    const excess = ended.length - this.o.maxEndedCalls;
    for (let i = 0; i < excess; i++) this.calls.delete(ended[i]!.call.sid);
  }

  /** A person dials a relay number. Twilio answers at once and asks the relay's `/inbound` webhook. */
  startInbound(from: string, to: string, manualSilence?: boolean): SimCall {
    const number = this.o.store.t.phone_numbers.find((p) => p.number === to);
    const statusCallback = number ? !number.is_shared_pool || this.o.sharedNumberStatusCallback : false;
    const live = this.create({
      kind: "inbound",
      direction: "inbound",
      from,
      to,
      agentId: null,
      manualSilence,
      statusCallback,
      answerWebhook: null,
    });
    this.answerNow(live, { name: "inbound", params: {} });
    return live.call;
  }

  /** The relay places an outbound call (callback, scheduled, third-party); it rings until answered. */
  dial(init: {
    kind: Exclude<CallKind, "inbound">;
    from: string;
    to: string;
    agentId: string;
    answerWebhook: WebhookRef;
    extra?: Partial<SimCall>;
  }): SimCall {
    const live = this.create({ ...init, direction: "outbound", statusCallback: true });
    this.emit(live.call.sid, "ringing", { to: init.to });
    const { autoAnswerS } = this.o;
    if (autoAnswerS !== undefined) {
      live.ringTimer = setTimeout(() => this.answer(live.call.sid), this.o.scale(autoAnswerS));
    } else {
      live.ringTimer = setTimeout(
        () => this.end(live, "no_answer", "no-answer"),
        this.o.scale(this.o.timings.ringTimeoutS),
      );
    }
    return live.call;
  }

  // ---- what the people on the line do ----------------------------------------------------------------

  private live(sid: string): LiveCall {
    const live = this.calls.get(sid);
    if (!live) throw new SimError(404, "unknown call_sid");
    return live;
  }

  answer(sid: string, manualSilence?: boolean): SimCall {
    const live = this.live(sid);
    if (live.call.state !== "ringing") throw new SimError(409, `call is ${live.call.state}, not ringing`);
    if (manualSilence !== undefined) live.call.manual_silence = manualSilence;
    this.answerNow(live, live.answerWebhook!);
    return live.call;
  }

  reject(sid: string): SimCall {
    const live = this.live(sid);
    if (live.call.state !== "ringing") throw new SimError(409, `call is ${live.call.state}, not ringing`);
    this.end(live, "rejected", "busy");
    return live.call;
  }

  ignore(sid: string): SimCall {
    const live = this.live(sid);
    if (live.call.state !== "ringing") throw new SimError(409, `call is ${live.call.state}, not ringing`);
    this.end(live, "no_answer", "no-answer");
    return live.call;
  }

  /**
   * The person on the line speaks. Heard only while a Gather listens (during its prompt or after);
   * otherwise (fillers, waits) the speech is lost, as on the real line. Empty text is noise with no words.
   */
  say(sid: string, text: string, thirdPartyOnly = false): { captured: boolean } {
    const live = this.live(sid);
    if (thirdPartyOnly && live.call.kind !== "third_party") throw new SimError(409, "not a third-party call");
    if (live.call.state !== "in-progress") throw new SimError(409, `call is ${live.call.state}`);
    if (live.gather?.speech(text)) return { captured: true };
    this.emit(sid, "caller_unheard", { text });
    return { captured: false };
  }

  /** The person stays silent: a listening Gather times out now instead of after its timeout. */
  silence(sid: string): { ended_gather: boolean } {
    const live = this.live(sid);
    if (live.call.state !== "in-progress") throw new SimError(409, `call is ${live.call.state}`);
    return { ended_gather: live.gather?.silence() ?? false };
  }

  /** The person hangs up (or cancels a ringing call, as the relay never does). */
  hangup(sid: string): SimCall {
    const live = this.live(sid);
    if (live.call.state === "ended") throw new SimError(409, "call has ended");
    if (live.call.state === "ringing") this.end(live, "canceled", "canceled");
    else this.end(live, "caller", "completed");
    return live.call;
  }

  // ---- Twilio ----------------------------------------------------------------------------------------

  private answerNow(live: LiveCall, first: WebhookRef): void {
    if (live.ringTimer) clearTimeout(live.ringTimer);
    live.ringTimer = null;
    live.call.state = "in-progress";
    live.call.answered_at = this.o.now();
    live.answeredMono = performance.now();
    this.emit(live.call.sid, "answered");
    void this.execute(live, first).catch((err: unknown) => {
      this.o.log.error({ err, call_sid: live.call.sid }, "telephony simulator failed");
      this.end(live, "simulator_error", "failed");
    });
  }

  /** Internal. Runs TwiML documents until the call ends. */
  private async execute(live: LiveCall, first: WebhookRef): Promise<void> {
    let doc = await this.webhook(live, first, undefined);
    while (doc && live.call.state === "in-progress") doc = await this.runDoc(live, doc);
  }

  /** Internal. Runs one TwiML document; returns the next one (from a webhook) or null when the call ended. */
  private async runDoc(live: LiveCall, doc: Verb[]): Promise<Verb[] | null> {
    let lastGatherTimedOut = false;
    for (const verb of doc) {
      if (live.call.state !== "in-progress") return null;
      lastGatherTimedOut = false;
      switch (verb.verb) {
        case "say":
          await this.speak(live, verb);
          break;
        case "gather": {
          const speech = await this.gather(live, verb);
          if (speech !== null) return this.webhook(live, verb.action, speech);
          lastGatherTimedOut = true;
          break;
        }
        case "redirect":
          return this.webhook(live, verb.to, undefined);
        case "hangup":
          this.end(live, verb.reason, "completed");
          return null;
      }
    }
    if (live.call.state === "in-progress")
      this.end(live, lastGatherTimedOut ? "silence" : "twiml_end", "completed");
    return null;
  }

  /** Internal. Twilio requests a relay webhook; it holds one relay thread for as long as the route runs. */
  private async webhook(live: LiveCall, ref: WebhookRef, speech: string | undefined): Promise<Verb[] | null> {
    const { sid } = live.call;
    live.call.phase = "waiting";
    this.emit(sid, "webhook", { name: ref.name });
    const info = { sid, from: live.call.from, to: live.call.to };
    const run = this.o.threads.run(() => this.o.webhooks().handle(ref, info, speech));
    const deadline = this.o.scale(this.o.timings.webhookTimeoutS) + this.o.webhookTimeoutSlackMs;
    const dl = deadlineSignal(deadline, { links: [live.abort.signal] });
    try {
      return await raceSignal(run, dl.signal);
    } catch (err) {
      // The route's own failure, not the deadline or a hang-up: pass it on.
      if (!dl.signal.aborted || err !== dl.signal.reason) throw err;
      if (live.abort.signal.aborted) return null; // hung up
      // The route keeps running (and holding its thread); Twilio has given up on it.
      run.catch(() => {});
      this.emit(sid, "application_error", { webhook: ref.name });
      this.end(live, "application_error", "completed");
      return null;
    } finally {
      dl.cancel();
    }
  }

  private sayEventType(v: SayVerb): string {
    switch (v.kind) {
      case "answer":
        return "answer_spoken";
      default:
        return v.kind;
    }
  }

  private sayDurationMs(v: SayVerb): number {
    const s = v.kind === "filler" ? this.o.timings.fillerSpeechS : speechSeconds(this.o.timings, v.text);
    return this.o.scale(s);
  }

  private emitSay(live: LiveCall, v: SayVerb, durationMs: number): void {
    const data: Record<string, unknown> = {
      text: v.text,
      voice: v.voice,
      duration_ms: Math.round(durationMs),
    };
    if (v.kind === "answer") data.end_call = v.endCall === true;
    if (v.kind === "filler") data.as_answer = v.asAnswer === true;
    this.emit(live.call.sid, this.sayEventType(v), data);
  }

  /** Internal. A `<Say>` outside a Gather: nothing the caller says is heard meanwhile. */
  private async speak(live: LiveCall, v: SayVerb): Promise<void> {
    live.call.phase = "speaking";
    const ms = this.sayDurationMs(v);
    this.emitSay(live, v, ms);
    await sleep(ms, live.abort.signal);
  }

  /**
   * Internal. A `<Gather input="speech">` with its nested prompt: the caller may speak during the prompt
   * (barge-in) or until `timeout` seconds after it. Resolves with the speech, or null on silence/hang-up.
   */
  private gather(live: LiveCall, g: GatherVerb): Promise<string | null> {
    const { sid } = live.call;
    return new Promise((resolve) => {
      let phase: "prompt" | "listening" | "speaking" = "prompt";
      let promptTimer: NodeJS.Timeout | undefined;
      let silenceTimer: NodeJS.Timeout | undefined;
      let speechTimer: NodeJS.Timeout | undefined;
      const signal = live.abort.signal;
      const finish = (v: string | null) => {
        clearTimeout(promptTimer);
        clearTimeout(silenceTimer);
        clearTimeout(speechTimer);
        signal.removeEventListener("abort", onHangup);
        if (live.gather === active) live.gather = null;
        resolve(v);
      };
      const onHangup = () => finish(null);
      const timedOut = () => {
        this.emit(sid, "caller_silent", { timeout_s: g.timeoutS });
        finish(null);
      };
      const listen = () => {
        phase = "listening";
        live.call.phase = "listening";
        if (!live.call.manual_silence) silenceTimer = setTimeout(timedOut, this.o.scale(g.timeoutS));
      };
      const active: ActiveGather = {
        speech: (text) => {
          if (phase === "speaking") return false;
          clearTimeout(promptTimer);
          clearTimeout(silenceTimer);
          phase = "speaking";
          live.call.phase = "caller_speaking";
          this.emit(sid, live.call.kind === "third_party" ? "third_party_said" : "caller_said", { text });
          speechTimer = setTimeout(() => finish(text.trim()), this.o.scale(this.o.timings.callerSpeechS));
          return true;
        },
        silence: () => {
          if (phase === "speaking") return false;
          timedOut();
          return true;
        },
      };
      live.gather = active;
      signal.addEventListener("abort", onHangup, { once: true });
      this.emit(sid, "gather", { timeout_s: g.timeoutS, third_party: g.thirdParty });
      if (g.say) {
        live.call.phase = "speaking";
        const ms = this.sayDurationMs(g.say);
        this.emitSay(live, g.say, ms);
        promptTimer = setTimeout(listen, ms);
      } else listen();
    });
  }

  /** Internal. Ends the call once: hang-up event, then Twilio's status callback to the relay. */
  private end(live: LiveCall, reason: string, status: string): void {
    const { call } = live;
    if (call.state === "ended") return;
    if (live.ringTimer) clearTimeout(live.ringTimer);
    live.ringTimer = null;
    call.state = "ended";
    call.phase = "ended";
    call.status = status;
    call.ended_at = this.o.now();
    const realMs = live.answeredMono === null ? 0 : performance.now() - live.answeredMono;
    const duration = status === "completed" ? Math.round((realMs * this.o.timeScale) / 1000) : 0;
    call.duration_s = duration;
    this.emit(call.sid, "hangup", { reason });
    live.abort.abort();
    const send = live.statusCallback;
    void this.o.threads
      .run(async () => {
        if (send) this.o.webhooks().status(call.sid, status, duration);
      })
      .catch((err: unknown) => this.o.log.error({ err, call_sid: call.sid }, "status callback failed"))
      .finally(() => this.emit(call.sid, "status", { status, duration, callback: send }));
  }

  /** Ends every live call (sandbox shutdown) without status callbacks. */
  closeAll(): void {
    for (const live of this.calls.values()) {
      if (live.ringTimer) clearTimeout(live.ringTimer);
      live.statusCallback = false;
      if (live.call.state !== "ended") this.end(live, "sandbox_closed", "completed");
    }
  }
}
