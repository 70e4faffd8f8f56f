/**
 * The bridge's wire contract, one zod schema per shape: `POST /clawcall/message` (request and reply),
 * `GET /health` and `<stateDir>/bridge.status.json`. The bridge builds its bodies from these types;
 * `clawcall up`, `doctor` and `status` read them through the same schemas.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { z } from "zod";
import { EVENT_KINDS } from "../relay/index.js";

// --- POST /clawcall/message -------------------------------------------------------------------------

/** Relay sids and hand-made test sids alike: a safe token, never a path or a shell word. */
export const CALL_SID_SHAPE = /^[A-Za-z0-9_.:-]{1,128}$/;
export const MAX_MESSAGE_CHARS = 16_000;
/**
 * The call `clawcall doctor` sends its test turn on: answered like any turn, but not counted in the
 * turns, stats or /metrics, which are about callers (the relay never gives out an all-zero sid).
 */
export const DOCTOR_CALL_SID = `CA${"0".repeat(32)}`;

/** `{call_sid, message, kind?}`; `kind` is only a hint (the bridge derives the kind itself). */
export const messageRequest = z.looseObject({
  call_sid: z.string().regex(CALL_SID_SHAPE),
  message: z.string().max(MAX_MESSAGE_CHARS),
  kind: z.string().optional(),
});
export type MessageRequest = z.infer<typeof messageRequest>;

/** Why a request body is refused, in the words and statuses the bridge has always used. */
export interface RequestProblem {
  status: 400 | 413;
  message: string;
}

/** Parses a message request; the first problem decides the answer (sid, then message, then kind). */
export function parseMessageRequest(
  body: unknown,
): { ok: true; value: MessageRequest } | { ok: false; problem: RequestProblem } {
  const r = messageRequest.safeParse(body);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  switch (issue?.path[0]) {
    case "call_sid":
      return {
        ok: false,
        problem: { status: 400, message: "call_sid must be a string of letters, digits, . _ : -" },
      };
    case "message":
      return issue.code === "too_big"
        ? { ok: false, problem: { status: 413, message: `message over ${MAX_MESSAGE_CHARS} characters` } }
        : { ok: false, problem: { status: 400, message: "message must be a string" } };
    default:
      return { ok: false, problem: { status: 400, message: "kind must be a string when present" } };
  }
}

export const ANSWER_SOURCES = ["fast", "model", "deferred", "fallback"] as const;
export type AnswerSource = (typeof ANSWER_SOURCES)[number];

/** What `POST /clawcall/message` answers. `response`/`end_call` are what the published listener reads. */
export const messageReply = z.object({
  response: z.string(),
  end_call: z.boolean(),
  /** The fast-path intent that answered, or null. */
  intent: z.string().nullable(),
  source: z.enum(ANSWER_SOURCES),
  /** Handler time in milliseconds (after the body was read). */
  ms: z.number(),
  /** The kind the bridge derived from the sid and the text (the request's `kind` is only a hint). */
  kind: z.enum(EVENT_KINDS),
});
export type MessageReply = z.infer<typeof messageReply>;

// --- GET /health ------------------------------------------------------------------------------------

export const gatewayFacts = z.object({
  /** null until the first probe. */
  reachable: z.boolean().nullable(),
  chat_completions: z.boolean().nullable(),
});

const sourceStatus = z.object({
  state: z.enum(["pending", "ok", "missing", "error"]),
  at: z.string().nullable(),
  error: z.string().nullable(),
});

