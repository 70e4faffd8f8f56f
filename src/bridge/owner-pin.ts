/**
 * The optional spoken PIN (`CLAWCALL_OWNER_PIN`): for owners on the shared number who fear caller-ID
 * spoofing, a caller whose number says "owner" must also say the PIN before anything private. A few
 * wrong attempts lock the call to guest mode. The PIN is never spoken back, logged or remembered in
 * the call's memory.
 */

const DIGIT_WORDS: Record<string, string> = {
  zero: "0",
  oh: "0",
  o: "0",
  one: "1",
  two: "2",
  three: "3",
  four: "4",
  five: "5",
  six: "6",
  seven: "7",
  eight: "8",
  nine: "9",
};

/** Words that may surround a PIN ("my pin is …", "the code is …"). */
const FILLER = new Set(
  "my the pin code passcode pass number is it its it's it is um uh er okay ok sure yes yeah so that's thats".split(
    " ",
  ),
);

/**
 * The digits of an utterance that is a PIN attempt ("one two three four", "my PIN is 1234",
 * "12 34"), or undefined when it is something else (a question, a sentence with a number in it).
 */
export function spokenPin(text: string): string | undefined {
  const tokens = text
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, " ")
    .split(/\s+/)
    .filter(Boolean);
  let digits = "";
  for (const t of tokens) {
    if (/^\d+$/.test(t)) digits += t;
    else if (DIGIT_WORDS[t] !== undefined) digits += DIGIT_WORDS[t];
    else if (!FILLER.has(t)) return undefined;
  }
  return digits.length > 0 ? digits : undefined;
}

export type PinState = "pending" | "ok" | "locked";

/** Per-call PIN state (bounded; the oldest calls go first). */
export class PinGate {
  readonly #pin: string;
  readonly #maxAttempts: number;
  readonly #calls = new Map<string, { state: PinState; wrong: number }>();

  constructor(pin: string, maxAttempts = 3) {
    this.#pin = pin;
    this.#maxAttempts = maxAttempts;
  }

  state(callSid: string): PinState {
    return this.#calls.get(callSid)?.state ?? "pending";
  }

  /** Checks one attempt; returns the call's new state and the attempts left. */
  attempt(callSid: string, digits: string): { state: PinState; left: number } {
    const c = this.#calls.get(callSid) ?? { state: "pending" as PinState, wrong: 0 };
    if (c.state === "pending") {
      if (digits === this.#pin) c.state = "ok";
      else if (++c.wrong >= this.#maxAttempts) c.state = "locked";
    }
    this.#calls.delete(callSid);
    this.#calls.set(callSid, c);
    if (this.#calls.size > 500) {
      const oldest = this.#calls.keys().next().value;
      if (oldest !== undefined) this.#calls.delete(oldest);
    }
    return { state: c.state, left: this.#maxAttempts - c.wrong };
  }
}
