/**
 * What a turn's answer becomes on the phone. Every reply of the bridge passes through here
 * (src/bridge/turns.ts), whatever produced it: fast path, model, late answers, guest and stock
 * lines, third-party turns. So every spoken string is shaped once, in one place, by the one speech
 * shaper (src/speech): made speakable and cut to the word budget. A third-party call's opening gets
 * the recording notice here too, whoever worded it (the model or a stock line).
 */
import { extractEndCall } from "../openclaw/reply.js";
import type { RelayEventKind } from "../relay/index.js";
import { shapeSpeech, speakableText } from "../speech/index.js";
import { NOTHING_TO_SAY, withRecordingNotice } from "./lines.js";

export interface SpokenReply {
  /** What the caller hears now. */
  response: string;
  /** The whole answer, shaped without the budget (what "repeat" says). */
  whole: string;
  /** What the budget held back (what "go on" says), if anything. */
  rest: string | undefined;
}

/**
 * Shapes one answer. A third party cannot ask to go on, so their turns are cut without the offer;
 * a finished third-party call's summary is never spoken to the relay, so it has no budget.
 */
export function spokenReply(
  kind: RelayEventKind,
  a: { text: string; after?: string | undefined },
  speech: { words: number; recordingNotice: string | undefined },
): SpokenReply {
  if (kind === "third_party_complete") {
    const whole = speakableText(a.text) || NOTHING_TO_SAY;
    return { response: whole, whole, rest: undefined };
  }
  const thirdParty = kind === "third_party_open" || kind === "third_party_says";
  const text = kind === "third_party_open" ? withRecordingNotice(a.text, speech.recordingNotice) : a.text;
  const told = shapeSpeech(text, { words: speech.words, offer: !thirdParty, after: a.after });
  const response = told.spoken || NOTHING_TO_SAY;
  return told.rest
    ? { response, whole: told.whole, rest: told.rest }
    : { response, whole: response, rest: undefined };
}

/**
 * A model's reply made speakable, without the budget (the reply's shaping applies it), and whether
 * it carried the end-call marker; "" when nothing speakable is left (the turn then falls back).
 */
export function modelSpeech(raw: string): { text: string; endCall: boolean } {
  const { text, endCall } = extractEndCall(raw);
  return { text: speakableText(text), endCall };
}
