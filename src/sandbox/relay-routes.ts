/**
 * The relay's agent-facing API (contract §3, §4): same paths, JSON, status codes, error strings and
 * check order as `src/routes/{register,account,agents,calls}.py`.
 */
import { randomBytes, randomUUID } from "node:crypto";
import * as wire from "../relay/schemas.js";
import { authed } from "./auth.js";
import { type SandboxCore, twilioDialError } from "./core.js";
import { CronValueError, parseRelayCron } from "./cron.js";
import { fail, ok, okAs, type Reply } from "./flask.js";
import { minutesRemaining, withinLimit } from "./minutes.js";
import { DEFAULT_VOICE, POLLY_VOICES } from "./phrases.js";
import { boolField, pyFloat, pyInt, rfc1123, ServerCrash, strField } from "./python.js";
import type { Handler, RelayRequest, Route } from "./router.js";
import { type AgentRow, isPgUuid, normalizeUuid, sha256Hex } from "./store.js";

type Core = SandboxCore;

const USER_NOT_FOUND = () => fail(404, "User not found");

/** A path id that Postgres cannot read as a UUID raises in the query: HTML 500. */
function pgUuid(s: string): string {
  if (!isPgUuid(s)) throw new ServerCrash(`invalid input syntax for type uuid: "${s}"`);
  return normalizeUuid(s);
}

// ---- register ---------------------------------------------------------------------------------------

function registerImpl(core: Core, req: RelayRequest): Reply {
  const body = req.body();
  let email = strField(body, "email").toLowerCase();
  const webhookUrl = strField(body, "agent_webhook_url");
  const agentName = strField(body, "agent_name") || "My Agent";
  const phone = strField(body, "phone_number") || null;
  if (!email) email = `agent-${randomBytes(6).toString("hex")}@clawcall.app`;
  const { store } = core;
  const existing = store.t.users.find((u) => u.email === email);
  const apiKey = randomUUID();
  if (existing) {
    const primary = store.oldestAgent(existing.id);
    // Case C: the insert below would violate the unique email: HTML 500.
    if (!primary) throw new ServerCrash("duplicate key value violates unique constraint users_email_key");
    primary.api_key_hash = sha256Hex(apiKey);
    primary.webhook_url = webhookUrl;
    if (phone) existing.phone_number = phone;
    store.changed();
    return ok({
      api_key: apiKey,
      phone_number: store.agentNumber(primary.id).number,
      tier: existing.tier,
      agent_id: primary.id,
      user_id: existing.id,
      message: "Re-registered. New API key issued.",
    });
  }
  const { user, agent } = store.addUserWithAgent({
    email,
    phone,
    tier: "free",
    agentName,
    webhookUrl,
    apiKey,
  });
  const shared = store.sharedNumber()?.number ?? null;
  return ok({
    api_key: apiKey,
    email,
    phone_number: shared,
    tier: "free",
    agent_id: agent.id,
    user_id: user.id,
    message: `Setup complete! Your agent number is ${shared ?? "None"}. Store the api_key securely — it won't be shown again.`,
  });
}

// ---- account ----------------------------------------------------------------------------------------

const account = authed((core, _req, agent) => {
  const user = core.store.userOf(agent);
  if (!user) return USER_NOT_FOUND();
  const num = core.store.agentNumber(agent.id);
  return ok({
    email: user.email,
    tier: user.tier,
    phone_number: num.number,
    is_dedicated: num.dedicated,
    minutes_used: user.minutes_used_this_month,
    minutes_limit: user.minutes_limit,
    minutes_remaining: minutesRemaining(user),
    agent_id: agent.id,
    agent_name: agent.name,
    webhook_url: agent.webhook_url,
  });
});

const setPhone = authed((core, req, agent) => {
  const phone = strField(req.body(), "phone_number");
  if (!phone) return fail(400, "phone_number is required");
  const user = core.store.userOf(agent);
  if (user) user.phone_number = phone;
  core.store.changed();
  return ok({ phone_number: phone });
});

const setVoice = authed((core, req, agent) => {
  const voice = strField(req.body(), "voice").toLowerCase();
  if (!voice) return fail(400, "voice is required");
  let polly: string;
  if (Object.hasOwn(POLLY_VOICES, voice)) polly = POLLY_VOICES[voice]!;
  else if (voice.startsWith("polly.")) polly = `Polly.${voice.slice("polly.".length)}`;
  else return fail(400, `Unknown voice. Valid options: ${Object.keys(POLLY_VOICES).join(", ")}`);
  agent.voice = polly;
  core.store.changed();
  return ok({ voice: polly });
});

const setPushWebhook = authed((core, req, agent) => {
  const user = core.store.userOf(agent);
  if (!user) return USER_NOT_FOUND();
  if (user.tier !== "team") return fail(403, "Webhook push requires Team tier");
  const url = strField(req.body(), "webhook_push_url") || null;
  agent.webhook_push_url = url;
  core.store.changed();
  return okAs(wire.pushWebhookResponse, { webhook_push_url: url });
});

