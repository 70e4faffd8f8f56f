// @ts-check
/**
 * The simulation API's call and event shapes (`GET /sandbox/calls[/:sid]`), read tolerantly: the
 * field names of older sandboxes still work.
 */

/**
 * One entry of a call's event log; which fields are set depends on `type`.
 * @typedef {object} SimEvent
 * @property {string} [type]
 * @property {string} [kind]
 * @property {string} [event]
 * @property {unknown} [text]
 * @property {unknown} [message]
 * @property {unknown} [speech]
 * @property {{ text?: unknown }} [data]
 * @property {number | string} [ms] Real ms since the call was created (the sandbox's log).
 * @property {number | string} [at_ms]
 * @property {number | string} [t]
 * @property {number | string} [at]
 * @property {boolean} [as_answer]
 * @property {boolean} [end_call]
 * @property {number} [timeout_s]
 * @property {number} [timeout]
 * @property {string} [reason]
 * @property {string} [status]
 * @property {number} [duration]
 * @property {boolean} [callback]
 * @property {string} [call_sid]
 * @property {string} [from]
 * @property {string} [to]
 * @property {string} [name]
 * @property {string} [webhook]
 */

/**
 * A call as the simulation API lists it, with its event log when fetched on its own.
 * @typedef {object} SimCall
 * @property {string} [call_sid]
 * @property {string} [sid]
 * @property {string} [CallSid]
 * @property {string} [state]
 * @property {string} [status]
 * @property {boolean} [ended]
 * @property {string} [kind]
 * @property {string} [call_type]
 * @property {string} [direction]
 * @property {string} [phase]
 * @property {string} [from]
 * @property {string} [from_number]
 * @property {string} [to]
 * @property {string} [to_number]
 * @property {number} [created_at]
 * @property {SimEvent[]} [events]
 */

const ENDED = new Set([
  "completed",
  "failed",
  "busy",
  "no-answer",
  "canceled",
  "cancelled",
  "rejected",
  "ended",
  "hung-up",
]);

const KIND_LABEL = new Map([
  ["user_initiated", "inbound call"],
  ["inbound", "inbound call"],
  ["task_callback", "callback"],
  ["callback", "callback"],
  ["scheduled", "scheduled call"],
  ["third_party", "third-party call"],
  ["outbound", "outbound call"],
]);

/** @param {SimEvent} e */
export function evType(e) {
  return String(e.type || e.kind || e.event || "event");
}

/** @param {SimEvent} e */
export function evText(e) {
  let t = e.text !== undefined ? e.text : e.message !== undefined ? e.message : e.speech;
  if (t === undefined && e.data && typeof e.data === "object") t = e.data.text;
  return t === undefined || t === null ? "" : String(t);
}

/** @param {SimEvent} e */
export function evMs(e) {
  // "ms" is the sandbox's field; the rest are fallbacks.
  const v = e.ms !== undefined ? e.ms : e.at_ms !== undefined ? e.at_ms : e.t !== undefined ? e.t : e.at;
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    const p = Date.parse(v);
    return Number.isNaN(p) ? 0 : p;
  }
  return 0;
}

/**
 * `GET /sandbox/calls/:sid` answers `{ call }` (older sandboxes: the call itself).
 * @param {{ call?: SimCall } & SimCall} data
 * @returns {SimCall}
 */
export function callOf(data) {
  return data.call || data;
}

/** @param {SimCall} c */
export function callSid(c) {
  return c.call_sid || c.sid || c.CallSid || "";
}

/** @param {SimCall} c */
export function callState(c) {
  return String(c.state || c.status || "unknown");
}

/** @param {SimCall} c */
export function callEnded(c) {
  if (c.ended === true) return true;
  if (ENDED.has(callState(c))) return true;
  return (c.events || []).some((e) => evType(e) === "hangup");
}

/** @param {SimCall} c */
export function callKind(c) {
  return String(c.kind || c.call_type || c.direction || "call");
}

/** @param {SimCall} c */
export function isThirdParty(c) {
  return /third/.test(callKind(c));
}

/** @param {SimCall} c */
export function isRinging(c) {
  return callState(c) === "ringing" && !callEnded(c);
}

/** @param {SimCall} c */
export function kindLabel(c) {
  return KIND_LABEL.get(callKind(c)) || callKind(c);
}

/** @param {string} s */
export function shortSid(s) {
  return s.length > 14 ? `${s.slice(0, 8)}…${s.slice(-4)}` : s;
}
