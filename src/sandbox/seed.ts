/**
 * Test and admin hooks that put the tables into a state no relay API call can reach quickly: an
 * account on a chosen tier with minutes already used, a past call with its transcript, no shared number.
 * The simulation API (`/sandbox/accounts`, `/sandbox/call-logs`, `/sandbox/shared-number`) wraps them.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import type { SandboxCore } from "./core.js";
import { SHARED_NUMBER_ID } from "./phrases.js";
import type { CallLogRow } from "./store.js";
import { SimError } from "./telephony.js";

const isoDate = z.iso.datetime({ offset: true });

export const newAccountSchema = z.object({
  email: z.string().trim().min(3).max(320).optional(),
  phone_number: z.string().trim().min(1).max(64).nullable().optional(),
  agent_name: z.string().trim().min(1).max(200).optional(),
  tier: z.enum(["free", "pro", "team"]).optional(),
  minutes_used: z.number().int().min(0).optional(),
  overage_minutes: z.number().int().min(0).optional(),
  subscription_valid_until: isoDate.nullable().optional(),
});

export interface NewAccount {
  api_key: string;
  user_id: string;
  agent_id: string;
  email: string;
}

/** A user with one agent and a fresh key, as a register plus a payment would leave them. */
export function addAccount(core: SandboxCore, input: z.input<typeof newAccountSchema>): NewAccount {
  const o = newAccountSchema.parse(input);
  const { store } = core;
  const email = (o.email ?? `agent-${randomBytes(6).toString("hex")}@clawcall.app`).toLowerCase();
  if (store.t.users.some((u) => u.email === email))
    throw new SimError(409, `${email} already has an account`);
  const apiKey = randomUUID();
  const { user, agent } = store.addUserWithAgent({
    email,
    phone: o.phone_number ?? null,
    tier: o.tier ?? "free",
    agentName: o.agent_name ?? "My Agent",
    webhookUrl: "",
    apiKey,
  });
  user.minutes_used_this_month = o.minutes_used ?? 0;
  user.overage_minutes = o.overage_minutes ?? 0;
  user.subscription_valid_until = o.subscription_valid_until ? Date.parse(o.subscription_valid_until) : null;
  store.changed();
  return { api_key: apiKey, user_id: user.id, agent_id: agent.id, email };
}

export const callLogSchema = z.object({
  agent_id: z.string().min(1),
  call_sid: z.string().min(1).max(64).optional(),
  direction: z.enum(["inbound", "outbound"]).default("inbound"),
  call_type: z
    .enum(["user_initiated", "task_callback", "scheduled", "third_party"])
    .default("user_initiated"),
  from_number: z.string().max(64).nullable().optional(),
  to_number: z.string().max(64).nullable().optional(),
  duration_seconds: z.number().int().min(0).nullable().default(42),
  status: z.string().min(1).max(40).default("completed"),
  started_at: isoDate,
  transcript: z
    .array(z.object({ role: z.string(), text: z.string() }))
    .max(1_000)
    .optional(),
});

/** A finished call in the agent's history (what `GET /api/v1/calls/history` lists). */
export function addCallLog(core: SandboxCore, input: z.input<typeof callLogSchema>): CallLogRow {
  const o = callLogSchema.parse(input);
  const { store } = core;
  const agent = store.agent(o.agent_id);
  if (!agent) throw new SimError(404, "no such agent");
  const started = Date.parse(o.started_at);
  const row: CallLogRow = {
    id: randomUUID(),
    agent_id: agent.id,
    user_id: agent.user_id,
    twilio_call_sid: o.call_sid ?? `CA${randomBytes(16).toString("hex")}`,
    direction: o.direction,
    call_type: o.call_type,
    from_number: o.from_number === undefined ? (store.userOf(agent)?.phone_number ?? null) : o.from_number,
    to_number: o.to_number === undefined ? store.agentNumber(agent.id).number : o.to_number,
    duration_seconds: o.duration_seconds,
    status: o.status,
    started_at: started,
    ended_at: o.duration_seconds === null ? null : started + o.duration_seconds * 1000,
    transcript_json: o.transcript ? JSON.stringify(o.transcript) : null,
    seq: store.nextSeq(),
  };
  store.t.call_logs.push(row);
  store.changed();
  return row;
}

export const sharedNumberSchema = z.object({ number: z.string().trim().min(1).max(64).nullable() });

/** Gives the shared pool a number again, or takes it away (a relay with no number to hand out). */
export function setSharedNumber(core: SandboxCore, number: string | null): { number: string | null } {
  const list = core.store.t.phone_numbers;
  const at = list.findIndex((p) => p.is_shared_pool);
  if (at >= 0) list.splice(at, 1);
  if (number !== null) list.unshift({ id: SHARED_NUMBER_ID, number, agent_id: null, is_shared_pool: true });
  core.store.changed();
  return { number: core.store.sharedNumber()?.number ?? null };
}

export const dedicatedNumberSchema = z.object({
  agent_id: z.string().min(1).optional(),
  number: z.string().trim().min(1).max(64),
});

/**
 * Gives an agent a dedicated number, as `POST /api/v1/agents` does for a new Team agent: the account
 * then reports it (`is_dedicated: true`) and the relay accepts any caller on it (guest mode needs one).
 */
export function setDedicatedNumber(core: SandboxCore, agentId: string, number: string): { number: string } {
  const { store } = core;
  if (!store.agent(agentId)) throw new SimError(404, "no such agent");
  if (store.t.phone_numbers.some((p) => p.number === number && p.agent_id !== agentId)) {
    throw new SimError(409, `${number} belongs to someone else`);
  }
  store.t.phone_numbers = store.t.phone_numbers.filter((p) => p.agent_id !== agentId);
  store.t.phone_numbers.push({ id: randomUUID(), number, agent_id: agentId, is_shared_pool: false });
  store.changed();
  return { number };
}
