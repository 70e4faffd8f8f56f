/**
 * Callers who are not the owner. Before a caller turn touches anything private (tasks, schedules,
 * minutes, late answers, callbacks, actions) the caller check decides who is calling; a guest gets
 * this desk instead: no private facts, no actions, no late answers, a model told it speaks with a
 * guest, and a message taken for the owner. With `CLAWCALL_OWNER_PIN` set, an owner-number caller
 * is a guest until they say the PIN. Guest speech is untrusted: it is quoted, stored, never run.
 */
import { extractEndCall } from "../openclaw/reply.js";
import { fragment, speakableText } from "../speech/index.js";
import type { CallerCheck, CallerVerdict } from "./caller-check.js";
import type { ContextStore } from "./context/index.js";
import type { Conversation, Conversations } from "./conversations.js";
import type { GuestMessages } from "./guest-messages.js";
import type { IntentName } from "./intents/index.js";
import * as lines from "./lines.js";
import type { ModelGate } from "./model-gate.js";
import { type PinGate, spokenPin } from "./owner-pin.js";
import { guestPrompt, guestUtterance } from "./prompt.js";
import type { RouteResult } from "./router.js";
import { spokenAgo } from "./spoken-time.js";
import type { Answer } from "./turns.js";

/** Intents whose answers are the owner's private facts. */
const PRIVATE_INTENTS = new Set<IntentName>(["cron", "tasks", "minutes"]);
/** Asking to leave a message ("can you take a message for Sam: …"); group 1 is the message, if any. */
const TAKE_MESSAGE =
  /^(?:(?:can|could|would|will) you |please |i(?:'d| would) like to |i want to |can i |may i )?(?:take|leave|pass on|give (?:him|her|them)) ?a message\b[\s:,.-]*(?:for (?:him|her|them|[a-z]+)\b[\s:,.-]*)?(.*)$/i;
/** "Tell him (that) …", "please let her know …"; group 1 is the message, if any. */
const TELL =
  /^(?:(?:can|could|would|will) you |please )?(?:tell|let) (?!me\b|us\b)(?:him|her|them|[a-z]+)(?: know)?\b[\s:,]*(?:that\b)?[\s:,]*(.*)$/i;
const YES = /^(?:yes|yeah|yep|sure|please|ok(?:ay)?|alright|all right|i would|go ahead)\b/i;
const NO = /^(?:no|nope|nothing|never ?mind|no thanks?|that's all|that is all)\b/i;
/** A model reply that asks the caller for their message: what they say next is the message. */
const ASKS_FOR_MESSAGE =
  /\bmessage\b[^.!]*\?\s*$|what (?:would you like|should I|do you want) (?:me )?to (?:tell|pass|say)/i;

interface GuestCall {
  offered: boolean;
  awaiting: boolean;
}

export interface GuestDeskDeps {
  callers: CallerCheck;
  pin: PinGate | undefined;
  messages: GuestMessages;
  gate: ModelGate;
  context: ContextStore;
  conversations: Conversations;
  timeZone: string;
  now: () => number;
  /** Told when a turn is answered as a guest's (the per-turn record's call kind). */
  onGuestTurn?: () => void;
}

export class GuestDesk {
  readonly #d: GuestDeskDeps;
  readonly #calls = new Map<string, GuestCall>();

  constructor(d: GuestDeskDeps) {
    this.#d = d;
  }

  /** True for speech never to be logged or remembered (a PIN attempt while a PIN is set). */
  hidesSpeech(text: unknown): boolean {
    return this.#d.pin !== undefined && typeof text === "string" && spokenPin(text) !== undefined;
  }

  /** Callers' new messages as a spoken prefix for the owner's turn (marked as told). */
  newsForOwner(): string | undefined {
    const now = this.#d.now();
    const fresh = this.#d.messages.takeUnread();
    return lines.guestMessagesNews(
      fresh.map((m) => ({ text: m.text, from: m.from, ago: capitalise(spokenAgo(Date.parse(m.at), now)) })),
    );
  }

  /**
   * The answer for a caller turn when the caller is not (yet) the owner; undefined for the owner,
   * whose turn goes on as usual.
   */
  async screen(
    callSid: string,
    text: string,
    conv: Conversation,
    t0: number,
    route: (text: string) => RouteResult,
  ): Promise<Answer | undefined> {
    const v = await this.#d.callers.verdict(callSid);
    const pin = this.#d.pin;
    if (v.role === "owner" && (!pin || !needsPin(v))) return undefined;
    let pinPending = false;
    if (v.role === "owner" && pin) {
      const state = pin.state(callSid);
      if (state === "ok") return undefined;
      const digits = state === "pending" ? spokenPin(text) : undefined;
      if (digits !== undefined) {
        const r = pin.attempt(callSid, digits);
        if (r.state === "ok") return { text: lines.PIN_ACCEPTED, source: "fast" };
        if (r.state === "locked") {
          this.#call(callSid).offered = true;
          return { text: lines.PIN_LOCKED, source: "fast" };
        }
        return { text: lines.pinWrong(r.left), source: "fast" };
      }
      pinPending = state === "pending";
    }
    this.#d.onGuestTurn?.();
    return this.#guestTurn(callSid, v, text, conv, t0, route, pinPending);
  }

  async #guestTurn(
    callSid: string,
    v: CallerVerdict,
    text: string,
    conv: Conversation,
    t0: number,
    route: (text: string) => RouteResult,
    pinPending: boolean,
  ): Promise<Answer> {
    const call = this.#call(callSid);
    const say = (t: string, extra: Partial<Answer> = {}): Answer => {
      if (/\bmessage\b/i.test(t)) call.offered = true;
      return { text: t, source: "fast", ...extra };
    };
    if (text === "") return say(lines.DIDNT_CATCH);
    const history = conv.turns.slice();
    this.#d.conversations.add(conv, "user", text);
    if (call.awaiting) {
      call.awaiting = false;
      if (NO.test(text)) return say(lines.GUEST_NO_MESSAGE);
      return say(this.#take(callSid, v, text));
    }
    const leave = TAKE_MESSAGE.exec(text.trim()) ?? TELL.exec(text.trim());
    if (leave) {
      const body = (leave[1] ?? "").trim();
      if (body.split(/\s+/).length >= 2) return say(this.#take(callSid, v, body));
      call.awaiting = true;
      return say(lines.GUEST_ASK_MESSAGE);
    }
    if (call.offered && YES.test(text.trim())) {
      call.awaiting = true;
      return say(lines.GUEST_ASK_MESSAGE);
    }
    const routed = route(text);
    const name = routed.intent?.name;
    if (name === "goodbye") return say(lines.GUEST_GOODBYE, { intent: name, endCall: true });
    if (name === "time") return say(this.#d.context.spokenNow(), { intent: name });
    if (name === "repeat") return say(conv.lastAnswer ?? lines.DIDNT_CATCH, { intent: name });
    if (name === "more") return say(conv.rest ?? lines.NOTHING_MORE, { intent: name });
    if (name && PRIVATE_INTENTS.has(name)) {
      return say(pinPending ? lines.ASK_PIN : lines.GUEST_PRIVATE, { intent: name });
    }
    if (name) {
      const { context } = this.#d;
      return say(lines.guestHello(context.hasAgentName() ? context.agentName() : undefined), {
        intent: name,
      });
    }
    return this.#model(callSid, text, history, t0, call);
  }

  /** Small talk with the model, told it speaks with a guest; cut at the third-party budget (no late answers). */
  async #model(
    callSid: string,
    text: string,
    history: Conversation["turns"],
    t0: number,
    call: GuestCall,
  ): Promise<Answer> {
    const { gate, context } = this.#d;
    const fallback = (): Answer => {
      call.offered = true;
      return { text: lines.GUEST_CANNOT, source: "fallback" };
    };
    if (gate.model.mode === "off") return fallback();
    const facts = {
      agentName: context.agentName(),
      userName: undefined,
      timeZone: this.#d.timeZone,
      now: context.spokenNow(),
    };
    const r = await gate.run(
      { callSid, system: guestPrompt(facts), utterance: guestUtterance(text), history, purpose: "guest" },
      "third_party",
      t0,
    );
    if (r.kind !== "ok") return fallback();
    const spoken = speakableText(extractEndCall(r.text).text);
    if (!spoken) return fallback();
    if (/\bmessage\b/i.test(spoken)) call.offered = true;
    if (ASKS_FOR_MESSAGE.test(spoken)) call.awaiting = true;
    return { text: spoken, source: "model" };
  }

  #take(callSid: string, v: CallerVerdict, text: string): string {
    const body = fragment(text, 120);
    if (!body) return lines.DIDNT_CATCH;
    return this.#d.messages.add(callSid, v.from, body)
      ? lines.GUEST_MESSAGE_TAKEN
      : lines.GUEST_MESSAGES_FULL;
  }

  #call(callSid: string): GuestCall {
    let c = this.#calls.get(callSid);
    if (!c) {
      c = { offered: false, awaiting: false };
      this.#calls.set(callSid, c);
      if (this.#calls.size > 500) {
        const oldest = this.#calls.keys().next().value;
        if (oldest !== undefined) this.#calls.delete(oldest);
      }
    }
    return c;
  }
}

/** Owners known by their number (caller ID can be spoofed) must say the PIN; calls the relay placed to them need not. */
function needsPin(v: CallerVerdict): boolean {
  return v.basis === "owner_number" || v.basis === "shared_number";
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