export const bridgeHealth = z.looseObject({
  /** False while shutting down (then the status is 503). */
  ok: z.boolean(),
  host: z.string(),
  port: z.number(),
  mode: z.string(),
  model: z.string(),
  version: z.string(),
  uptime_s: z.number(),
  /** Lets `status`/`doctor` tell our bridge from a stale copy holding the port. */
  pid: z.number(),
  gateway: gatewayFacts,
  /**
   * Whether the phone's model answered (true), cannot be reached (false) or has not been tried
   * (null), and the same in one sentence. Optional so a bridge from before these fields still reads
   * as ours (status and doctor tell it by its pid).
   */
  model_reachable: z.boolean().nullable().optional(),
  model_note: z.string().optional(),
  agent_name: z.string(),
  turns: z.number(),
  sources: z.record(z.string(), sourceStatus),
  pending_deliveries: z.number(),
});
export type BridgeHealth = z.infer<typeof bridgeHealth>;

/** Whatever answered on the port, read for its pid alone (an old or foreign copy). */
const anyPid = z.looseObject({ pid: z.number().optional() });

export type HealthProbe =
  | { reachable: false; error: string }
  | {
      reachable: true;
      status: number;
      /** Set when the body is our bridge's health. */
      health: BridgeHealth | undefined;
      /** The pid the body names, ours or not. */
      pid: number | undefined;
    };

/** `GET <url>/health`, parsed. Never throws: an unreachable port is an answer too. */
export async function probeBridgeHealth(url: string, timeoutMs = 2_000): Promise<HealthProbe> {
  let status: number;
  let json: unknown;
  try {
    const res = await request(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    status = res.statusCode;
    json = await res.body.json().catch(() => undefined);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { reachable: false, error: e.code ?? e.message ?? String(err) };
  }
  const health = bridgeHealth.safeParse(json);
  const any = anyPid.safeParse(json);
  return {
    reachable: true,
    status,
    health: health.success ? health.data : undefined,
    pid: any.success ? any.data.pid : undefined,
  };
}

/**
 * `POST <url>/context/refresh` after a command changed schedules or tasks, so the phone's next answer
 * sees it. Best effort: false when no bridge answers in time; never throws, never prints.
 */
export async function requestContextRefresh(
  url: string,
  token: string | undefined,
  timeoutMs = 3_000,
): Promise<boolean> {
  try {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await request(`${url}/context/refresh`, {
      method: "POST",
      headers,
      body: "{}",
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump();
    return res.statusCode === 200;
  } catch {
    return false;
  }
}

/** The health of a bridge that is up and serving (200 and `ok`), else undefined. */
export function healthyOf(probe: HealthProbe): BridgeHealth | undefined {
  return probe.reachable && probe.status === 200 && probe.health?.ok ? probe.health : undefined;
}

// --- <stateDir>/bridge.status.json ------------------------------------------------------------------

export const lastErrorSchema = z.object({ code: z.string(), message: z.string(), at: z.string() });
export type LastError = z.infer<typeof lastErrorSchema>;

export const bridgeStatusFile = z.looseObject({
  pid: z.number(),
  host: z.string(),
  port: z.number(),
  url: z.string(),
  version: z.string(),
  mode: z.string(),
  model: z.string(),
  startedAt: z.string(),
  updatedAt: z.string(),
  closing: z.boolean(),
  turns: z.number(),
  turnsBySource: z.object({
    fast: z.number(),
    model: z.number(),
    deferred: z.number(),
    fallback: z.number(),
  }),
  errors: z.number(),
  lastError: lastErrorSchema.nullable(),
  gateway: gatewayFacts,
  pendingDeliveries: z.number(),
  /** Deferred answers that failed and were (or will be) told with an apology; absent before 0.x files. */
  deferredFailed: z.number().optional(),
  /** Calls not ended whose last turn is within the relay's 300 s slot lifetime. */
  activeCalls: z.number(),
});
export type BridgeStatusFile = z.infer<typeof bridgeStatusFile>;

export function bridgeStatusPath(stateDir: string): string {
  return join(stateDir, "bridge.status.json");
}

/** The bridge's status file, or undefined when it is missing or not ours. */
export function readBridgeStatus(stateDir: string): BridgeStatusFile | undefined {
  try {
    const r = bridgeStatusFile.safeParse(JSON.parse(readFileSync(bridgeStatusPath(stateDir), "utf8")));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
