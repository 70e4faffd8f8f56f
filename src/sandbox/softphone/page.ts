/**
 * The sandbox softphone: one self-contained HTML page (inline CSS and JS, no external resources)
 * served by the sandbox relay at `GET /`. It plays the human side of a call through the simulation
 * API (`/sandbox/...`) and the relay API (with the demo key) and shows every call's event log.
 *
 * The page lives in a TypeScript string so that `tsc` puts it in `dist/` (it does not copy .html).
 * Its script avoids backticks and dollar-brace sequences so the whole page fits one raw template.
 * Caller, agent and third-party text is untrusted: the script only ever uses textContent.
 */
import { SANDBOX_DEMO_API_KEY } from "../../config/schema.js";
import { DEMO_EMAIL, DEMO_PHONE, SHARED_NUMBER } from "../phrases.js";

export interface SoftphonePageOptions {
  /** Key the page uses for relay endpoints (schedules, third-party calls, account). */
  demoKey?: string;
  demoEmail?: string;
  /** The demo user's phone: the caller ID of dialled calls. */
  fromNumber?: string;
  /** The number dialled (the shared pool number). */
  toNumber?: string;
  /** The sandbox's base URL (shown in the header). */
  apiUrl?: string;
}

const CSS = `
:root {
  --bg: #f3f4f6; --card: #ffffff; --line: #e2e5ea; --text: #1b2230; --muted: #687385;
  --accent: #0f766e; --accent-soft: #e7f5f3; --call: #15803d; --end: #c62828;
  --you: #1d4ed8; --you-soft: #eef3ff; --filler: #a15c07; --filler-soft: #fff7e6;
  --tp: #7c3aed; --tp-soft: #f4efff; --radius: 12px;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body {
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--text); background: var(--bg); display: flex; flex-direction: column;
}
button, input, select { font: inherit; color: inherit; }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0; }
.top {
  display: flex; align-items: center; justify-content: space-between; gap: 12px;
  padding: 10px 20px; background: #111827; color: #f9fafb; flex: none;
}
.brand { display: flex; align-items: center; gap: 10px; font-weight: 650; font-size: 16px; }
.logo {
  width: 28px; height: 28px; border-radius: 8px; background: var(--accent); display: grid; place-items: center;
}
.logo svg { width: 16px; height: 16px; fill: #fff; }
.tag { font-size: 11px; font-weight: 600; padding: 2px 8px; border-radius: 999px; background: #374151; color: #d1d5db; }
.conn { display: flex; align-items: center; gap: 8px; font-size: 12px; color: #cbd5e1; min-width: 0; }
.conn span:last-child { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: #9ca3af; flex: none; }
.dot.ok { background: #34d399; } .dot.bad { background: #f87171; }
main {
  flex: 1; min-height: 0; display: grid; gap: 16px; padding: 16px 20px;
  grid-template-columns: minmax(320px, 380px) minmax(0, 1fr);
}
main > *, .side > * { min-width: 0; }
.side { display: flex; flex-direction: column; gap: 16px; min-height: 0; overflow-y: auto; padding-bottom: 4px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: 16px; }
.card-head { display: flex; align-items: center; justify-content: space-between; gap: 8px; margin-bottom: 12px; }
.route { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; font-size: 13px; color: var(--muted); }
.route b { color: var(--text); font-weight: 600; font-family: var(--mono); font-size: 12.5px; }
.status-line { display: flex; align-items: baseline; justify-content: space-between; margin: 14px 0 12px; }
.state { font-size: 18px; font-weight: 650; }
.state.live { color: var(--call); } .state.ring { color: var(--filler); } .state.ended { color: var(--muted); }
.clock { font-family: var(--mono); font-size: 16px; color: var(--muted); }
.btn {
  border: 1px solid var(--line); background: #fff; border-radius: 9px; padding: 8px 12px; cursor: pointer;
  font-weight: 550; display: inline-flex; align-items: center; justify-content: center; gap: 6px;
}
.btn:hover:not(:disabled) { border-color: #c7ccd4; background: #f9fafb; }
.btn:disabled { opacity: .45; cursor: default; }
.btn.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.btn.primary:hover:not(:disabled) { background: #115e59; }
.btn.call { background: var(--call); border-color: var(--call); color: #fff; }
.btn.call:hover:not(:disabled) { background: #166534; }
.btn.end { background: var(--end); border-color: var(--end); color: #fff; }
.btn.end:hover:not(:disabled) { background: #a61f1f; }
.btn.small { padding: 4px 10px; font-size: 12.5px; border-radius: 8px; }
.btn[aria-pressed="true"] { background: #fef2f2; border-color: #fecaca; color: var(--end); }
.dial-row { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
.dial-row .btn { padding: 11px; font-size: 15px; }
.say { margin-top: 14px; }
.say label { display: block; font-size: 12px; font-weight: 600; color: var(--muted); margin-bottom: 6px; }
.say-row { display: flex; gap: 8px; }
.say-row input {
  flex: 1; min-width: 0; border: 1px solid var(--line); border-radius: 9px; padding: 8px 11px; background: #fff;
}
.say-row input:focus, select:focus, .tools input:focus { outline: 2px solid #99d5cf; outline-offset: 0; border-color: var(--accent); }
.mic.listening { background: #fef2f2; border-color: #fca5a5; color: var(--end); }
.row { display: flex; gap: 8px; margin-top: 10px; flex-wrap: wrap; }
.row .btn { flex: 1; }
.notice { min-height: 18px; margin: 10px 0 0; font-size: 12.5px; color: var(--muted); }
.notice.error { color: var(--end); }
.ringing-list, .sched-list { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 8px; }
.ring-item, .sched-item {
  border: 1px solid var(--line); border-radius: 10px; padding: 10px; display: flex; flex-wrap: wrap;
  align-items: center; gap: 8px; justify-content: space-between;
}
.ring-item { border-color: #f3d19c; background: var(--filler-soft); animation: pulse 1.6s ease-in-out infinite; }
@keyframes pulse { 50% { box-shadow: 0 0 0 4px rgba(245, 158, 11, .15); } }
.ring-what { font-weight: 600; } .ring-sub { font-size: 12px; color: var(--muted); font-family: var(--mono); }
.actions { display: flex; gap: 6px; }
.muted { color: var(--muted); font-size: 12.5px; }
.tools section + section { border-top: 1px solid var(--line); margin-top: 14px; padding-top: 14px; }
.tools h3 { font-size: 13px; margin: 0 0 8px; }
.tools input, .tools select {
  border: 1px solid var(--line); border-radius: 8px; padding: 6px 9px; background: #fff; min-width: 0;
}
.form-grid { display: grid; grid-template-columns: 1fr; gap: 6px; }
.inline { display: flex; gap: 8px; align-items: center; }
.inline > input { flex: 1; }
.timeline-card { display: flex; flex-direction: column; min-height: 0; padding: 0; }
.timeline-card .card-head { padding: 14px 16px 0; margin-bottom: 8px; flex-wrap: wrap; }
.timeline-card select { border: 1px solid var(--line); border-radius: 8px; padding: 5px 8px; background: #fff; max-width: 100%; min-width: 0; }
.timeline-card .card-head .inline { min-width: 0; flex-wrap: wrap; justify-content: flex-end; }
.stats { display: flex; flex-wrap: wrap; gap: 6px; padding: 0 16px 10px; border-bottom: 1px solid var(--line); }
.stat { font-size: 12px; padding: 3px 9px; border-radius: 999px; background: #f3f4f6; color: var(--muted); }
.stat b { color: var(--text); font-weight: 600; }
.timeline-scroll { flex: 1; min-height: 0; overflow-y: auto; padding: 8px 16px 16px; }
.timeline { list-style: none; margin: 0; padding: 0; }
.ev {
  display: grid; grid-template-columns: 62px 108px 1fr auto; gap: 10px; align-items: start;
  padding: 7px 0; border-bottom: 1px dashed #eef0f3;
}
.ev:last-child { border-bottom: 0; }
.ev-t { font-family: var(--mono); font-size: 12px; color: var(--muted); padding-top: 3px; }
.ev-kind {
  max-width: 100%; overflow: hidden; text-overflow: ellipsis;
  font-size: 11px; font-weight: 650; text-transform: uppercase; letter-spacing: .04em; padding: 3px 7px;
  border-radius: 6px; justify-self: start; background: #f1f3f5; color: var(--muted); white-space: nowrap;
}
.ev-body { min-width: 0; overflow-wrap: anywhere; padding-top: 1px; }
.ev-text { font-size: 14px; }
.ev-sub { font-size: 12px; color: var(--muted); }
.ev-chip { font-family: var(--mono); font-size: 12px; color: var(--muted); white-space: nowrap; padding-top: 3px; }
.ev.agent .ev-kind { background: var(--accent-soft); color: var(--accent); }
.ev.agent .ev-text { font-weight: 550; }
.ev.answer .ev-chip { color: var(--accent); font-weight: 650; }
.ev.you .ev-kind { background: var(--you-soft); color: var(--you); }
.ev.you .ev-text { color: var(--you); font-weight: 550; }
.ev.filler .ev-kind { background: var(--filler-soft); color: var(--filler); }
.ev.filler .ev-text { font-style: italic; color: var(--filler); }
.ev.filler .ev-chip { color: var(--filler); }
.ev.tp .ev-kind { background: var(--tp-soft); color: var(--tp); }
.ev.tp .ev-text { color: var(--tp); font-weight: 550; }
.ev.end .ev-kind { background: #fdecec; color: var(--end); }
.ev.sys .ev-text { color: var(--muted); font-size: 13px; }
.empty { text-align: center; color: var(--muted); padding: 48px 16px; }
.empty b { color: var(--text); }
.check { display: inline-flex; align-items: center; gap: 5px; white-space: nowrap; cursor: pointer; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 820px) {
  body { height: auto; }
  main { grid-template-columns: 1fr; padding: 12px; gap: 12px; }
  .side { overflow: visible; display: contents; }
  .phone { order: 1; } .ringing-card { order: 2; } .timeline-card { order: 3; min-height: 360px; } .tools { order: 4; }
  .timeline-card .card-head .inline { justify-content: flex-start; width: 100%; }
  .timeline-card select { flex: 1; }
  .ev { grid-template-columns: 52px 1fr auto; }
  .ev-kind { grid-column: 2; }
  .ev-body { grid-column: 1 / -1; padding-left: 62px; }
  .ev-chip { grid-row: 1; grid-column: 3; }
  .top { padding: 10px 12px; }
  .tag { display: none; }
  .conn span:last-child { max-width: 46vw; }
}
`;

