// @ts-check
/**
 * The sandbox softphone (loaded by page.html as a module). It plays the human side of a call through
 * the simulation API (`/sandbox/...`) and the relay API (with the demo key), and polls both to show
 * every call's event log.
 */
import { makeApi } from "./api.js";
import { callEnded, callOf, callSid, evMs, evType, isRinging, isThirdParty } from "./calls.js";
import { $, inputEl, selectEl } from "./dom.js";
import { errorText, hush, setupMic } from "./speech.js";
import { DETAILS_KEY, MUTED_KEY, newState, readConfig, remember } from "./state.js";
import {
  notice,
  renderCallSelect,
  renderClock,
  renderDetails,
  renderPhone,
  renderReadAloud,
  renderRinging,
  renderSchedules,
  renderTimeline,
} from "./view.js";

/** @typedef {import("./calls.js").SimCall} SimCall */
/** @typedef {import("./view.js").RingAction} RingAction */

const CFG = readConfig();
const S = newState();
const { sim, relay } = makeApi(CFG.demoKey);

/** A rejection handler that shows what failed. @param {string} prefix */
const fail = (prefix) => (/** @type {unknown} */ e) => notice(`${prefix}: ${errorText(e)}`, true);

/** @param {unknown} e */
const statusOf = (e) => (e && typeof e === "object" && "status" in e ? e.status : undefined);

// ---- Actions ---------------------------------------------------------------------------------

/** Shows a call (or none). @param {string | null} sid */
function select(sid) {
  S.sid = sid || null;
  S.call = null;
  S.rendered = 0;
  S.renderedSid = null;
  void refreshCall().then(() => renderCallSelect(S));
}

async function dial() {
  S.busy = true;
  renderPhone(S, CFG);
  notice(`Dialling ${CFG.toNumber}…`);
  try {
    /** @type {{ call_sid?: string, call?: SimCall }} */
    const r = await sim("POST", "/calls", { from: CFG.fromNumber, to: CFG.toNumber });
    const sid = r.call_sid || (r.call && callSid(r.call)) || "";
    S.spoken[sid] = 0; // speak this call's greeting
    notice("");
    select(sid);
    setTimeout(() => inputEl("say-input").focus(), 50);
    await refreshCalls();
  } catch (e) {
    fail("Could not dial")(e);
  }
  S.busy = false;
  renderPhone(S, CFG);
}

/** Says a line on the shown call, as the caller (or as the third party on a third-party call). @param {string} text */
function sendLine(text) {
  if (!S.sid || !text) return;
  const tp = S.call && isThirdParty(S.call);
  const path = `/calls/${encodeURIComponent(S.sid)}${tp ? "/third-party-say" : "/say"}`;
  hush();
  sim("POST", path, { text })
    .then((/** @type {{ captured?: boolean }} */ r) => {
      inputEl("say-input").value = "";
      notice(
        r && r.captured === false
          ? "Not heard: the line was not listening (the agent was speaking or thinking)."
          : "",
      );
      return refreshCall();
    })
    .catch(fail("Not heard"));
}

/** @param {"hangup" | "silence"} action @param {string} label */
function simpleCall(action, label) {
  if (!S.sid) return;
  sim("POST", `/calls/${encodeURIComponent(S.sid)}/${action}`, {})
    .then(() => {
      notice("");
      return refreshCall();
    })
    .catch(fail(label));
}

/** @param {string} sid @param {RingAction} action */
function outboundAction(sid, action) {
  sim("POST", `/calls/${encodeURIComponent(sid)}/${action}`, {})
    .then(() => {
      if (action === "answer") {
        S.spoken[sid] = 0;
        select(sid);
        document.querySelector(".phone")?.scrollIntoView({ block: "nearest" });
      }
      return refreshCalls();
    })
    .catch(fail(`Could not ${action}`));
}

function setTier() {
  const tier = selectEl("tier").value;
  sim("POST", "/accounts/tier", { tier })
    .then(() => {
      notice(`Demo account is now on ${tier}.`);
      return refreshAccount();
    })
    .catch(fail("Could not set the tier"));
}

