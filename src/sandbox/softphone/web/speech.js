// @ts-check
/** The browser's voice: the agent's lines through speech synthesis, the caller's through speech recognition. */
import { evText, evType } from "./calls.js";
import { $, buttonEl, inputEl } from "./dom.js";

/** @typedef {import("./calls.js").SimEvent} SimEvent */

/**
 * The part of the Web Speech API's recogniser the page uses (TypeScript's DOM library lacks it).
 * @typedef {object} Recogniser
 * @property {string} lang
 * @property {boolean} interimResults
 * @property {number} maxAlternatives
 * @property {((ev: RecognitionEvent) => void) | null} onresult
 * @property {((ev: { error?: string }) => void) | null} onerror
 * @property {(() => void) | null} onend
 * @property {() => void} start
 * @property {() => void} stop
 */
/**
 * @typedef {object} RecognitionEvent
 * @property {number} resultIndex
 * @property {ArrayLike<ArrayLike<{ transcript: string }> & { isFinal: boolean }>} results
 */

/** Event types whose text the agent (or the relay in its voice) speaks on the line. */
const AGENT_SPEECH = new Set([
  "greeting",
  "answer_spoken",
  "filler",
  "didnt_catch",
  "still_there",
  "callback_message",
  "notice",
]);

export const canSpeak = () => "speechSynthesis" in window;

/** Stops whatever is being spoken (the caller is about to talk). */
export function hush() {
  if (canSpeak()) window.speechSynthesis.cancel();
}

/** @param {string} text @param {boolean} muted */
function speak(text, muted) {
  if (muted || !canSpeak()) return;
  try {
    const u = new SpeechSynthesisUtterance(text);
    u.lang = "en-US";
    window.speechSynthesis.speak(u);
  } catch {
    // no voices
  }
}

/**
 * Speaks the agent's lines logged since the last look at this call. A call opened midway is not
 * replayed; `spoken[sid] = 0` before the first look speaks it from its greeting.
 * @param {string} sid
 * @param {SimEvent[]} events
 * @param {Record<string, number>} spoken Events already spoken, per call.
 * @param {boolean} muted
 */
export function speakNew(sid, events, spoken, muted) {
  const from = spoken[sid] ?? events.length;
  for (const e of events.slice(from)) {
    if (AGENT_SPEECH.has(evType(e)) && evText(e)) speak(evText(e), muted);
  }
  spoken[sid] = events.length;
}

/**
 * Shows the microphone button when the browser can recognise speech: interim words fill the input,
 * the final words are sent as the caller's line.
 * @param {{ send: (text: string) => void, notice: (text: string, isError?: boolean) => void }} io
 */
export function setupMic(io) {
  const w =
    /** @type {{ SpeechRecognition?: new () => Recogniser, webkitSpeechRecognition?: new () => Recogniser }} */ (
      /** @type {unknown} */ (window)
    );
  const SR = w.SpeechRecognition || w.webkitSpeechRecognition;
  if (!SR) return;
  const mic = buttonEl("mic");
  /** @type {Recogniser | null} */
  let recog = null;
  let listening = false;
  mic.hidden = false;
  $("mic-hint").hidden = false;
  mic.addEventListener("click", () => {
    if (listening && recog) {
      recog.stop();
      return;
    }
    /** @type {Recogniser} */
    let r;
    try {
      r = new SR();
    } catch (e) {
      io.notice(`Speech recognition is not available: ${errorText(e)}`, true);
      return;
    }
    r.lang = "en-US";
    r.interimResults = true;
    r.maxAlternatives = 1;
    let finalText = "";
    r.onresult = (ev) => {
      let interim = "";
      for (let i = ev.resultIndex; i < ev.results.length; i++) {
        const res = ev.results[i];
        if (!res) continue;
        const words = res[0]?.transcript ?? "";
        if (res.isFinal) finalText += words;
        else interim += words;
      }
      inputEl("say-input").value = (finalText + interim).trim();
    };
    r.onerror = (ev) => io.notice(`Speech recognition: ${ev.error || "error"}`, true);
    r.onend = () => {
      listening = false;
      mic.classList.remove("listening");
      mic.textContent = "Mic";
      if (finalText.trim()) io.send(finalText.trim());
    };
    recog = r;
    listening = true;
    mic.classList.add("listening");
    mic.textContent = "Stop";
    hush();
    try {
      r.start();
    } catch (e) {
      io.notice(`Speech recognition: ${errorText(e)}`, true);
    }
  });
}

/** @param {unknown} e */
export function errorText(e) {
  return e instanceof Error ? e.message : String(e);
}
