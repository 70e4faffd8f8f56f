import { z } from "zod";

/**
 * One zod schema per wire shape of the ClawCall relay (references: relay contract §3–4).
 * Responses are loose objects: the relay may add fields, and we must not break on them.
 * Dates are RFC 1123 strings except in billing, where they are ISO.
 */

export const CALL_SID_RE = /^CA[0-9a-f]{32}$/;
export const NOTIFY_SID_RE = /^notify-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The relay's ids (agents, schedules) are UUIDs; another id in a path gets an HTML 500 from it. */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const callSid = z
  .string()
  .refine((s) => CALL_SID_RE.test(s) || NOTIFY_SID_RE.test(s), "invalid call sid");

export const TIERS = ["free", "pro", "team"] as const;
export const tier = z.enum(TIERS);
/** Tiers as the relay reports them; tolerate a value we do not know yet. */
const tierOut = z.string();
const nullableString = z.string().nullable();

/** Any relay error body: `{ok:false, error}`. */
export const errorBody = z.looseObject({ ok: z.literal(false), error: z.string() });

export const healthResponse = z.looseObject({ ok: z.literal(true), service: z.string() });

// --- register -----------------------------------------------------------------------------------
export const registerRequest = z.object({
  email: z.string().optional(),
  agent_webhook_url: z.string().optional(),
  agent_name: z.string().optional(),
  phone_number: z.string().optional(),
});
export const registerResponse = z.looseObject({
  ok: z.literal(true),
  api_key: z.string(),
  /** Absent on re-registration (key rotation). */
  email: z.string().optional(),
  phone_number: nullableString,
  tier: tierOut,
  agent_id: z.string(),
  user_id: z.string(),
  message: z.string(),
});

// --- account ------------------------------------------------------------------------------------
export const accountResponse = z.looseObject({
  ok: z.literal(true),
  email: z.string(),
  tier: tierOut,
  phone_number: nullableString,
  is_dedicated: z.boolean(),
  minutes_used: z.number(),
  minutes_limit: z.number(),
  minutes_remaining: z.number(),
  agent_id: z.string(),
  agent_name: nullableString,
  webhook_url: nullableString.optional(),
});
export const phoneRequest = z.object({ phone_number: z.string().min(1) });
export const phoneResponse = z.looseObject({ ok: z.literal(true), phone_number: z.string() });

export const VOICES = ["aria", "joanna", "matthew", "amy", "brian", "emma", "olivia"] as const;
export const voiceName = z.enum(VOICES);
export const voiceRequest = z.object({ voice: z.string().min(1) });
export const voiceResponse = z.looseObject({ ok: z.literal(true), voice: z.string() });

/** The Team push webhook (contract §3.3, §5.7): an empty or null URL clears it. */
export const pushWebhookRequest = z.object({ webhook_push_url: z.string().nullable() });
export const pushWebhookResponse = z.looseObject({ ok: z.literal(true), webhook_push_url: nullableString });

// --- agents (Team) ------------------------------------------------------------------------------
/** Agents per Team account, primary included (contract §3.4). */
export const TEAM_MAX_AGENTS = 5;
export const agentItem = z.looseObject({
  id: z.string(),
  name: nullableString,
  webhook_url: nullableString.optional(),
  voice: nullableString.optional(),
  webhook_push_url: nullableString.optional(),
  created_at: nullableString.optional(),
  phone_number: nullableString.optional(),
  is_dedicated: z.boolean().nullable().optional(),
});
export const agentsResponse = z.looseObject({ ok: z.literal(true), agents: z.array(agentItem) });
export const createAgentRequest = z.object({
  agent_name: z.string().optional(),
  agent_webhook_url: z.string().min(1),
});
export const createAgentResponse = z.looseObject({
  ok: z.literal(true),
  agent_id: z.string(),
  api_key: z.string(),
  phone_number: nullableString,
  name: z.string(),
  message: z.string(),
});
/** PATCH body: a key that is present is written (a null name becomes "Agent"); neither key is a 400. */
export const updateAgentRequest = z
  .object({
    agent_name: z.string().trim().min(1).optional(),
    agent_webhook_url: z.string().trim().optional(),
  })
  .refine((b) => b.agent_name !== undefined || b.agent_webhook_url !== undefined, "no fields to update");
/** PATCH answers the bare `{ok:true}` (okResponse); DELETE answers with a message. */

// --- listen / respond ---------------------------------------------------------------------------
export const listenTimeout = z.looseObject({ ok: z.literal(true), timeout: z.literal(true) });
export const listenMessage = z.looseObject({
  ok: z.literal(true),
  call_sid: z.string(),
  message: z.string(),
});
/** A message, or the normal empty `{ok:true,timeout:true}`. */
export const listenResponse = z.union([listenMessage, listenTimeout]);

export const respondRequest = z.object({
  response: z.string().trim().min(1, "response must not be empty"),
  /** A real boolean: the relay applies Python bool(), so the string "false" would hang up. */
  end_call: z.boolean(),
});
export const okResponse = z.looseObject({ ok: z.literal(true) });

