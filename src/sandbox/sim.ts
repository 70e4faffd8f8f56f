/**
 * The simulation API in process: what tests (and the `/sandbox/*` HTTP routes) use to play the people on
 * the phone, inspect calls, fire schedules, change tiers, inject faults and read the request log.
 */
import { z } from "zod";
import { SANDBOX_DEMO_API_KEY } from "../config/schema.js";
import type { SandboxCore } from "./core.js";
import { type Fault, type FaultSpec, faultSchema } from "./faults.js";
import { refill } from "./minutes.js";
import {
  DEMO_AGENT_ID,
  DEMO_EMAIL,
  DEMO_PHONE,
  DEMO_USER_ID,
  SHARED_NUMBER,
  TIER_LIMITS,
  type Tier,
} from "./phrases.js";
import {
  addAccount,
  addCallLog,
  type callLogSchema,
  type dedicatedNumberSchema,
  type NewAccount,
  type newAccountSchema,
  setDedicatedNumber,
  setSharedNumber,
} from "./seed.js";
import type { RequestRecord } from "./stats.js";
import { type AgentRow, sha256Hex } from "./store.js";
import { type CallEvent, type SimCall, SimError } from "./telephony.js";

export const startCallSchema = z.object({
  from: z.string().trim().min(1).max(64).optional(),
  to: z.string().trim().min(1).max(64).optional(),
  manual_silence: z.boolean().optional(),
});

export const textSchema = z.object({ text: z.string().max(10_000) });

export const answerSchema = z.object({ manual_silence: z.boolean().optional() });

const accountRef = {
  api_key: z.string().optional(),
  agent_id: z.string().optional(),
  email: z.string().optional(),
};

export const tierSchema = z.object({
  ...accountRef,
  tier: z.enum(["free", "pro", "team"]),
  minutes_used: z.number().int().min(0).optional(),
  overage_minutes: z.number().int().min(0).optional(),
});

export const refillSchema = z.object(accountRef);

export const injectSchema = z.object({
  ...accountRef,
  call_sid: z.string().min(1).max(1000),
  message: z.string().max(100_000),
});

export interface DemoAccount {
  api_key: string;
  /** False once someone re-registered the demo email (the seeded key was rotated). */
  api_key_valid: boolean;
  agent_id: string;
  user_id: string;
  email: string;
  phone_number: string;
  shared_number: string;
}

/** A call as the simulation API shows it; `events` only in the detailed view. */
export type CallView = Omit<SimCall, "events"> & {
  events_count: number;
  events?: CallEvent[];
  transcript?: { role: string; text: string }[];
};

export class Simulation {
  constructor(private readonly core: SandboxCore) {}

  demo(): DemoAccount {
    const agent = this.core.store.agent(DEMO_AGENT_ID);
    return {
      api_key: SANDBOX_DEMO_API_KEY,
      api_key_valid: agent?.api_key_hash === sha256Hex(SANDBOX_DEMO_API_KEY),
      agent_id: DEMO_AGENT_ID,
      user_id: DEMO_USER_ID,
      email: DEMO_EMAIL,
      phone_number: DEMO_PHONE,
      shared_number: SHARED_NUMBER,
    };
  }

  config() {
    const c = this.core;
    return {
      time_scale: c.timeScale,
      timings: c.timings,
      threads: c.threads.stats(),
      scale_listen: c.scaleListen,
      demo: this.demo(),
    };
  }

  // ---- calls -----------------------------------------------------------------------------------------

  /** Dials the relay as a person: defaults to the demo user's phone calling the shared number. */
  startCall(opts: z.input<typeof startCallSchema> = {}): CallView {
    const o = startCallSchema.parse(opts);
    const call = this.core.telephony.startInbound(
      o.from ?? DEMO_PHONE,
      o.to ?? SHARED_NUMBER,
      o.manual_silence,
    );
    return this.view(call, false);
  }

  say(sid: string, text: string) {
    return this.core.telephony.say(sid, text);
  }

  thirdPartySay(sid: string, text: string) {
    return this.core.telephony.say(sid, text, true);
  }

  silence(sid: string) {
    return this.core.telephony.silence(sid);
  }