const BODY = `
<header class="top">
  <div class="brand">
    <span class="logo" aria-hidden="true"><svg viewBox="0 0 24 24"><path d="M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.46.57 3.6a1 1 0 0 1-.25 1z"/></svg></span>
    ClawCall <span class="tag">sandbox softphone</span>
  </div>
  <div class="conn"><span id="conn-dot" class="dot"></span><span id="conn-text">connecting…</span></div>
</header>
<main>
  <div class="side">
    <section class="card phone" aria-labelledby="phone-h">
      <div class="card-head"><h2 id="phone-h">Phone</h2><span class="muted" id="call-kind"></span></div>
      <div class="route">
        <span>From</span><b id="from-number"></b>
        <span>To</span><b id="to-number"></b>
      </div>
      <div class="status-line">
        <span id="call-state" class="state" data-testid="call-state">Idle</span>
        <span id="call-clock" class="clock">0:00</span>
      </div>
      <div class="dial-row">
        <button id="dial" class="btn call" type="button">Dial</button>
        <button id="hangup" class="btn end" type="button" disabled>Hang up</button>
      </div>
      <form id="say-form" class="say" autocomplete="off">
        <label for="say-input" id="say-label">You say</label>
        <div class="say-row">
          <input id="say-input" name="text" maxlength="2000" placeholder="Type what the caller says…" disabled>
          <button id="mic" class="btn mic" type="button" title="Speak (browser speech recognition)" hidden disabled>Mic</button>
          <button id="say-send" class="btn primary" type="submit" disabled>Say</button>
        </div>
      </form>
      <div class="row">
        <button id="silence" class="btn" type="button" disabled>Stay silent</button>
        <button id="mute" class="btn" type="button" aria-pressed="false" title="Speak the agent's lines aloud">Voice on</button>
      </div>
      <p id="notice" class="notice" role="status" aria-live="polite"></p>
    </section>

    <section class="card ringing-card" aria-labelledby="ring-h">
      <div class="card-head"><h2 id="ring-h">Ringing</h2><span class="muted" id="ring-count"></span></div>
      <ul id="ringing" class="ringing-list"></ul>
      <p id="ringing-empty" class="muted">No outbound call is ringing. Callbacks, scheduled calls and third-party calls ring here.</p>
    </section>

    <section class="card tools" aria-labelledby="tools-h">
      <div class="card-head"><h2 id="tools-h">Sandbox tools</h2><span class="muted" id="account-line"></span></div>
      <section>
        <h3>Demo account tier</h3>
        <div class="inline">
          <select id="tier" aria-label="Tier"><option value="free">free</option><option value="pro">pro</option><option value="team">team</option></select>
          <button id="tier-set" class="btn small" type="button">Set tier</button>
        </div>
        <p class="muted">Callbacks, schedules and third-party calls need Pro or Team.</p>
      </section>
      <section>
        <h3>Schedules</h3>
        <ul id="schedules" class="sched-list"></ul>
        <p id="schedules-empty" class="muted">No schedules yet.</p>
        <form id="sched-form" class="inline" style="margin-top:8px">
          <input id="sched-context" placeholder="Task context, e.g. morning briefing" aria-label="Schedule task context">
          <button class="btn small" type="submit">Add</button>
        </form>
      </section>
      <section>
        <h3>Third-party call</h3>
        <form id="tp-form" class="form-grid">
          <input id="tp-to" value="+15555550199" aria-label="Third party number">
          <input id="tp-objective" value="Book a table for two at 7 pm" aria-label="Objective">
          <input id="tp-context" placeholder="Context (optional)" aria-label="Context">
          <button class="btn small" type="submit">Place third-party call</button>
        </form>
        <p class="muted">The agent dials the number; answer it under Ringing and type the third party's lines.</p>
      </section>
    </section>
  </div>

  <section class="card timeline-card" aria-labelledby="tl-h">
    <div class="card-head">
      <h2 id="tl-h">Call timeline</h2>
      <div class="inline">
        <label class="muted check"><input type="checkbox" id="plumbing"> relay webhooks</label>
        <select id="call-select" aria-label="Call"></select>
      </div>
    </div>
    <div class="stats" id="stats"></div>
    <div class="timeline-scroll" id="timeline-scroll">
      <ol id="timeline" class="timeline" data-testid="timeline"></ol>
      <div id="timeline-empty" class="empty"><b>No call yet.</b><br>Press <b>Dial</b> to call your agent from the demo phone, then type what you would say.</div>
    </div>
  </section>
</main>
`;