// ---- agents -----------------------------------------------------------------------------------------

const listAgents = authed((core, _req, agent) => {
  const { store } = core;
  const items: Record<string, unknown>[] = [];
  for (const a of store.agentsOf(agent.user_id)) {
    const numbers = store.t.phone_numbers.filter((p) => p.agent_id === a.id);
    const base = {
      id: a.id,
      name: a.name,
      webhook_url: a.webhook_url,
      voice: a.voice,
      webhook_push_url: a.webhook_push_url,
      created_at: rfc1123(a.created_at),
    };
    if (numbers.length === 0) items.push({ ...base, phone_number: null, is_dedicated: null });
    for (const n of numbers) items.push({ ...base, phone_number: n.number, is_dedicated: !n.is_shared_pool });
  }
  return okAs(wire.agentsResponse, { agents: items });
});

/** Fictional 415 numbers for Team agents' "dedicated" lines. */
function allocateDedicated(core: Core): string {
  const taken = new Set(core.store.t.phone_numbers.map((p) => p.number));
  for (let i = 100; i < 10_000; i++) {
    const n = `+1415555${String(i).padStart(4, "0")}`;
    if (!taken.has(n)) return n;
  }
  throw new ServerCrash("no numbers left");
}

const createAgent = authed((core, req, agent) => {
  const { store } = core;
  const user = store.userOf(agent);
  if (!user) return USER_NOT_FOUND();
  if (user.tier !== "team") return fail(403, "Multi-agent support requires Team tier");
  const body = req.body();
  const webhookUrl = strField(body, "agent_webhook_url");
  const name = strField(body, "agent_name") || "Agent";
  if (!webhookUrl) return fail(400, "agent_webhook_url is required");
  if (store.agentsOf(user.id).length >= wire.TEAM_MAX_AGENTS)
    return fail(403, "Team tier allows up to 5 agents");
  const apiKey = randomUUID();
  const created: AgentRow = {
    id: randomUUID(),
    user_id: user.id,
    name,
    webhook_url: webhookUrl,
    api_key_hash: sha256Hex(apiKey),
    voice: DEFAULT_VOICE,
    webhook_push_url: null,
    created_at: core.now(),
    seq: store.nextSeq(),
  };
  store.t.agents.push(created);
  const number = allocateDedicated(core);
  store.t.phone_numbers.push({ id: randomUUID(), number, agent_id: created.id, is_shared_pool: false });
  store.changed();
  return okAs(
    wire.createAgentResponse,
    {
      agent_id: created.id,
      api_key: apiKey,
      phone_number: number,
      name,
      message: `Agent '${name}' created. Store the api_key — it won't be shown again.`,
    },
    201,
  );
});

