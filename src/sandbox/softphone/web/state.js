// @ts-check
/** What the page knows: the server's settings (page.html's JSON block) and the calls it shows. */

/** @typedef {import("./calls.js").SimCall} SimCall */

/**
 * The values the sandbox writes into page.html's `softphone-config` block.
 * @typedef {object} PageConfig
 * @property {string} demoKey Key for relay endpoints (schedules, third-party calls, account).
 * @property {string} demoEmail
 * @property {string} fromNumber The demo user's phone: the caller ID of dialled calls.
 * @property {string} toNumber The number dialled (the shared pool number).
 * @property {string} apiUrl The sandbox's base URL.
 */

/**
 * @typedef {object} State
 * @property {string | null} sid The call shown.
 * @property {SimCall | null} call Its last fetched view, with the event log.
 * @property {SimCall[]} calls Every call, oldest first.
 * @property {string | null} renderedSid The call whose rows are on the timeline.
 * @property {number} rendered How many rows of it are drawn.
 * @property {Record<string, number>} spoken Events already spoken, per call.
 * @property {Record<string, 1>} shown Ringing calls already brought to the front.
 * @property {boolean} muted
 * @property {boolean | null} online Whether the sandbox answered the last poll (null before the first).
 * @property {boolean} busy Dialling.
 * @property {boolean} details Show the relay's plumbing on the timeline (queued, delivered, webhooks…).
 * @property {{ sid: string, n: number, local: number, ms: number } | null} clockBase The call clock's
 *   last known point: `ms` into the call at local time `local`, when it had `n` events.
 * @property {number | null} timeScale The sandbox's time scale, once read.
 * @property {boolean} configChanged The connection line needs redrawing.
 * @property {string | null} endedOf The ended call being looked at until its log is final.
 * @property {number} endedLooks How many times it was looked at.
 */

/** @returns {PageConfig} */
export function readConfig() {
  const block = document.getElementById("softphone-config");
  /** @type {Partial<PageConfig>} */
  const cfg = JSON.parse(block?.textContent || "{}");
  return {
    demoKey: cfg.demoKey ?? "",
    demoEmail: cfg.demoEmail ?? "",
    fromNumber: cfg.fromNumber ?? "",
    toNumber: cfg.toNumber ?? "",
    apiUrl: cfg.apiUrl ?? "",
  };
}

/** The page's remembered switches, kept in localStorage under these keys ("1" is on). */
export const MUTED_KEY = "clawcall.softphone.muted";
export const DETAILS_KEY = "clawcall.softphone.details";

/** @param {string} key */
function recalled(key) {
  try {
    return localStorage.getItem(key) === "1";
  } catch {
    return false; // storage blocked: the default
  }
}

/** @param {string} key @param {boolean} on */
export function remember(key, on) {
  try {
    localStorage.setItem(key, on ? "1" : "0");
  } catch {
    // storage blocked: the switch holds for this visit only
  }
}

/** @returns {State} */
export function newState() {
  return {
    sid: null,
    call: null,
    calls: [],
    renderedSid: null,
    rendered: 0,
    spoken: {},
    shown: {},
    muted: recalled(MUTED_KEY),
    online: null,
    busy: false,
    details: recalled(DETAILS_KEY),
    clockBase: null,
    timeScale: null,
    configChanged: false,
    endedOf: null,
    endedLooks: 0,
  };
}