/** @param {SubmitEvent} ev */
function addSchedule(ev) {
  ev.preventDefault();
  const ctx = inputEl("sched-context").value.trim();
  let tz = "UTC";
  try {
    tz = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    tz = "UTC";
  }
  const label = ctx ? ctx.slice(0, 60) : "Softphone test";
  relay("POST", "/calls/schedule", { cron: "0 9 * * *", label, task_context: ctx, timezone: tz })
    .then(() => {
      inputEl("sched-context").value = "";
      notice("Schedule added (09:00 daily). Fire it now from the list.");
      return refreshSchedules();
    })
    .catch(fail("Could not add the schedule"));
}

/** @param {string} id */
function fireSchedule(id) {
  sim("POST", `/schedules/${encodeURIComponent(id)}/fire`, {})
    .then(() => {
      notice("Schedule fired: your phone rings under Ringing.");
      return refreshCalls();
    })
    .catch(fail("Could not fire the schedule"));
}

/** @param {SubmitEvent} ev */
function placeThirdParty(ev) {
  ev.preventDefault();
  relay("POST", "/calls/outbound/third-party", {
    to_number: inputEl("tp-to").value.trim(),
    objective: inputEl("tp-objective").value.trim(),
    context: inputEl("tp-context").value.trim(),
  })
    .then((/** @type {{ job_id?: string }} */ r) => {
      const job = String(r.job_id || "").slice(0, 8);
      notice(`Third-party call placed (job ${job}). Answer it under Ringing.`);
      return refreshCalls();
    })
    .catch(fail("Could not place the third-party call"));
}

// ---- Polling ---------------------------------------------------------------------------------

/** @param {boolean} ok @param {string} [why] */
function setOnline(ok, why) {
  if (S.online === ok && ok && !S.configChanged) return;
  S.online = ok;
  S.configChanged = false;
  $("conn-dot").className = `dot ${ok ? "ok" : "bad"}`;
  const scale = S.timeScale && S.timeScale !== 1 ? ` · time ×${S.timeScale}` : "";
  $("conn-text").textContent = ok
    ? `sandbox relay ${location.host}${scale}`
    : `sandbox unreachable${why ? `: ${why}` : ""}`;
}

/** The sandbox's own view of the demo account and time scale (the key may have been rotated). */
async function loadConfig() {
  try {
    /** @type {{ time_scale?: number, demo?: { phone_number?: string, shared_number?: string, api_key_valid?: boolean, email?: string } }} */
    const c = await sim("GET", "/config");
    S.timeScale = c.time_scale ?? null;
    S.configChanged = true;
    const d = c.demo || {};
    if (d.phone_number) CFG.fromNumber = d.phone_number;
    if (d.shared_number) CFG.toNumber = d.shared_number;
    if (d.api_key_valid === false) {
      const who = d.email || "the demo email";
      notice(`The demo key was rotated (someone re-registered ${who}): relay tools may answer 401.`, true);
    }
    renderPhone(S, CFG);
  } catch {
    // older sandbox: keep the defaults
  }
}

async function refreshCalls() {
  try {
    /** @type {{ calls?: SimCall[] } | SimCall[]} */
    const r = await sim("GET", "/calls");
    setOnline(true);
    const calls = Array.isArray(r) ? r : r.calls || [];
    calls.sort((a, b) => (a.created_at || 0) - (b.created_at || 0));
    S.calls = calls;
    // A call that starts ringing while you are not on a live call comes to the front.
    const idle = !S.call || callEnded(S.call);
    const fresh = calls.filter(isRinging).at(-1);
    const freshSid = fresh ? callSid(fresh) : "";
    if (idle && fresh && freshSid !== S.sid && !S.shown[freshSid]) {
      S.shown[freshSid] = 1;
      select(freshSid);
    }
    renderRinging(S, outboundAction);
    renderCallSelect(S);
  } catch (e) {
    setOnline(false, errorText(e));
  }
}

