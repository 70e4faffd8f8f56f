/** Per-call memory: the last turns (for the model in `openai` mode), the last answer (for "repeat"). */

export interface Turn {
  role: "user" | "assistant";
  content: string;
  /** The first turn of a long call: a digest of the turns that no longer fit (sent as a system note). */
  summary?: true;
}

/** A long call's digest of its early turns stays this short: the model needs the gist, not a transcript. */
const EARLIER_CHARS = 600;
/** Each early turn is clipped to this in the digest. */
const EARLIER_TURN_CHARS = 100;
const EARLIER_HEAD = "Earlier in this call (oldest first): ";

/** The digest of a call's early turns: the previous digest's lines, then the dropped turns, the newest kept. */
function earlierDigest(previous: string | undefined, dropped: readonly Turn[]): string {
  const old = previous ? previous.slice(EARLIER_HEAD.length).split(" / ") : [];
  const clip = (t: string) => (t.length > EARLIER_TURN_CHARS ? `${t.slice(0, EARLIER_TURN_CHARS - 1)}…` : t);
  const lines = [
    ...old,
    ...dropped.map((t) => `${t.role === "user" ? "Caller" : "You"}: ${clip(t.content.trim())}`),
  ];
  while (lines.length > 1 && lines.join(" / ").length > EARLIER_CHARS) lines.shift();
  return EARLIER_HEAD + lines.join(" / ");
}

export interface Conversation {
  callSid: string;
  kind: "caller" | "scheduled" | "third_party";
  turns: Turn[];
  /** The whole last answer (what "repeat" says), before the word budget cut it. */
  lastAnswer: string | undefined;
  /** What the word budget held back from the last answer (what "go on" says). */
  rest?: string | undefined;
  lastAt: number;
  startedAt: number;
  /** The call is over (an `end_call` answer, a third-party completion) until another turn comes. */
  ended: boolean;
  /** Third-party calls: what the call is for. */
  objective?: string;
  context?: string;
}

export interface ConversationOptions {
  /** Evicted after this long without a turn. Default 10 minutes. */
  idleMs?: number;
  /** Turns kept per call (user and assistant each count). Default 12. */
  maxTurns?: number;
  /** Calls kept at once; the oldest idle ones go first. Default 1000. */
  maxCalls?: number;
}

export class Conversations {
  readonly #calls = new Map<string, Conversation>();
  readonly #idleMs: number;
  readonly #maxTurns: number;
  readonly #maxCalls: number;
  readonly #now: () => number;

  constructor(now: () => number, o: ConversationOptions = {}) {
    this.#now = now;
    this.#idleMs = o.idleMs ?? 10 * 60_000;
    this.#maxTurns = o.maxTurns ?? 12;
    this.#maxCalls = o.maxCalls ?? 1000;
  }

  get size(): number {
    return this.#calls.size;
  }

  peek(callSid: string): Conversation | undefined {
    return this.#calls.get(callSid);
  }

  /** The call's memory; `created` is true on its first turn (the start of a call). */
  touch(callSid: string, kind: Conversation["kind"]): { conv: Conversation; created: boolean } {
    const now = this.#now();
    let conv = this.#calls.get(callSid);
    if (conv && now - conv.lastAt > this.#idleMs) {
      this.#calls.delete(callSid);
      conv = undefined;
    }
    if (conv) {
      conv.lastAt = now;
      conv.ended = false;
      // Map order = recency, for eviction.
      this.#calls.delete(callSid);
      this.#calls.set(callSid, conv);
      return { conv, created: false };
    }
    conv = { callSid, kind, turns: [], lastAnswer: undefined, lastAt: now, startedAt: now, ended: false };
    this.#calls.set(callSid, conv);
    if (this.#calls.size > this.#maxCalls) {
      const oldest = this.#calls.keys().next().value;
      if (oldest !== undefined) this.#calls.delete(oldest);
    }
    return { conv, created: true };
  }

  add(conv: Conversation, role: Turn["role"], content: string): void {
    conv.turns.push({ role, content });
    if (role === "assistant") conv.lastAnswer = content;
    if (conv.turns.length <= this.#maxTurns) return;
    // Early turns are kept as a short digest in the first place rather than cut (openai mode sends it).
    const head = conv.turns[0]?.summary ? conv.turns.shift() : undefined;
    const dropped = conv.turns.splice(0, conv.turns.length - (this.#maxTurns - 1));
    conv.turns.unshift({ role: "user", summary: true, content: earlierDigest(head?.content, dropped) });
  }

  /** Drops calls idle longer than the idle limit. */
  sweep(): number {
    const cutoff = this.#now() - this.#idleMs;
    let n = 0;
    for (const [sid, c] of this.#calls) {
      if (c.lastAt < cutoff) {
        this.#calls.delete(sid);
        n++;
      }
    }
    return n;
  }

  /** The call is over: it stops counting as live at once (its memory stays for the idle limit). */
  end(conv: Conversation): void {
    conv.ended = true;
  }

  /** Calls not ended with a turn within `withinMs` (the relay's slot lifetime for `activeCalls`). */
  activeCount(withinMs: number): number {
    const cutoff = this.#now() - withinMs;
    let n = 0;
    for (const c of this.#calls.values()) if (!c.ended && c.lastAt >= cutoff) n++;
    return n;
  }

  /** True when some call had a turn within `withinMs` (a call is probably still live). */
  anyActive(withinMs: number): boolean {
    return this.live(withinMs).length > 0;
  }

  /** The owner's calls (not third-party ones) not ended, with a turn within `withinMs`. */
  live(withinMs: number): Conversation[] {
    const cutoff = this.#now() - withinMs;
    return [...this.#calls.values()].filter(
      (c) => c.kind !== "third_party" && !c.ended && c.lastAt >= cutoff,
    );
  }

  /** Third-party calls whose assistant turns include this text (to match a completion to its call). */
  findThirdPartyBySaid(texts: readonly string[]): Conversation | undefined {
    const said = new Set(texts.map((t) => t.trim()));
    for (const c of this.#calls.values()) {
      if (
        c.kind === "third_party" &&
        c.turns.some((x) => x.role === "assistant" && said.has(x.content.trim()))
      ) {
        return c;
      }
    }
    return undefined;
  }
}