  hangup(sid: string): CallView {
    return this.view(this.core.telephony.hangup(sid), false);
  }

  answer(sid: string, opts: { manual_silence?: boolean } = {}): CallView {
    return this.view(this.core.telephony.answer(sid, opts.manual_silence), false);
  }

  reject(sid: string): CallView {
    return this.view(this.core.telephony.reject(sid), false);
  }

  ignore(sid: string): CallView {
    return this.view(this.core.telephony.ignore(sid), false);
  }

  call(sid: string): CallView {
    const c = this.core.telephony.get(sid);
    if (!c) throw new SimError(404, "unknown call_sid");
    return this.view(c, true);
  }

  calls(filter: { kind?: string; state?: string } = {}): CallView[] {
    return this.core.telephony
      .list()
      .filter((c) => (!filter.kind || c.kind === filter.kind) && (!filter.state || c.state === filter.state))
      .map((c) => this.view(c, false));
  }

  /** Outbound calls the relay placed (callbacks, scheduled, third-party), oldest first. */
  outbound(): CallView[] {
    return this.calls().filter((c) => c.direction === "outbound");
  }

  private view(c: SimCall, detailed: boolean): CallView {
    const { events, ...rest } = c;
    const v: CallView = { ...rest, events_count: events.length };
    if (detailed) {
      v.events = events.map((e) => ({ ...e }));
      const live = this.core.queues.transcripts.get(c.sid);
      const log = this.core.store.t.call_logs.find((l) => l.twilio_call_sid === c.sid);
      v.transcript = live ? [...live] : log?.transcript_json ? JSON.parse(log.transcript_json) : [];
    }
    return v;
  }

  /**
   * Waits for an event of one of `types` after index `after` (default -1: any). Resolves with the event,
   * or null on timeout or when the call's log ended without one.
   */
  async waitFor(
    sid: string,
    types: string | readonly string[],
    opts: { after?: number; timeoutMs?: number } = {},
  ): Promise<CallEvent | null> {
    const list = typeof types === "string" ? types.split(",").filter(Boolean) : types;
    const r = await this.core.telephony.waitForEvent(sid, list, opts.after ?? -1, opts.timeoutMs ?? 10_000);
    return r === "ended" ? null : r;
  }

  /** Raw form of waitFor: distinguishes "ended" from a timeout (null). */
  waitForRaw(sid: string, types: readonly string[], after: number, timeoutMs: number) {
    return this.core.telephony.waitForEvent(sid, types, after, timeoutMs);
  }

  /** Waits for an event on any call (e.g. the next `ringing`), after global sequence number `afterSeq`. */
  waitForAny(types: string | readonly string[], opts: { afterSeq?: number; timeoutMs?: number } = {}) {
    const list = typeof types === "string" ? types.split(",").filter(Boolean) : types;
    return this.core.telephony.waitForAnyEvent(list, opts.afterSeq ?? 0, opts.timeoutMs ?? 10_000);
  }

  lastSeq(): number {
    return this.core.telephony.lastSeq();
  }

  // ---- schedules -------------------------------------------------------------------------------------

  fireSchedule(id: string): { ok: true; call_sid: string } | { ok: false; skipped: string } {
    if (!this.core.store.t.schedules.some((s) => s.id === id)) throw new SimError(404, "unknown schedule id");
    return this.core.scheduler.fire(id);
  }

  schedules(count = 3, from?: Date) {
    return this.core.store.t.schedules.map((s) => ({
      ...s,
      next_runs: this.core.scheduler.nextRuns(s, count, from).map((d) => d.toISOString()),
    }));
  }

  // ---- accounts --------------------------------------------------------------------------------------

  private findAgent(ref: { api_key?: string; agent_id?: string; email?: string }): AgentRow {
    const { store } = this.core;
    let agent: AgentRow | undefined;
    if (ref.api_key) agent = store.agentByKey(ref.api_key.trim());
    else if (ref.agent_id) agent = store.agent(ref.agent_id);
    else if (ref.email) {
      const u = store.t.users.find((x) => x.email === ref.email!.trim().toLowerCase());
      agent = u ? store.oldestAgent(u.id) : undefined;
    } else agent = store.agent(DEMO_AGENT_ID);
    if (!agent) throw new SimError(404, "no such agent");
    return agent;
  }