// --- outbound -----------------------------------------------------------------------------------
export const callbackRequest = z.object({ message: z.string().trim().min(1), allow_followup: z.boolean() });
export const callbackResponse = z.looseObject({
  ok: z.literal(true),
  call_sid: z.string(),
  callback_id: z.string(),
});

export const thirdPartyRequest = z.object({
  to_number: z.string().trim().min(1),
  objective: z.string().trim().min(1),
  context: z.string(),
});
export const thirdPartyResponse = z.looseObject({
  ok: z.literal(true),
  job_id: z.string(),
  call_sid: z.string(),
});

// --- schedules ----------------------------------------------------------------------------------
export const scheduleCreateRequest = z.object({
  cron: z.string().trim().min(1),
  label: z.string(),
  task_context: z.string(),
  timezone: z.string(),
});
export const scheduleCreateResponse = z.looseObject({
  ok: z.literal(true),
  id: z.string(),
  label: z.string(),
  cron: z.string(),
  timezone: z.string(),
});
export const scheduleItem = z.looseObject({
  id: z.string(),
  label: nullableString,
  cron_expression: z.string(),
  task_context: nullableString,
  timezone: nullableString,
  is_active: z.boolean(),
  last_run_at: nullableString,
  created_at: nullableString,
});
export const scheduleListResponse = z.looseObject({ ok: z.literal(true), schedules: z.array(scheduleItem) });

// --- history ------------------------------------------------------------------------------------
export const transcriptTurn = z.looseObject({ role: z.string(), text: z.string() });
export const historyItem = z.looseObject({
  id: z.string(),
  twilio_call_sid: nullableString,
  direction: z.string(),
  call_type: z.string(),
  from_number: nullableString,
  to_number: nullableString,
  duration_seconds: z.number().nullable(),
  status: z.string(),
  started_at: nullableString,
  ended_at: nullableString,
  transcript: z.array(transcriptTurn).optional(),
});
export const historyResponse = z.looseObject({ ok: z.literal(true), calls: z.array(historyItem) });

// --- billing ------------------------------------------------------------------------------------
export const paidTier = z.enum(["pro", "team"]);
export const checkoutRequest = z.object({ tier: paidTier });
export const checkoutResponse = z.looseObject({
  ok: z.literal(true),
  tier: z.string(),
  payment: z.looseObject({
    chain: z.string(),
    wallet: z.string(),
    token: z.string(),
    mint: z.string(),
    amount: z.number(),
    amount_raw: z.number(),
    decimals: z.number(),
  }),
  instructions: z.string(),
  overage: z.looseObject({ minutes: z.number(), rate_per_min: z.number(), amount: z.number() }).optional(),
});
export const verifyRequest = z.object({ tx_signature: z.string().trim().min(1), tier: paidTier });
export const verifyResponse = z.looseObject({
  ok: z.literal(true),
  tier: z.string(),
  token: z.string().optional(),
  chain: z.string().optional(),
  amount_paid: z.number().optional(),
  minutes_limit: z.number(),
  valid_until: z.string(),
  message: z.string(),
});
export const billingStatusResponse = z.looseObject({
  ok: z.literal(true),
  tier: z.string(),
  minutes_used: z.number(),
  minutes_limit: z.number(),
  minutes_remaining: z.number(),
  subscription_valid_until: nullableString,
  days_remaining: z.number().nullable(),
  accepted_tokens: z.array(z.string()).optional(),
  chain: z.string().optional(),
  payments: z.array(z.looseObject({})).optional(),
  overage_minutes: z.number().optional(),
  overage_owed_usdc: z.number().optional(),
});
/** `{ok:true, message}`: billing cancel and agent delete. */
export const messageResponse = z.looseObject({ ok: z.literal(true), message: z.string() });
export const cancelResponse = messageResponse;
export const deleteAgentResponse = messageResponse;

export type RegisterRequest = z.input<typeof registerRequest>;
export type RegisterResponse = z.output<typeof registerResponse>;
export type AccountResponse = z.output<typeof accountResponse>;
export type ListenResponse = z.output<typeof listenResponse>;
export type ListenMessage = z.output<typeof listenMessage>;
export type CallbackResponse = z.output<typeof callbackResponse>;
export type ThirdPartyRequest = z.input<typeof thirdPartyRequest>;
export type ThirdPartyResponse = z.output<typeof thirdPartyResponse>;
export type ScheduleCreateRequest = z.input<typeof scheduleCreateRequest>;
export type ScheduleCreateResponse = z.output<typeof scheduleCreateResponse>;
export type ScheduleItem = z.output<typeof scheduleItem>;
export type HistoryItem = z.output<typeof historyItem>;
export type CheckoutResponse = z.output<typeof checkoutResponse>;
export type VerifyResponse = z.output<typeof verifyResponse>;
export type BillingStatus = z.output<typeof billingStatusResponse>;
export type AgentItem = z.output<typeof agentItem>;
export type UpdateAgentRequest = z.input<typeof updateAgentRequest>;
export type Tier = (typeof TIERS)[number];
export type Voice = (typeof VOICES)[number];
