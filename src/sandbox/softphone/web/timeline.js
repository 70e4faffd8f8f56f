// @ts-check
/**
 * Turns a call's event log into timeline rows and stats, with timings relative to the utterance the
 * agent is answering. No DOM here: view.js draws the rows.
 */
import { evMs, evText, evType, isThirdParty, kindLabel } from "./calls.js";

/** @typedef {import("./calls.js").SimEvent} SimEvent */
/** @typedef {import("./calls.js").SimCall} SimCall */

/**
 * One timeline row, ready to draw.
 * @typedef {object} Row
 * @property {string} type The event type (the row's `data-type`).
 * @property {string} t Clock time since the call's first event.
 * @property {string} label
 * @property {string} cls CSS classes of the row (`agent`, `you`, `filler`, `tp`, `end`, `sys`).
 * @property {string} text
 * @property {string} sub
 * @property {string} chip Timing or filler count, right-aligned.
 * @property {boolean} detail Relay plumbing rather than the conversation: drawn folded away unless
 *   "Show relay details" is on.
 */

/**
 * @typedef {object} DescribeOptions
 * @property {number | null} timeScale The sandbox's time scale, when known.
 */

/** @type {Record<string, string>} */
const LABEL = {
  created: "Call",
  ringing: "Ringing",
  answered: "Answered",
  greeting: "Greeting",
  gather: "Listening",
  caller_said: "You",
  caller_silent: "Silence",
  caller_unheard: "Not heard",
  message_queued: "Queued",
  filler: "Filler",
  answer_spoken: "Answer",
  didnt_catch: "Agent",
  still_there: "Agent",
  notice: "Relay",
  callback_message: "Callback",
  third_party_said: "Third party",
  completion_queued: "Completion",
  hangup: "Hang-up",
  status: "Status",
  webhook: "Webhook",
  application_error: "Error",
  message_delivered: "Delivered",
  agent_responded: "Responded",
};

/** @type {Record<string, string>} */
const CLASS = {
  greeting: "agent",
  answer_spoken: "agent answer",
  didnt_catch: "agent",
  still_there: "agent",
  notice: "agent",
  callback_message: "agent",
  caller_said: "you",
  caller_silent: "you",
  caller_unheard: "you",
  filler: "filler",
  third_party_said: "tp",
  hangup: "end",
  application_error: "end",
};

/** @type {Record<string, string>} */
const HANGUP_REASON = {
  caller: "you hung up",
  end_call: "the agent ended the call",
  silence: "silence",
  rejected: "you rejected it",
  no_answer: "nobody answered",
  canceled: "cancelled while ringing",
  twiml_end: "end of the relay's instructions",
  application_error: "the relay's webhook took too long",
  sandbox_closed: "the sandbox stopped",
  refused: "refused by the relay",
};

/** How the relay moved the call along, as opposed to what the caller said and heard (a ringing phone is heard). */
const DETAIL = new Set([
  "created",
  "answered",
  "gather",
  "message_queued",
  "message_delivered",
  "agent_responded",
  "completion_queued",
  "status",
  "webhook",
]);

/** @param {Record<string, string>} table @param {string} key */
const lookup = (table, key) => (Object.hasOwn(table, key) ? table[key] : undefined);

/** @param {string} s */
const spaced = (s) => s.replace(/_/g, " ");

/** @param {number} ms */
export function fmtClock(ms) {
  const s = Math.max(0, ms) / 1000;
  const m = Math.floor(s / 60);
  const r = s - m * 60;
  return `${m}:${r < 10 ? "0" : ""}${r.toFixed(1)}`;
}

/** Milliseconds with thin-space thousands separators. @param {number} ms */
export function fmtMs(ms) {
  return `${Math.round(ms)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, "\u2009")} ms`;
}

/**
 * Text, sub-line and chip of one event. `turn` carries the open utterance across events: `anchor`
 * (when the message was queued for the agent) and the fillers spoken since.
 * @param {SimEvent} e @param {SimCall} call @param {DescribeOptions} opts
 * @param {{ anchor: number | null, fillers: number }} turn
 * @returns {{ text: string, sub: string, chip: string }}
 */