const patchAgent = authed((core, req, agent) => {
  const id = pgUuid(req.params[0]!);
  const target = core.store.agent(id);
  if (!target || target.user_id !== agent.user_id) return fail(404, "Agent not found");
  const body = req.body();
  const hasName = Object.hasOwn(body, "agent_name");
  const hasUrl = Object.hasOwn(body, "agent_webhook_url");
  if (!hasName && !hasUrl) return fail(400, "No fields to update");
  const asText = (v: unknown): string | null => {
    if (v === null || typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    throw new ServerCrash("can't adapt type");
  };
  if (hasName) target.name = asText(body.agent_name) || "Agent";
  if (hasUrl) target.webhook_url = asText(body.agent_webhook_url);
  core.store.changed();
  return okAs(wire.okResponse);
});

const deleteAgent = authed((core, req, agent) => {
  const { store } = core;
  const user = store.userOf(agent);
  if (!user) return USER_NOT_FOUND();
  if (user.tier !== "team") return fail(403, "Team tier required");
  const id = pgUuid(req.params[0]!);
  const target = store.agent(id);
  if (!target || target.user_id !== user.id) return fail(404, "Agent not found");
  if (store.oldestAgent(user.id)?.id === target.id) {
    return fail(400, "Cannot remove the primary agent. Downgrade your account instead.");
  }
  store.t.phone_numbers = store.t.phone_numbers.filter((p) => p.agent_id !== target.id);
  for (const s of store.t.schedules.filter((x) => x.agent_id === target.id)) core.scheduler.unregister(s.id);
  store.t.schedules = store.t.schedules.filter((s) => s.agent_id !== target.id);
  for (const l of store.t.call_logs) if (l.agent_id === target.id) l.agent_id = null;
  store.t.agents = store.t.agents.filter((a) => a.id !== target.id);
  store.changed();
  return okAs(wire.deleteAgentResponse, { message: "Agent removed." });
});

// ---- listen / respond -------------------------------------------------------------------------------

const listen = authed(async (core, req, agent) => {
  const raw = req.query.get("timeout");
  let seconds = raw === null ? core.timings.listenMaxS : pyFloat(raw);
  if (Number.isNaN(seconds)) {
    // The real relay busy-loops a thread on NaN until a message arrives; the sandbox refuses instead.
    return fail(400, "timeout must be a finite number (the sandbox refuses nan; the real relay busy-loops)");
  }
  seconds = Math.min(seconds, core.timings.listenMaxS);
  const waitMs = seconds <= 0 ? 0 : core.scaleListen ? core.scale(seconds) : seconds * 1000;
  const m = await core.queues.listen(agent.id, waitMs, core.closing.signal);
  if (!m) return ok({ timeout: true });
  req.stat.delivered_call_sid = m.call_sid;
  core.telephony.emit(m.call_sid, "message_delivered", { message: m.message });
  return ok({ call_sid: m.call_sid, message: m.message });
});

const respond = authed((core, req) => {
  const body = req.body();
  const response = strField(body, "response");
  const endCall = boolField(body, "end_call", false);
  if (!response) return fail(400, "response is required");
  const sid = req.params[0]!;
  if (!core.queues.respond(sid, response, endCall)) return fail(404, "Unknown or expired call_sid");
  core.telephony.emit(sid, "agent_responded", { text: response, end_call: endCall });
  return ok();
});

// ---- outbound calls ---------------------------------------------------------------------------------

const callback = authed((core, req, agent) => {
  const { store } = core;
  const body = req.body();
  const message = strField(body, "message");
  const allowFollowup = boolField(body, "allow_followup", true);
  if (!message) return fail(400, "message is required");
  const user = store.userOf(agent);
  if (!user) return USER_NOT_FOUND();
  if (user.tier === "free") return fail(403, "Outbound calls require Pro tier or above");
  if (!withinLimit(user)) return fail(429, "Monthly minute limit reached");
  if (!user.phone_number) {
    return fail(400, "No personal phone number registered. POST /api/v1/account/phone first");
  }
  const dialError = twilioDialError(user.phone_number);
  if (dialError) return fail(500, dialError);
  const row = {
    id: randomUUID(),
    agent_id: agent.id,
    message,
    allow_followup: allowFollowup,
    status: "calling",
    call_sid: null as string | null,
    created_at: core.now(),
  };
  store.t.callbacks.push(row);
  const call = core.placeOutbound({
    kind: "callback",
    agentId: agent.id,
    to: user.phone_number,
    webhook: { name: "callback", params: { callback_id: row.id, allow_followup: allowFollowup ? "1" : "0" } },
    extra: { callback_id: row.id },
  });
  row.call_sid = call.sid;
  store.changed();
  return ok({ call_sid: call.sid, callback_id: row.id });
});

const thirdParty = authed((core, req, agent) => {
  const { store } = core;
  const body = req.body();
  const to = strField(body, "to_number");
  const objective = strField(body, "objective");
  const context = strField(body, "context");
  if (!to) return fail(400, "to_number is required");
  if (!objective) return fail(400, "objective is required");
  const user = store.userOf(agent);
  if (!user) return USER_NOT_FOUND();
  if (user.tier !== "pro" && user.tier !== "team")
    return fail(403, "Third party calls require Pro tier or above");
  if (!withinLimit(user)) return fail(429, "Monthly minute limit reached");
  const job = {
    id: randomUUID(),
    agent_id: agent.id,
    to_number: to,
    objective,
    context,
    status: "pending",
    call_sid: null as string | null,
    transcript_json: null,
    created_at: core.now(),
  };
  store.t.third_party_calls.push(job);
  const dialError = twilioDialError(to);
  if (dialError) {
    job.status = "failed";
    store.changed();
    return fail(500, dialError);
  }
  const call = core.placeOutbound({
    kind: "third_party",
    agentId: agent.id,
    to,
    webhook: { name: "third-party", params: { job_id: job.id } },
    extra: { job_id: job.id },
  });
  job.status = "calling";
  job.call_sid = call.sid;
  store.changed();
  return ok({ job_id: job.id, call_sid: call.sid });
});

// ---- schedules --------------------------------------------------------------------------------------

const createSchedule = authed((core, req, agent) => {
  const { store } = core;
  const body = req.body();
  const cron = strField(body, "cron");
  const label = strField(body, "label") || "Scheduled call";
  const taskContext = strField(body, "task_context");
  const timezone = strField(body, "timezone") || "UTC";
  if (!cron) return fail(400, "cron is required");
  const user = store.userOf(agent);
  if (!user) return USER_NOT_FOUND();
  if (user.tier === "free") return fail(403, "Scheduled calls require Pro tier or above");
  try {
    parseRelayCron(cron);
  } catch (err) {
    if (err instanceof CronValueError) return fail(400, err.message);
    throw err;
  }
  const row = {
    id: randomUUID(),
    agent_id: agent.id,
    label,
    cron_expression: cron,
    task_context: taskContext,
    timezone,
    is_active: true,
    last_run_at: null,
    created_at: core.now(),
    seq: store.nextSeq(),
  };
  store.t.schedules.push(row);
  core.scheduler.register(row);
  store.changed();
  return ok({ id: row.id, label, cron, timezone });
});

const listSchedules = authed((core, _req, agent) => {
  const rows = core.store.t.schedules
    .filter((s) => s.agent_id === agent.id)
    .sort((a, b) => b.created_at - a.created_at || b.seq - a.seq);
  return ok({
    schedules: rows.map((s) => ({
      id: s.id,
      label: s.label,
      cron_expression: s.cron_expression,
      task_context: s.task_context,
      timezone: s.timezone,
      is_active: s.is_active,
      last_run_at: s.last_run_at === null ? null : rfc1123(s.last_run_at),
      created_at: rfc1123(s.created_at),
    })),
  });
});

const deleteSchedule = authed((core, req, agent) => {
  const id = pgUuid(req.params[0]!);
  const { store } = core;
  const row = store.t.schedules.find((s) => s.id === id && s.agent_id === agent.id);
  if (!row) return fail(404, "Schedule not found");
  core.scheduler.unregister(id);
  store.t.schedules = store.t.schedules.filter((s) => s !== row);
  store.changed();
  return ok();
});

// ---- history ----------------------------------------------------------------------------------------

const history = authed((core, req, agent) => {
  const rawLimit = req.query.get("limit");
  const limit = rawLimit === null ? 20 : pyInt(rawLimit);
  if (limit < 0) throw new ServerCrash("LIMIT must not be negative");
  const withTranscripts = (req.query.get("transcripts") ?? "").toLowerCase() === "true";
  const rows = core.store.t.call_logs
    .filter((l) => l.agent_id === agent.id)
    .sort((a, b) => b.started_at - a.started_at || b.seq - a.seq)
    .slice(0, Math.min(limit, 100));
  return ok({
    calls: rows.map((l) => {
      const item: Record<string, unknown> = {
        id: l.id,
        twilio_call_sid: l.twilio_call_sid,
        direction: l.direction,
        call_type: l.call_type,
        from_number: l.from_number,
        to_number: l.to_number,
        duration_seconds: l.duration_seconds,
        status: l.status,
        started_at: rfc1123(l.started_at),
        ended_at: l.ended_at === null ? null : rfc1123(l.ended_at),
      };
      if (withTranscripts && l.transcript_json) item.transcript = JSON.parse(l.transcript_json);
      return item;
    }),
  });
});

const health: Handler<Core> = () => ok({ service: "clawcall" });

const ID = "([^/]+)";

export const relayRoutes: readonly Route<Core>[] = [
  { re: /^\/health$/, endpoint: "health", methods: { GET: health } },
  { re: /^\/api\/v1\/register$/, endpoint: "register", methods: { POST: registerImpl } },
  { re: /^\/api\/v1\/account$/, endpoint: "account", methods: { GET: account } },
  { re: /^\/api\/v1\/account\/phone$/, endpoint: "phone", methods: { POST: setPhone } },
  { re: /^\/api\/v1\/account\/voice$/, endpoint: "voice", methods: { POST: setVoice } },
  { re: /^\/api\/v1\/account\/webhook$/, endpoint: "webhook", methods: { POST: setPushWebhook } },
  { re: /^\/api\/v1\/agents$/, endpoint: "agents", methods: { GET: listAgents, POST: createAgent } },
  {
    re: new RegExp(`^/api/v1/agents/${ID}$`),
    endpoint: "agents",
    methods: { PATCH: patchAgent, DELETE: deleteAgent },
  },
  { re: /^\/api\/v1\/calls\/listen$/, endpoint: "listen", methods: { GET: listen } },
  { re: new RegExp(`^/api/v1/calls/respond/${ID}$`), endpoint: "respond", methods: { POST: respond } },
  { re: /^\/api\/v1\/calls\/outbound\/callback$/, endpoint: "callback", methods: { POST: callback } },
  { re: /^\/api\/v1\/calls\/outbound\/third-party$/, endpoint: "third-party", methods: { POST: thirdParty } },
  {
    re: /^\/api\/v1\/calls\/schedule$/,
    endpoint: "schedule",
    methods: { GET: listSchedules, POST: createSchedule },
  },
  {
    re: new RegExp(`^/api/v1/calls/schedule/${ID}$`),
    endpoint: "schedule",
    methods: { DELETE: deleteSchedule },
  },
  { re: /^\/api\/v1\/calls\/history$/, endpoint: "history", methods: { GET: history } },
];
