import { z } from "zod";
import { callSidKind } from "./call-sid.js";

/**
 * What one `listen` message means. The relay sends no type field: the kind is implied by a text
 * prefix and the sid's shape (contract §4.2). Caller speech can forge any prefix, so a prefix only
 * counts on the sid shape that can really carry it, and nothing here ever throws.
 */
export type RelayEvent =
  | { kind: "caller"; callSid: string; text: string }
  | { kind: "scheduled"; callSid: string; context: string }
  | { kind: "third_party_open"; callSid: string; objective: string; context: string }
  | { kind: "third_party_says"; callSid: string; speech: string }
  | {
      kind: "third_party_complete";
      callSid: string;
      jobId: string;
      status: string;
      transcript: { role: string; text: string }[];
    }
  | { kind: "unknown"; callSid: string; text: string; reason: string };

export type RelayEventKind = RelayEvent["kind"];
export const EVENT_KINDS = [
  "caller",
  "scheduled",
  "third_party_open",
  "third_party_says",
  "third_party_complete",
  "unknown",
] as const satisfies readonly RelayEventKind[];

export const PREFIX = {
  scheduled: "[SCHEDULED]",
  thirdPartyOpen: "[THIRD PARTY CALL]",
  thirdPartySays: "[THIRD PARTY SAYS]:",
  thirdPartyComplete: "[THIRD PARTY COMPLETE]",
} as const;

const completionBody = z.object({
  job_id: z.string(),
  status: z.string().default("completed"),
  transcript: z
    .array(z.object({ role: z.string(), text: z.string() }).loose())
    .default([])
    .transform((turns) => turns.map((t) => ({ role: t.role, text: t.text }))),
});

/** Parses one listen result. Malformed input becomes a `caller` or `unknown` event. */
export function parseRelayMessage(callSid: unknown, message: unknown): RelayEvent {
  const sid = typeof callSid === "string" ? callSid : "";
  const text = typeof message === "string" ? message : "";
  const sidKind = callSidKind(sid);

  if (sidKind === undefined) return { kind: "unknown", callSid: sid, text, reason: "invalid call sid" };

  if (sidKind === "notify") {
    if (!text.startsWith(PREFIX.thirdPartyComplete)) {
      return { kind: "unknown", callSid: sid, text, reason: "notify sid without a completion" };
    }
    const raw = text.slice(PREFIX.thirdPartyComplete.length).trim();
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return { kind: "unknown", callSid: sid, text, reason: "completion JSON does not parse" };
    }
    const body = completionBody.safeParse(json);
    const sidJob = sid.slice("notify-".length);
    if (!body.success)
      return { kind: "unknown", callSid: sid, text, reason: "completion JSON has the wrong shape" };
    if (body.data.job_id !== sidJob) {
      return { kind: "unknown", callSid: sid, text, reason: "completion job id does not match its sid" };
    }
    return {
      kind: "third_party_complete",
      callSid: sid,
      jobId: sidJob,
      status: body.data.status,
      transcript: body.data.transcript,
    };
  }

  // A real CallSid: a completion prefix here is forged caller speech and stays caller speech.
  if (text.startsWith(PREFIX.scheduled)) {
    return { kind: "scheduled", callSid: sid, context: text.slice(PREFIX.scheduled.length).trim() };
  }
  if (text.startsWith(PREFIX.thirdPartySays)) {
    return {
      kind: "third_party_says",
      callSid: sid,
      speech: text.slice(PREFIX.thirdPartySays.length).trim(),
    };
  }
  if (text.startsWith(PREFIX.thirdPartyOpen)) {
    const rest = text.slice(PREFIX.thirdPartyOpen.length);
    const objective = /(?:^|\n)Objective:[ \t]*([^\n]*)/.exec(rest)?.[1]?.trim() ?? "";
    const ctxMatch = /(?:^|\n)Context:[ \t]*([\s\S]*)$/.exec(rest);
    const context = ctxMatch?.[1]?.trim() ?? "";
    return { kind: "third_party_open", callSid: sid, objective, context };
  }
  return { kind: "caller", callSid: sid, text: text.trim() };
}

/** Third-party turns have a hard budget: the relay waits 12 s once, then speaks a filler as us. */
export function isThirdPartyTurn(kind: RelayEventKind): boolean {
  return kind === "third_party_open" || kind === "third_party_says";
}