async function refreshCall() {
  const sid = S.sid;
  if (!sid) {
    renderTimeline(S);
    renderPhone(S, CFG);
    return;
  }
  try {
    const call = callOf(await sim("GET", `/calls/${encodeURIComponent(sid)}`));
    if (sid !== S.sid) return;
    S.call = call;
    // Keep the call picker's state in step with the detail view.
    for (const listed of S.calls) {
      if (callSid(listed) === sid && listed.state !== call.state) {
        listed.state = call.state;
        renderCallSelect(S);
      }
    }
    const evs = call.events || [];
    const first = evs[0];
    const last = evs.at(-1);
    if (first && last && (!S.clockBase || S.clockBase.sid !== sid || S.clockBase.n !== evs.length)) {
      S.clockBase = { sid, n: evs.length, local: Date.now(), ms: evMs(last) - evMs(first) };
    }
    renderTimeline(S);
    renderPhone(S, CFG);
  } catch (e) {
    if (statusOf(e) === 404) {
      S.sid = null;
      S.call = null;
      renderTimeline(S);
      renderPhone(S, CFG);
    }
  }
}

async function refreshAccount() {
  try {
    /** @type {{ tier?: string, minutes_remaining?: number }} */
    const a = await relay("GET", "/account");
    selectEl("tier").value = a.tier || "free";
    const left = a.minutes_remaining !== undefined ? `${a.minutes_remaining} min left` : "";
    $("account-line").textContent = `${a.tier || ""} · ${left}`;
  } catch {
    $("account-line").textContent = "";
  }
}

async function refreshSchedules() {
  try {
    /** @type {{ schedules?: import("./view.js").Schedule[] }} */
    const r = await relay("GET", "/calls/schedule");
    renderSchedules(r.schedules || [], fireSchedule);
  } catch {
    // shown as empty
  }
}

/** Runs `fn` every `ms` after it settles. @param {() => Promise<unknown>} fn @param {number} ms */
function loop(fn, ms) {
  const go = () => {
    Promise.resolve()
      .then(fn)
      .catch(() => {})
      .then(() => setTimeout(go, ms));
  };
  go();
}

/** An ended call's log is final once Twilio's status event is in (or after a few more looks). */
function pollShownCall() {
  if (!S.sid) return Promise.resolve();
  if (S.call && callEnded(S.call)) {
    const last = (S.call.events || []).at(-1);
    const final = last !== undefined && evType(last) === "status";
    S.endedLooks = S.endedOf === S.sid ? S.endedLooks + 1 : 1;
    S.endedOf = S.sid;
    if (final || S.endedLooks > 12) {
      renderClock(S);
      return Promise.resolve();
    }
  }
  return refreshCall();
}

// ---- Wiring ----------------------------------------------------------------------------------
$("from-number").textContent = CFG.fromNumber;
$("to-number").textContent = CFG.toNumber;
$("dial").addEventListener("click", () => void dial());
$("hangup").addEventListener("click", () => simpleCall("hangup", "Could not hang up"));
$("silence").addEventListener("click", () => simpleCall("silence", "Could not stay silent"));
$("say-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const text = inputEl("say-input").value.trim();
  if (text) sendLine(text);
});
$("read-aloud").addEventListener("click", () => {
  S.muted = !S.muted;
  remember(MUTED_KEY, S.muted);
  if (S.muted) hush();
  renderReadAloud(S);
});
selectEl("call-select").addEventListener("change", () => select(selectEl("call-select").value));
inputEl("relay-details").addEventListener("change", () => {
  S.details = inputEl("relay-details").checked;
  remember(DETAILS_KEY, S.details);
  renderDetails(S);
});
$("tier-set").addEventListener("click", setTier);
$("sched-form").addEventListener("submit", addSchedule);
$("tp-form").addEventListener("submit", placeThirdParty);
setupMic({ send: sendLine, notice });
renderReadAloud(S);
renderDetails(S);
renderPhone(S, CFG);
renderTimeline(S);
void loadConfig();
loop(refreshCalls, 1000);
loop(pollShownCall, 250);
loop(() => Promise.all([refreshAccount(), refreshSchedules()]), 5000);
Object.assign(window, { softphone: { state: S, select, dial, sendLine } });