function describeOne(e, call, opts, turn) {
  const type = evType(e);
  const ms = evMs(e);
  const since = () => (turn.anchor !== null ? `+${fmtMs(ms - turn.anchor)}` : "");
  const text = evText(e);
  switch (type) {
    case "filler":
      turn.fillers++;
      return {
        text,
        chip: `filler ${turn.fillers}${turn.anchor !== null ? ` · ${since()}` : ""}`,
        sub: e.as_answer ? "spoken as the agent's answer: the 12 s third-party wait ran out" : "",
      };
    case "answer_spoken": {
      const n = turn.fillers;
      let sub = n ? `answered after ${n}${n === 1 ? " filler" : " fillers"}` : "answered without a filler";
      if (e.end_call) sub += " · ends the call";
      const chip = since();
      turn.anchor = null;
      turn.fillers = 0;
      return { text, sub, chip };
    }
    case "message_queued": {
      const m = String(e.message !== undefined ? e.message : text);
      return {
        text: `message queued for the agent${e.kind ? ` (${spaced(String(e.kind))})` : ""}`,
        sub: /^\[(SCHEDULED|THIRD PARTY)/.test(m) ? m : "",
        chip: "",
      };
    }
    case "gather": {
      const to = e.timeout_s !== undefined ? e.timeout_s : e.timeout;
      const who = isThirdParty(call) ? "the third party" : "you";
      return {
        text: `waiting for ${who} to speak${to !== undefined ? ` (${to} s)` : ""}`,
        sub: "",
        chip: "",
      };
    }
    case "caller_silent": {
      const who = isThirdParty(call) ? "the third party stayed silent" : "you stayed silent";
      return { text: who + (e.timeout_s !== undefined ? ` (${e.timeout_s} s)` : ""), sub: "", chip: "" };
    }
    case "caller_unheard":
      return {
        text,
        sub: "nobody was listening (the agent was speaking or thinking), so the line lost it",
        chip: "",
      };
    case "hangup": {
      const why = e.reason ? lookup(HANGUP_REASON, e.reason) || spaced(String(e.reason)) : "";
      return { text: `call ended${why ? `: ${why}` : ""}`, sub: "", chip: "" };
    }
    case "status": {
      const simulated = opts.timeScale && opts.timeScale !== 1 ? " (simulated)" : "";
      const duration = e.duration !== undefined ? ` · duration ${e.duration} s${simulated}` : "";
      return {
        text: `status ${String(e.status || "")}${duration}`,
        sub: e.callback === false ? "no status callback sent to the relay" : "",
        chip: "",
      };
    }
    case "completion_queued":
      return {
        text: "[THIRD PARTY COMPLETE] queued for the agent",
        sub: e.call_sid ? String(e.call_sid) : "",
        chip: "",
      };
    case "created":
      return {
        text: `${kindLabel(call)} ${String(e.from || "")} → ${String(e.to || "")}`,
        sub: "",
        chip: "",
      };
    case "ringing":
      return { text: `ringing ${String(e.to || "")}`, sub: "", chip: "" };
    case "answered":
      return { text: "the line is open", sub: "", chip: "" };
    case "message_delivered": {
      const dm = String(e.message || "");
      return { text: "the agent's listen returned it", sub: /^\[/.test(dm) ? dm : "", chip: since() };
    }
    case "agent_responded":
      return {
        text: `the agent's answer reached the relay${e.end_call ? " (ends the call)" : ""}`,
        sub: "",
        chip: since(),
      };
    case "webhook":
      return { text: `Twilio requests /webhooks/twilio/${String(e.name || "")}`, sub: "", chip: "" };
    case "application_error":
      return { text: `Twilio gave up on /${String(e.webhook || "")} (application error)`, sub: "", chip: "" };
    default:
      return { text, sub: "", chip: "" };
  }
}

/**
 * Every event as a row; timings count from the message queued for the agent (the end of the
 * caller's speech).
 * @param {SimEvent[]} events @param {SimCall} call @param {DescribeOptions} opts
 * @returns {Row[]}
 */
export function describe(events, call, opts) {
  /** @type {Row[]} */
  const out = [];
  const t0 = events[0] ? evMs(events[0]) : 0;
  const turn = { anchor: /** @type {number | null} */ (null), fillers: 0 };
  for (const e of events) {
    const type = evType(e);
    const ms = evMs(e);
    if (type === "message_queued") {
      turn.anchor = ms;
      turn.fillers = 0;
    }
    const row = describeOne(e, call, opts, turn);
    // A queued notice ([SCHEDULED] …, [THIRD PARTY CALL] …) is what the agent answers on an outbound
    // call, so the conversation keeps it.
    const notice = type === "message_queued" && row.sub !== "";
    out.push({
      type,
      t: fmtClock(ms - t0),
      label: lookup(LABEL, type) || spaced(type),
      cls: lookup(CLASS, type) || "sys",
      detail: DETAIL.has(type) && !notice,
      ...row,
    });
  }
  return out;
}

/**
 * Turns, fillers and answer latencies (ms from the queued message to the spoken answer).
 * @param {SimEvent[]} events
 */
export function statsOf(events) {
  let turns = 0;
  let fillers = 0;
  /** @type {number[]} */
  const lat = [];
  /** @type {number | null} */
  let anchor = null;
  for (const e of events) {
    const ty = evType(e);
    const ms = evMs(e);
    if (ty === "caller_said" || ty === "third_party_said") turns++;
    if (ty === "message_queued") anchor = ms;
    if (ty === "filler") fillers++;
    if (ty === "answer_spoken" && anchor !== null) {
      lat.push(ms - anchor);
      anchor = null;
    }
  }
  return { turns, fillers, lat };
}