const SCRIPT = String.raw`
"use strict";
(function () {
  var CFG = JSON.parse(document.getElementById("softphone-config").textContent || "{}");
  var $ = function (id) { return document.getElementById(id); };
  var el = function (tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  };

  var ENDED = { completed: 1, failed: 1, busy: 1, "no-answer": 1, canceled: 1, cancelled: 1, rejected: 1, ended: 1, "hung-up": 1 };
  var AGENT_SPEECH = { greeting: 1, answer_spoken: 1, filler: 1, didnt_catch: 1, still_there: 1, callback_message: 1, notice: 1 };
  /** Internal plumbing, shown only with "relay webhooks" ticked. */
  var PLUMBING = { webhook: 1 };
  var S = {
    sid: null, call: null, calls: [], renderedSid: null, rendered: 0, spoken: {},
    muted: false, recog: null, listening: false, online: null, busy: false, plumbing: false, clockBase: null, shown: {}
  };
  try { S.muted = localStorage.getItem("clawcall.softphone.muted") === "1"; } catch (e) { /* private mode */ }

  // ---- HTTP ---------------------------------------------------------------------------------
  function api(method, path, body, auth) {
    var headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (auth) headers["Authorization"] = "Bearer " + CFG.demoKey;
    return fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" })
      .then(function (res) {
        return res.text().then(function (txt) {
          var data = null;
          try { data = JSON.parse(txt); } catch (e) { data = null; }
          if (!res.ok || (data && data.ok === false)) {
            var msg = (data && (data.error || data.message)) || ("HTTP " + res.status + " from " + path);
            var err = new Error(String(msg)); err.status = res.status; throw err;
          }
          return data || {};
        });
      });
  }
  var sim = function (method, path, body) { return api(method, "/sandbox" + path, body, false); };
  var relay = function (method, path, body) { return api(method, "/api/v1" + path, body, true); };

  function notice(text, isError) {
    var n = $("notice");
    n.textContent = text || "";
    n.className = "notice" + (isError ? " error" : "");
  }
  function fail(prefix) { return function (e) { notice(prefix + ": " + (e && e.message ? e.message : e), true); }; }

  // ---- Normalising the simulation API's shapes --------------------------------------------------
  function evType(e) { return String(e.type || e.kind || e.event || "event"); }
  function evText(e) {
    var t = e.text !== undefined ? e.text : e.message !== undefined ? e.message : e.speech;
    if (t === undefined && e.data && typeof e.data === "object") t = e.data.text;
    return t === undefined || t === null ? "" : String(t);
  }
  function evMs(e) {
    // "ms": real ms since the call was created (the sandbox's log); the rest are fallbacks.
    var v = e.ms !== undefined ? e.ms : e.at_ms !== undefined ? e.at_ms : e.t !== undefined ? e.t : e.at;
    if (typeof v === "number") return v;
    if (typeof v === "string") { var p = Date.parse(v); return isNaN(p) ? 0 : p; }
    return 0;
  }
  function callOf(data) { return data.call || data; }
  function callSid(c) { return c.call_sid || c.sid || c.CallSid || ""; }
  function callState(c) { return String(c.state || c.status || "unknown"); }
  function callEnded(c) {
    if (c.ended === true) return true;
    var st = callState(c);
    if (ENDED[st]) return true;
    var evs = c.events || [];
    for (var i = 0; i < evs.length; i++) if (evType(evs[i]) === "hangup") return true;
    return false;
  }
  function callKind(c) { return String(c.kind || c.call_type || c.direction || "call"); }
  function isThirdParty(c) { return /third/.test(callKind(c)); }
  function isRinging(c) { return callState(c) === "ringing" && !callEnded(c); }
  var KIND_LABEL = {
    user_initiated: "inbound call", inbound: "inbound call", task_callback: "callback", callback: "callback",
    scheduled: "scheduled call", third_party: "third-party call", outbound: "outbound call"
  };
  function kindLabel(c) { return KIND_LABEL[callKind(c)] || callKind(c); }

  // ---- Formatting ------------------------------------------------------------------------------
  function fmtClock(ms) {
    var s = Math.max(0, ms) / 1000, m = Math.floor(s / 60), r = s - m * 60;
    return m + ":" + (r < 10 ? "0" : "") + r.toFixed(1);
  }
  function fmtMs(ms) { return Math.round(ms).toString().replace(/\B(?=(\d{3})+(?!\d))/g, "\u2009") + " ms"; }
  function shortSid(s) { return s.length > 14 ? s.slice(0, 8) + "…" + s.slice(-4) : s; }

  var LABEL = {
    created: "Call", ringing: "Ringing", answered: "Answered", greeting: "Greeting", gather: "Listening",
    caller_said: "You", caller_silent: "Silence", caller_unheard: "Not heard", message_queued: "Queued",
    filler: "Filler", answer_spoken: "Answer", didnt_catch: "Agent", still_there: "Agent", notice: "Relay",
    callback_message: "Callback", third_party_said: "Third party", completion_queued: "Completion",
    hangup: "Hang-up", status: "Status", webhook: "Webhook", application_error: "Error",
    message_delivered: "Delivered", agent_responded: "Responded"
  };
  var CLASS = {
    greeting: "agent", answer_spoken: "agent answer", didnt_catch: "agent", still_there: "agent", notice: "agent",
    callback_message: "agent", caller_said: "you", caller_silent: "you", caller_unheard: "you", filler: "filler",
    third_party_said: "tp", hangup: "end", application_error: "end"
  };
  var HANGUP_REASON = {
    caller: "you hung up", end_call: "the agent ended the call", silence: "silence", rejected: "you rejected it",
    no_answer: "nobody answered", canceled: "cancelled while ringing", twiml_end: "end of the relay's instructions",
    application_error: "the relay's webhook took too long", sandbox_closed: "the sandbox stopped", refused: "refused by the relay"
  };

  /** Describes every event, with timings relative to the utterance that the agent is answering. */
  function describe(events, call) {
    var out = [], t0 = events.length ? evMs(events[0]) : 0, anchor = null, fillers = 0;
    var tp = isThirdParty(call);
    for (var i = 0; i < events.length; i++) {
      var e = events[i], type = evType(e), ms = evMs(e), text = evText(e), chip = "", sub = "";
      if (PLUMBING[type] && !S.plumbing) continue;
      // Timings count from the message queued for the agent (the end of the caller's speech).
      if (type === "message_queued") { anchor = ms; fillers = 0; }
      if (type === "filler") {
        fillers++;
        chip = "filler " + fillers + (anchor !== null ? " · +" + fmtMs(ms - anchor) : "");
        if (e.as_answer) sub = "spoken as the agent's answer: the 12 s third-party wait ran out";
      } else if (type === "answer_spoken") {
        if (anchor !== null) chip = "+" + fmtMs(ms - anchor);
        sub = fillers ? "answered after " + fillers + (fillers === 1 ? " filler" : " fillers") : "answered without a filler";
        if (e.end_call) sub += " · ends the call";
        anchor = null; fillers = 0;
      } else if (type === "message_queued") {
        var m = String(e.message !== undefined ? e.message : text);
        text = "message queued for the agent" + (e.kind ? " (" + String(e.kind).replace(/_/g, " ") + ")" : "");
        if (/^\[(SCHEDULED|THIRD PARTY)/.test(m)) sub = m;
      } else if (type === "gather") {
        text = tp ? "waiting for the third party to speak" : "waiting for you to speak";
        var to = e.timeout_s !== undefined ? e.timeout_s : e.timeout;
        if (to !== undefined) text += " (" + to + " s)";
      } else if (type === "caller_silent") {
        text = (tp ? "the third party stayed silent" : "you stayed silent") + (e.timeout_s !== undefined ? " (" + e.timeout_s + " s)" : "");
      } else if (type === "caller_unheard") {
        sub = "nobody was listening (the agent was speaking or thinking), so the line lost it";
      } else if (type === "hangup") {
        var why = e.reason ? HANGUP_REASON[e.reason] || String(e.reason).replace(/_/g, " ") : "";
        text = "call ended" + (why ? ": " + why : "");
      } else if (type === "status") {
        text = "status " + String(e.status || "") +
          (e.duration !== undefined ? " · duration " + e.duration + " s" + (S.timeScale && S.timeScale !== 1 ? " (simulated)" : "") : "");
        if (e.callback === false) sub = "no status callback sent to the relay";
      } else if (type === "completion_queued") {
        text = "[THIRD PARTY COMPLETE] queued for the agent";
        sub = e.call_sid ? String(e.call_sid) : "";
      } else if (type === "created") {
        text = kindLabel(call) + " " + String(e.from || "") + " → " + String(e.to || "");
      } else if (type === "ringing") {
        text = "ringing " + String(e.to || "");
      } else if (type === "answered") {
        text = "the line is open";
      } else if (type === "message_delivered") {
        text = "the agent's listen returned it";
        var dm = String(e.message || "");
        if (/^\[/.test(dm)) sub = dm;
        if (anchor !== null) chip = "+" + fmtMs(ms - anchor);
      } else if (type === "agent_responded") {
        text = "the agent's answer reached the relay" + (e.end_call ? " (ends the call)" : "");
        if (anchor !== null) chip = "+" + fmtMs(ms - anchor);
      } else if (type === "webhook") {
        text = "Twilio requests /webhooks/twilio/" + String(e.name || "");
      } else if (type === "application_error") {
        text = "Twilio gave up on /" + String(e.webhook || "") + " (application error)";
      }
      out.push({
        i: i, type: type, text: text, sub: sub, chip: chip, t: fmtClock(ms - t0),
        label: LABEL[type] || type.replace(/_/g, " "), cls: CLASS[type] || "sys", raw: e
      });
    }
    return out;
  }

  function statsOf(events) {
    var turns = 0, fillers = 0, lat = [], anchor = null;
    for (var i = 0; i < events.length; i++) {
      var ty = evType(events[i]), ms = evMs(events[i]);
      if (ty === "caller_said" || ty === "third_party_said") turns++;
      if (ty === "message_queued") anchor = ms;
      if (ty === "filler") fillers++;
      if (ty === "answer_spoken" && anchor !== null) { lat.push(ms - anchor); anchor = null; }
    }
    return { turns: turns, fillers: fillers, lat: lat };
  }

  // ---- Rendering -------------------------------------------------------------------------------
  function renderEvent(d) {
    var li = el("li", "ev " + d.cls);
    li.setAttribute("data-type", d.type);
    li.appendChild(el("span", "ev-t", d.t));
    li.appendChild(el("span", "ev-kind", d.label));
    var body = el("div", "ev-body");
    if (d.text) body.appendChild(el("div", "ev-text", d.text));
    if (d.sub) body.appendChild(el("div", "ev-sub", d.sub));
    li.appendChild(body);
    li.appendChild(el("span", "ev-chip", d.chip));
    return li;
  }

  function renderTimeline() {
    var list = $("timeline"), c = S.call;
    var events = c ? c.events || [] : [];
    var scroller = $("timeline-scroll");
    var atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
    if (S.renderedSid !== S.sid || events.length < S.rendered) { list.replaceChildren(); S.rendered = 0; S.renderedSid = S.sid; }
    var described = describe(events, c || {});
    // The last few rows may gain a chip (e.g. a queued message later answered): re-render them.
    var from = Math.max(0, S.rendered - 1);
    while (list.children.length > from) list.removeChild(list.lastChild);
    for (var i = from; i < described.length; i++) list.appendChild(renderEvent(described[i]));
    var grew = described.length > S.rendered;
    S.rendered = described.length;
    $("timeline-empty").hidden = described.length > 0;
    if (grew && atBottom) scroller.scrollTop = scroller.scrollHeight;
    renderStats();
    speakNew(events);
  }

  function stat(label, value) {
    var s = el("span", "stat"); s.appendChild(document.createTextNode(label + " ")); s.appendChild(el("b", "", value)); return s;
  }
  function renderStats() {
    var box = $("stats"), c = S.call;
    box.replaceChildren();
    if (!c) { box.hidden = true; return; }
    box.hidden = false;
    var st = statsOf(c.events || []);
    box.appendChild(stat("call", shortSid(S.sid || "")));
    box.appendChild(stat("type", kindLabel(c)));
    box.appendChild(stat("state", callState(c)));
    box.appendChild(stat("turns", String(st.turns)));
    box.appendChild(stat("fillers", String(st.fillers)));
    if (st.lat.length) box.appendChild(stat("last answer", fmtMs(st.lat[st.lat.length - 1])));
  }

  var PHASE = {
    speaking: "agent speaking", listening: "listening to you", caller_speaking: "you are speaking", waiting: "waiting for the agent"
  };
  function renderPhone() {
    var c = S.call, live = !!c && !callEnded(c) && !isRinging(c);
    var state = $("call-state");
    if (!c) { state.textContent = "Idle"; state.className = "state"; }
    else if (isRinging(c)) { state.textContent = "Ringing…"; state.className = "state ring"; }
    else if (callEnded(c)) { state.textContent = "Call ended"; state.className = "state ended"; }
    else { state.textContent = "In call" + (PHASE[c.phase] ? " · " + PHASE[c.phase] : ""); state.className = "state live"; }
    $("call-kind").textContent = c ? kindLabel(c) : "";
    var tp = !!c && isThirdParty(c);
    $("say-label").textContent = tp ? "The third party says" : "You say";
    $("say-input").placeholder = tp ? "Type the third party's line…" : "Type what the caller says…";
    $("dial").disabled = S.busy || (!!c && live && !isThirdParty(c));
    $("hangup").disabled = !live && !(c && isRinging(c));
    $("say-input").disabled = !live;
    $("say-send").disabled = !live;
    $("mic").disabled = !live;
    $("silence").disabled = !live;
    $("from-number").textContent = c ? String(c.from || c.from_number || CFG.fromNumber) : CFG.fromNumber;
    $("to-number").textContent = c ? String(c.to || c.to_number || CFG.toNumber) : CFG.toNumber;
    renderClock();
  }

  function renderClock() {
    var c = S.call, evs = c ? c.events || [] : [];
    if (!evs.length) { $("call-clock").textContent = "0:00"; return; }
    var last = evMs(evs[evs.length - 1]) - evMs(evs[0]);
    var b = S.clockBase;
    var now = callEnded(c) || !b || b.sid !== S.sid ? last : Math.max(last, b.ms + Date.now() - b.local);
    var s = Math.max(0, Math.floor(now / 1000));
    $("call-clock").textContent = Math.floor(s / 60) + ":" + (s % 60 < 10 ? "0" : "") + (s % 60);
  }

  function renderCallSelect() {
    var sel = $("call-select");
    var calls = S.calls.slice().reverse();
    var want = S.sid || "";
    sel.replaceChildren();
    if (!calls.length) { var o = el("option", "", "no calls yet"); o.value = ""; sel.appendChild(o); sel.disabled = true; return; }
    sel.disabled = false;
    if (!want) { var pick = el("option", "", "pick a call…"); pick.value = ""; pick.selected = true; sel.appendChild(pick); }
    for (var i = 0; i < calls.length; i++) {
      var sid = callSid(calls[i]);
      var opt = el("option", "", shortSid(sid) + " · " + kindLabel(calls[i]) + " · " + callState(calls[i]));
      opt.value = sid;
      if (sid === want) opt.selected = true;
      sel.appendChild(opt);
    }
  }

  function renderRinging() {
    var list = $("ringing"), ringing = S.calls.filter(isRinging);
    list.replaceChildren();
    $("ringing-empty").hidden = ringing.length > 0;
    $("ring-count").textContent = ringing.length ? String(ringing.length) : "";
    ringing.forEach(function (c) {
      var sid = callSid(c), li = el("li", "ring-item");
      li.setAttribute("data-sid", sid);
      var info = el("div");
      info.appendChild(el("div", "ring-what", kindLabel(c) + (isThirdParty(c) ? " (you are the third party)" : "")));
      info.appendChild(el("div", "ring-sub", (c.to || c.to_number || "") + " · " + shortSid(sid)));
      li.appendChild(info);
      var actions = el("div", "actions");
      [["answer", "Answer", "btn small call"], ["reject", "Reject", "btn small end"], ["ignore", "Ignore", "btn small"]].forEach(function (a) {
        var b = el("button", a[2], a[1]); b.type = "button"; b.setAttribute("data-action", a[0]);
        b.addEventListener("click", function () { outboundAction(sid, a[0]); });
        actions.appendChild(b);
      });
      li.appendChild(actions);
      list.appendChild(li);
    });
  }

  // ---- Speech ----------------------------------------------------------------------------------
  function speakNew(events) {
    var sid = S.sid;
    if (!sid) return;
    var from = S.spoken[sid];
    if (from === undefined) from = S.spoken[sid] = events.length; // opened an existing call: no replay
    for (var i = from; i < events.length; i++) {
      var e = events[i], t = evType(e);
      if (AGENT_SPEECH[t] && evText(e)) speak(evText(e));
    }
    S.spoken[sid] = events.length;
  }
  function speak(text) {
    if (S.muted || !("speechSynthesis" in window)) return;
    try {
      var u = new SpeechSynthesisUtterance(text);
      u.lang = "en-US";
      window.speechSynthesis.speak(u);
    } catch (e) { /* no voices */ }
  }
  function renderMute() {
    var b = $("mute");
    b.setAttribute("aria-pressed", S.muted ? "true" : "false");
    b.textContent = S.muted ? "Voice muted" : "Voice on";
    if (!("speechSynthesis" in window)) { b.disabled = true; b.textContent = "No speech synthesis"; }
  }

  var SR = window.SpeechRecognition || window.webkitSpeechRecognition;
  function setupMic() {
    if (!SR) return;
    var mic = $("mic");
    mic.hidden = false;
    mic.addEventListener("click", function () {
      if (S.listening && S.recog) { S.recog.stop(); return; }
      var r;
      try { r = new SR(); } catch (e) { notice("Speech recognition is not available: " + e.message, true); return; }
      r.lang = "en-US"; r.interimResults = true; r.maxAlternatives = 1;
      var finalText = "";
      r.onresult = function (ev) {
        var interim = "";
        for (var i = ev.resultIndex; i < ev.results.length; i++) {
          var res = ev.results[i];
          if (res.isFinal) finalText += res[0].transcript; else interim += res[0].transcript;
        }
        $("say-input").value = (finalText + interim).trim();
      };
      r.onerror = function (ev) { notice("Speech recognition: " + (ev.error || "error"), true); };
      r.onend = function () {
        S.listening = false; mic.classList.remove("listening"); mic.textContent = "Mic";
        if (finalText.trim()) sendLine(finalText.trim());
      };
      S.recog = r; S.listening = true; mic.classList.add("listening"); mic.textContent = "Stop";
      if ("speechSynthesis" in window) window.speechSynthesis.cancel();
      try { r.start(); } catch (e) { notice("Speech recognition: " + e.message, true); }
    });
  }

  // ---- Actions ---------------------------------------------------------------------------------
  function select(sid) {
    S.sid = sid || null;
    S.call = null;
    S.rendered = 0;
    S.renderedSid = null;
    refreshCall().then(function () { renderCallSelect(); });
  }

  function dial() {
    S.busy = true; renderPhone();
    notice("Dialling " + CFG.toNumber + "…");
    sim("POST", "/calls", { from: CFG.fromNumber, to: CFG.toNumber })
      .then(function (r) {
        var sid = r.call_sid || (r.call && callSid(r.call));
        S.spoken[sid] = 0; // speak this call's greeting
        notice("");
        select(sid);
        setTimeout(function () { $("say-input").focus(); }, 50);
        return refreshCalls();
      })
      .catch(fail("Could not dial"))
      .then(function () { S.busy = false; renderPhone(); });
  }

  function sendLine(text) {
    if (!S.sid || !text) return;
    var tp = S.call && isThirdParty(S.call);
    var path = "/calls/" + encodeURIComponent(S.sid) + (tp ? "/third-party-say" : "/say");
    if ("speechSynthesis" in window) window.speechSynthesis.cancel();
    sim("POST", path, { text: text })
      .then(function (r) {
        $("say-input").value = "";
        notice(r && r.captured === false ? "Not heard: the line was not listening (the agent was speaking or thinking)." : "");
        return refreshCall();
      })
      .catch(fail("Not heard"));
  }

  function simpleCall(action, label) {
    if (!S.sid) return;
    sim("POST", "/calls/" + encodeURIComponent(S.sid) + "/" + action, {})
      .then(function () { notice(""); return refreshCall(); })
      .catch(fail(label));
  }

  function outboundAction(sid, action) {
    sim("POST", "/calls/" + encodeURIComponent(sid) + "/" + action, {})
      .then(function () {
        if (action === "answer") {
          S.spoken[sid] = 0;
          select(sid);
          var phone = document.querySelector(".phone");
          if (phone && phone.scrollIntoView) phone.scrollIntoView({ block: "nearest" });
        }
        return refreshCalls();
      })
      .catch(fail("Could not " + action));
  }

  function setTier() {
    var tier = $("tier").value;
    sim("POST", "/accounts/tier", { tier: tier })
      .then(function () { notice("Demo account is now on " + tier + "."); return refreshAccount(); })
      .catch(fail("Could not set the tier"));
  }

  function addSchedule(ev) {
    ev.preventDefault();
    var ctx = $("sched-context").value.trim();
    var tz = "UTC";
    try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; } catch (e) { tz = "UTC"; }
    relay("POST", "/calls/schedule", { cron: "0 9 * * *", label: ctx ? ctx.slice(0, 60) : "Softphone test", task_context: ctx, timezone: tz })
      .then(function () { $("sched-context").value = ""; notice("Schedule added (09:00 daily). Fire it now from the list."); return refreshSchedules(); })
      .catch(fail("Could not add the schedule"));
  }

  function fireSchedule(id) {
    sim("POST", "/schedules/" + encodeURIComponent(id) + "/fire", {})
      .then(function () { notice("Schedule fired: your phone rings under Ringing."); return refreshCalls(); })
      .catch(fail("Could not fire the schedule"));
  }

  function placeThirdParty(ev) {
    ev.preventDefault();
    relay("POST", "/calls/outbound/third-party", {
      to_number: $("tp-to").value.trim(), objective: $("tp-objective").value.trim(), context: $("tp-context").value.trim()
    })
      .then(function (r) { notice("Third-party call placed (job " + String(r.job_id || "").slice(0, 8) + "). Answer it under Ringing."); return refreshCalls(); })
      .catch(fail("Could not place the third-party call"));
  }

  // ---- Polling ---------------------------------------------------------------------------------
  function setOnline(ok, why) {
    if (S.online === ok && ok && !S.configChanged) return;
    S.online = ok; S.configChanged = false;
    $("conn-dot").className = "dot " + (ok ? "ok" : "bad");
    $("conn-text").textContent = ok
      ? "sandbox relay " + location.host + (S.timeScale && S.timeScale !== 1 ? " · time ×" + S.timeScale : "")
      : "sandbox unreachable" + (why ? ": " + why : "");
  }

  /** The sandbox's own view of the demo account and time scale (the key may have been rotated). */
  function loadConfig() {
    return sim("GET", "/config").then(function (c) {
      S.timeScale = c.time_scale; S.configChanged = true;
      var d = c.demo || {};
      if (d.phone_number) CFG.fromNumber = d.phone_number;
      if (d.shared_number) CFG.toNumber = d.shared_number;
      if (d.api_key_valid === false) notice("The demo key was rotated (someone re-registered " + (d.email || "the demo email") + "): relay tools may answer 401.", true);
      renderPhone();
    }).catch(function () { /* older sandbox: keep the defaults */ });
  }

  function refreshCalls() {
    return sim("GET", "/calls")
      .then(function (r) {
        setOnline(true);
        var calls = Array.isArray(r) ? r : r.calls || [];
        calls.sort(function (a, b) { return (a.created_at || 0) - (b.created_at || 0); });
        S.calls = calls;
        // A call that starts ringing while you are not on a live call comes to the front.
        var idle = !S.call || callEnded(S.call);
        var ringing = calls.filter(isRinging);
        var fresh = ringing.length ? ringing[ringing.length - 1] : null;
        if (idle && fresh && callSid(fresh) !== S.sid && !S.shown[callSid(fresh)]) {
          S.shown[callSid(fresh)] = 1;
          select(callSid(fresh));
        }
        renderRinging();
        renderCallSelect();
      })
      .catch(function (e) { setOnline(false, e.message); });
  }

  function refreshCall() {
    var sid = S.sid;
    if (!sid) { renderTimeline(); renderPhone(); return Promise.resolve(); }
    return sim("GET", "/calls/" + encodeURIComponent(sid))
      .then(function (r) {
        if (sid !== S.sid) return;
        S.call = callOf(r);
        // Keep the call picker's state in step with the detail view.
        for (var i = 0; i < S.calls.length; i++) {
          if (callSid(S.calls[i]) === sid && S.calls[i].state !== S.call.state) {
            S.calls[i].state = S.call.state;
            renderCallSelect();
          }
        }
        var evs = S.call.events || [];
        if (evs.length && (!S.clockBase || S.clockBase.sid !== sid || S.clockBase.n !== evs.length)) {
          S.clockBase = { sid: sid, n: evs.length, local: Date.now(), ms: evMs(evs[evs.length - 1]) - evMs(evs[0]) };
        }
        renderTimeline();
        renderPhone();
      })
      .catch(function (e) { if (e.status === 404) { S.sid = null; S.call = null; renderTimeline(); renderPhone(); } });
  }

  function refreshAccount() {
    return relay("GET", "/account").then(function (a) {
      $("tier").value = a.tier || "free";
      $("account-line").textContent = (a.tier || "") + " · " + (a.minutes_remaining !== undefined ? a.minutes_remaining + " min left" : "");
    }).catch(function () { $("account-line").textContent = ""; });
  }

  function refreshSchedules() {
    return relay("GET", "/calls/schedule").then(function (r) {
      var list = $("schedules"), items = r.schedules || [];
      list.replaceChildren();
      $("schedules-empty").hidden = items.length > 0;
      items.forEach(function (s) {
        var li = el("li", "sched-item"), info = el("div");
        info.appendChild(el("div", "ring-what", s.label || "Scheduled call"));
        info.appendChild(el("div", "ring-sub", (s.cron_expression || s.cron || "") + " · " + (s.timezone || "")));
        li.appendChild(info);
        var b = el("button", "btn small", "Fire now"); b.type = "button";
        b.addEventListener("click", function () { fireSchedule(s.id); });
        li.appendChild(b);
        list.appendChild(li);
      });
    }).catch(function () { /* shown as empty */ });
  }

  function loop(fn, ms) {
    var go = function () { Promise.resolve().then(fn).catch(function () {}).then(function () { setTimeout(go, ms); }); };
    go();
  }

  // ---- Wiring ----------------------------------------------------------------------------------
  $("from-number").textContent = CFG.fromNumber;
  $("to-number").textContent = CFG.toNumber;
  $("dial").addEventListener("click", dial);
  $("hangup").addEventListener("click", function () { simpleCall("hangup", "Could not hang up"); });
  $("silence").addEventListener("click", function () { simpleCall("silence", "Could not stay silent"); });
  $("say-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = $("say-input").value.trim();
    if (text) sendLine(text);
  });
  $("mute").addEventListener("click", function () {
    S.muted = !S.muted;
    try { localStorage.setItem("clawcall.softphone.muted", S.muted ? "1" : "0"); } catch (e) { /* ignore */ }
    if (S.muted && "speechSynthesis" in window) window.speechSynthesis.cancel();
    renderMute();
  });
  $("call-select").addEventListener("change", function (ev) { select(ev.target.value); });
  $("plumbing").addEventListener("change", function (ev) {
    S.plumbing = ev.target.checked; S.renderedSid = null; renderTimeline();
  });
  $("tier-set").addEventListener("click", setTier);
  $("sched-form").addEventListener("submit", addSchedule);
  $("tp-form").addEventListener("submit", placeThirdParty);
  setupMic();
  renderMute();
  renderPhone();
  renderTimeline();
  loadConfig();
  loop(refreshCalls, 1000);
  loop(function () {
    if (!S.sid) return Promise.resolve();
    // An ended call's log is final once Twilio's status event is in (or after a few more looks).
    if (S.call && callEnded(S.call)) {
      var evs = S.call.events || [];
      var final = evs.length && evType(evs[evs.length - 1]) === "status";
      S.endedLooks = S.endedOf === S.sid ? (S.endedLooks || 0) + 1 : 1;
      S.endedOf = S.sid;
      if (final || S.endedLooks > 12) { renderClock(); return Promise.resolve(); }
    }
    return refreshCall();
  }, 250);
  loop(function () { return Promise.all([refreshAccount(), refreshSchedules()]); }, 5000);
  window.softphone = { state: S, select: select, dial: dial, sendLine: sendLine };
})();
`;

/** Everything inline, nothing from elsewhere, requests only to the sandbox itself. */
const CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; " +
  "img-src 'self' data:; base-uri 'none'; form-action 'none'";

/** JSON for a `<script type="application/json">` block: nothing in it can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** The complete page. */
export function softphonePage(opts: SoftphonePageOptions = {}): string {
  const cfg = {
    demoKey: opts.demoKey ?? SANDBOX_DEMO_API_KEY,
    demoEmail: opts.demoEmail ?? DEMO_EMAIL,
    fromNumber: opts.fromNumber ?? DEMO_PHONE,
    toNumber: opts.toNumber ?? SHARED_NUMBER,
    apiUrl: opts.apiUrl ?? "",
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<link rel="icon" href="data:,">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>ClawCall sandbox softphone</title>
<style>${CSS}</style>
</head>
<body>
${BODY}
<script id="softphone-config" type="application/json">${scriptJson(cfg)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
