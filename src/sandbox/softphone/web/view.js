// @ts-check
/** Draws the state: the phone card, the call clock, the call picker, the ringing list and the timeline. */
import {
  callEnded,
  callSid,
  callState,
  evMs,
  isRinging,
  isThirdParty,
  kindLabel,
  shortSid,
} from "./calls.js";
import { $, buttonEl, el, inputEl, selectEl, setDisabled } from "./dom.js";
import { canSpeak, speakNew } from "./speech.js";
import { describe, fmtMs, statsOf } from "./timeline.js";

/** @typedef {import("./state.js").State} State */
/** @typedef {import("./state.js").PageConfig} PageConfig */
/** @typedef {import("./timeline.js").Row} Row */
/** @typedef {"answer" | "reject" | "ignore"} RingAction */

/** @type {Record<string, string>} */
const PHASE = {
  speaking: "agent speaking",
  listening: "listening to you",
  caller_speaking: "you are speaking",
  waiting: "waiting for the agent",
};

/** The status line under the phone. @param {string} text @param {boolean} [isError] */
export function notice(text, isError) {
  const n = $("notice");
  n.textContent = text || "";
  n.className = `notice${isError ? " error" : ""}`;
}

/** @param {Row} d */
function renderEvent(d) {
  const li = el("li", `ev ${d.cls}${d.detail ? " detail" : ""}`);
  li.setAttribute("data-type", d.type);
  li.appendChild(el("span", "ev-t", d.t));
  li.appendChild(el("span", "ev-kind", d.label));
  const body = el("div", "ev-body");
  if (d.text) body.appendChild(el("div", "ev-text", d.text));
  if (d.sub) body.appendChild(el("div", "ev-sub", d.sub));
  li.appendChild(body);
  const chip = el("span", "ev-chip", d.chip);
  // With relay details folded the "queued" row the timing counts from is out of sight: say it here.
  if (d.chip.startsWith("+")) chip.title = "time since your words were queued for the agent";
  li.appendChild(chip);
  return li;
}

/** Appends the call's new rows (and speaks the agent's new lines). @param {State} S */
export function renderTimeline(S) {
  const list = $("timeline");
  const c = S.call;
  const events = c ? c.events || [] : [];
  const scroller = $("timeline-scroll");
  const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  if (S.renderedSid !== S.sid || events.length < S.rendered) {
    list.replaceChildren();
    S.rendered = 0;
    S.renderedSid = S.sid;
  }
  const described = describe(events, c || {}, { timeScale: S.timeScale });
  // The last row may gain a chip (e.g. a queued message later answered): draw it again.
  const from = Math.max(0, S.rendered - 1);
  while (list.children.length > from) list.lastChild?.remove();
  for (const d of described.slice(from)) list.appendChild(renderEvent(d));
  const grew = described.length > S.rendered;
  S.rendered = described.length;
  $("timeline-empty").hidden = described.length > 0;
  if (grew && atBottom) scroller.scrollTop = scroller.scrollHeight;
  renderStats(S);
  if (S.sid) speakNew(S.sid, events, S.spoken, S.muted);
}

/** @param {string} label @param {string} value */
function stat(label, value) {
  const s = el("span", "stat");
  s.appendChild(document.createTextNode(`${label} `));
  s.appendChild(el("b", "", value));
  return s;
}

/** @param {State} S */
function renderStats(S) {
  const box = $("stats");
  const c = S.call;
  box.replaceChildren();
  if (!c) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const st = statsOf(c.events || []);
  box.appendChild(stat("call", shortSid(S.sid || "")));
  box.appendChild(stat("type", kindLabel(c)));
  box.appendChild(stat("state", callState(c)));
  box.appendChild(stat("turns", String(st.turns)));
  box.appendChild(stat("fillers", String(st.fillers)));
  const last = st.lat.at(-1);
  if (last !== undefined) box.appendChild(stat("last answer", fmtMs(last)));
}

/** The phone card: state, route, and which controls work now. @param {State} S @param {PageConfig} cfg */
export function renderPhone(S, cfg) {
  const c = S.call;
  const live = !!c && !callEnded(c) && !isRinging(c);
  const state = $("call-state");
  if (!c) {
    state.textContent = "Idle";
    state.className = "state";
  } else if (isRinging(c)) {
    state.textContent = "Ringing…";
    state.className = "state ring";
  } else if (callEnded(c)) {
    state.textContent = "Call ended";
    state.className = "state ended";
  } else {
    const phase = c.phase && Object.hasOwn(PHASE, c.phase) ? ` · ${PHASE[c.phase]}` : "";
    state.textContent = `In call${phase}`;
    state.className = "state live";
  }
  $("call-kind").textContent = c ? kindLabel(c) : "";
  const tp = !!c && isThirdParty(c);
  $("say-label").textContent = tp ? "The third party says" : "You say";
  const say = inputEl("say-input");
  say.placeholder = tp ? "Type the third party's line…" : "Type what the caller says…";
  setDisabled(buttonEl("dial"), S.busy || (!!c && live && !isThirdParty(c)));
  setDisabled(buttonEl("hangup"), !live && !(c && isRinging(c)));
  setDisabled(say, !live);
  for (const id of ["say-send", "mic", "silence"]) setDisabled(buttonEl(id), !live);
  $("from-number").textContent = c ? String(c.from || c.from_number || cfg.fromNumber) : cfg.fromNumber;
  $("to-number").textContent = c ? String(c.to || c.to_number || cfg.toNumber) : cfg.toNumber;
  renderClock(S);
}