  /** Sets a user's tier directly (and optionally their minute counters), standing in for a payment. */
  setTier(input: z.input<typeof tierSchema>) {
    const o = tierSchema.parse(input);
    const agent = this.findAgent(o);
    const user = this.core.store.userOf(agent);
    if (!user) throw new SimError(404, "no such user");
    user.tier = o.tier as Tier;
    user.minutes_limit = TIER_LIMITS[o.tier as Tier];
    if (o.minutes_used !== undefined) user.minutes_used_this_month = o.minutes_used;
    if (o.overage_minutes !== undefined) user.overage_minutes = o.overage_minutes;
    this.core.store.changed();
    return {
      user_id: user.id,
      agent_id: agent.id,
      tier: user.tier,
      minutes_limit: user.minutes_limit,
      minutes_used: user.minutes_used_this_month,
      overage_minutes: user.overage_minutes,
    };
  }

  /** Gives an account (the demo by default) its month's minutes back and clears its overage. */
  refillMinutes(input: z.input<typeof refillSchema>) {
    const agent = this.findAgent(refillSchema.parse(input));
    const user = this.core.store.userOf(agent);
    if (!user) throw new SimError(404, "no such user");
    const before = user.minutes_used_this_month;
    refill(user);
    this.core.store.changed();
    this.core.log.info(
      { email: user.email, minutes_used_before: before, minutes_limit: user.minutes_limit },
      "account refilled on request",
    );
    return { email: user.email, tier: user.tier, minutes_limit: user.minutes_limit, minutes_used: 0 };
  }

  accounts() {
    const { store } = this.core;
    return store.t.users.map((u) => ({
      user_id: u.id,
      email: u.email,
      phone_number: u.phone_number,
      tier: u.tier,
      minutes_limit: u.minutes_limit,
      minutes_used: u.minutes_used_this_month,
      overage_minutes: u.overage_minutes,
      agents: store.agentsOf(u.id).map((a) => ({
        agent_id: a.id,
        name: a.name,
        voice: a.voice,
        phone_number: store.agentNumber(a.id).number,
      })),
    }));
  }

  /** Test hook: a new account in a chosen state (tier, minutes used, overage, phone, paid until). */
  addAccount(input: z.input<typeof newAccountSchema> = {}): NewAccount {
    return addAccount(this.core, input);
  }

  /** Test hook: a finished call in an agent's history, with its transcript. */
  addCallLog(input: z.input<typeof callLogSchema>) {
    const row = addCallLog(this.core, input);
    return { id: row.id, call_sid: row.twilio_call_sid };
  }

  /** Test hook: take the shared pool number away (null) or set it. */
  setSharedNumber(number: string | null) {
    return setSharedNumber(this.core, number);
  }

  /** Test hook: give an agent (default: the demo agent) a dedicated number anyone may call. */
  setDedicatedNumber(input: z.input<typeof dedicatedNumberSchema>) {
    return setDedicatedNumber(this.core, input.agent_id ?? DEMO_AGENT_ID, input.number);
  }

  /**
   * Queues a message straight into an agent's queue (what a forged `/webhooks/twilio/gather` POST does on
   * the real relay): any call_sid, any text. A response slot is created for the sid.
   */
  inject(input: z.input<typeof injectSchema>) {
    const o = injectSchema.parse(input);
    const agent = this.findAgent(o);
    this.core.queues.queue(agent.id, o.call_sid, o.message);
    return { agent_id: agent.id, call_sid: o.call_sid };
  }

  queues() {
    return this.core.queues.snapshot();
  }

  // ---- faults and stats ------------------------------------------------------------------------------

  addFault(spec: z.input<typeof faultSchema>): Fault {
    return this.core.faults.add(faultSchema.parse(spec) as FaultSpec);
  }

  clearFaults(): number {
    return this.core.faults.clear();
  }

  faults(): Fault[] {
    return this.core.faults.armed();
  }

  stats(endpoint?: string): RequestRecord[] {
    return this.core.stats.list(endpoint);
  }

  clearStats(): void {
    this.core.stats.clear();
  }

  threads() {
    return this.core.threads.stats();
  }
}
