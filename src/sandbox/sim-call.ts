import { randomBytes } from "node:crypto";
import type { CallEvent } from "./call-events.js";

/** A simulated call as softphones and tests see it, its sid, and the error for an impossible action on it. */

export type CallKind = "inbound" | "callback" | "scheduled" | "third_party";
export type CallState = "ringing" | "in-progress" | "ended";
/** What the line is doing right now (for softphones and tests). */
export type CallPhase = "ringing" | "speaking" | "listening" | "caller_speaking" | "waiting" | "ended";

export interface SimCall {
  sid: string;
  kind: CallKind;
  direction: "inbound" | "outbound";
  from: string;
  to: string;
  state: CallState;
  phase: CallPhase;
  /** Final Twilio status once ended: completed, busy, no-answer, failed. */
  status: string | null;
  agent_id: string | null;
  callback_id?: string;
  job_id?: string;
  schedule_id?: string;
  manual_silence: boolean;
  created_at: number;
  answered_at: number | null;
  ended_at: number | null;
  duration_s: number | null;
  events: CallEvent[];
}

export class SimError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function newCallSid(): string {
  return `CA${randomBytes(16).toString("hex")}`;
}