/** The call's running time: the log's span, run on locally while the call is live. @param {State} S */
export function renderClock(S) {
  const c = S.call;
  const evs = c ? c.events || [] : [];
  const first = evs[0];
  const lastEv = evs.at(-1);
  if (!c || !first || !lastEv) {
    $("call-clock").textContent = "0:00";
    return;
  }
  const last = evMs(lastEv) - evMs(first);
  const b = S.clockBase;
  const now = callEnded(c) || !b || b.sid !== S.sid ? last : Math.max(last, b.ms + Date.now() - b.local);
  const s = Math.max(0, Math.floor(now / 1000));
  $("call-clock").textContent = `${Math.floor(s / 60)}:${s % 60 < 10 ? "0" : ""}${s % 60}`;
}

/** The call picker, newest first. @param {State} S */
export function renderCallSelect(S) {
  const sel = selectEl("call-select");
  const calls = S.calls.slice().reverse();
  const want = S.sid || "";
  sel.replaceChildren();
  if (!calls.length) {
    const o = el("option", "", "no calls yet");
    o.value = "";
    sel.appendChild(o);
    sel.disabled = true;
    return;
  }
  sel.disabled = false;
  if (!want) {
    const pick = el("option", "", "pick a call…");
    pick.value = "";
    pick.selected = true;
    sel.appendChild(pick);
  }
  for (const call of calls) {
    const sid = callSid(call);
    const opt = el("option", "", `${shortSid(sid)} · ${kindLabel(call)} · ${callState(call)}`);
    opt.value = sid;
    if (sid === want) opt.selected = true;
    sel.appendChild(opt);
  }
}

/** @type {[RingAction, string, string][]} */
const RING_BUTTONS = [
  ["answer", "Answer", "btn small call"],
  ["reject", "Reject", "btn small end"],
  ["ignore", "Ignore", "btn small"],
];

/**
 * Outbound calls ringing the demo phone, each with answer / reject / ignore.
 * @param {State} S
 * @param {(sid: string, action: RingAction) => void} onAction
 */
export function renderRinging(S, onAction) {
  const list = $("ringing");
  const ringing = S.calls.filter(isRinging);
  list.replaceChildren();
  $("ringing-empty").hidden = ringing.length > 0;
  $("ring-count").textContent = ringing.length ? String(ringing.length) : "";
  for (const c of ringing) {
    const sid = callSid(c);
    const li = el("li", "ring-item");
    li.setAttribute("data-sid", sid);
    const info = el("div");
    info.appendChild(
      el("div", "ring-what", kindLabel(c) + (isThirdParty(c) ? " (you are the third party)" : "")),
    );
    info.appendChild(el("div", "ring-sub", `${c.to || c.to_number || ""} · ${shortSid(sid)}`));
    li.appendChild(info);
    const actions = el("div", "actions");
    for (const [action, label, cls] of RING_BUTTONS) {
      const b = el("button", cls, label);
      b.type = "button";
      b.setAttribute("data-action", action);
      b.addEventListener("click", () => onAction(sid, action));
      actions.appendChild(b);
    }
    li.appendChild(actions);
    list.appendChild(li);
  }
}

/**
 * A schedule as `GET /api/v1/calls/schedule` lists it.
 * @typedef {{ id: string, label?: string, cron_expression?: string, cron?: string, timezone?: string }} Schedule
 */

/**
 * The demo user's schedules, each with a button that fires it now.
 * @param {Schedule[]} items
 * @param {(id: string) => void} onFire
 */
export function renderSchedules(items, onFire) {
  const list = $("schedules");
  list.replaceChildren();
  $("schedules-empty").hidden = items.length > 0;
  for (const s of items) {
    const li = el("li", "sched-item");
    const info = el("div");
    info.appendChild(el("div", "ring-what", s.label || "Scheduled call"));
    info.appendChild(el("div", "ring-sub", `${s.cron_expression || s.cron || ""} · ${s.timezone || ""}`));
    li.appendChild(info);
    const b = el("button", "btn small", "Fire now");
    b.type = "button";
    b.addEventListener("click", () => onFire(s.id));
    li.appendChild(b);
    list.appendChild(li);
  }
}

/** The read-aloud switch: its state in words and for screen readers. @param {State} S */
export function renderReadAloud(S) {
  const b = buttonEl("read-aloud");
  const on = canSpeak() && !S.muted;
  b.setAttribute("aria-checked", on ? "true" : "false");
  $("read-aloud-state").textContent = canSpeak() ? (on ? "On" : "Off") : "Not available";
  if (!canSpeak()) {
    setDisabled(b, true);
    b.title = "This browser has no speech synthesis";
  }
}

/** Relay rows folded away or shown, and the switch that says which. @param {State} S */
export function renderDetails(S) {
  inputEl("relay-details").checked = S.details;
  $("timeline").classList.toggle("show-details", S.details);
}
