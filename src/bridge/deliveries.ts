import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../log.js";
import { SLOT_TTL_MS } from "../relay/deadlines.js";
import { DEFAULT_SPEECH_WORDS, shapeSpeech, speakableText } from "../speech/index.js";
import { atomicWriteJson } from "../state/atomic.js";
import type { ContextStore, RelayLike } from "./context/index.js";
import type { Conversation, Conversations } from "./conversations.js";

/** Relay history statuses of a call still going on. */
const LIVE_STATUSES = new Set(["in-progress", "ringing", "queued", "initiated"]);

/** Something to tell the user that could not be said in the turn that produced it. */
export interface Delivery {
  id: string;
  /** Spoken at the start of a turn: "About your earlier question: …". */
  inCall: string;
  /** Spoken by the relay when it calls the user back. */
  callback: string;
  reason: "deferred_answer" | "deferred_failed" | "task_finished" | "third_party_complete";
  /** What it is about, for a short pointer ("your question about a plumber"). */
  topic?: string;
  /** The caller has been told it is waiting (said once per call). */
  pointedAt?: string;
  createdAt: string;
  attempts: number;
}

export interface DeliveryOptions {
  stateDir: string;
  logger: Logger;
  relay: RelayLike | undefined;
  context: ContextStore;
  conversations: Conversations;
  now: () => number;
  /** Wait this long after the last caller turn before calling back (a call may still be live). */
  quietMs?: number;
  /** Re-check period while a call is live. */
  recheckMs?: number;
  /** The word budget (`CLAWCALL_SPEECH_WORDS`). */
  words?: number;
  /** Told of each item added and each callback placed (the per-turn record, /metrics). */
  onAdded?: (reason: Delivery["reason"]) => void;
  onCallback?: (reason: Delivery["reason"]) => void;
}

/**
 * Pending things to tell the user. Each is delivered once: by a relay callback where the tier
 * allows (after the line has been quiet for a while), otherwise at the start of the user's next
 * turn. Persisted in `<stateDir>/bridge.pending.json` so a restart does not lose them.
 */
export class Deliveries {
  readonly #o: DeliveryOptions;
  readonly #path: string;
  readonly #log: Logger;
  #items: Delivery[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;
  callbacksPlaced = 0;

  constructor(o: DeliveryOptions) {
    this.#o = o;
    this.#path = join(o.stateDir, "bridge.pending.json");
    this.#log = o.logger.child({ component: "deliveries" });
    try {
      const doc = JSON.parse(readFileSync(this.#path, "utf8")) as { items?: Delivery[] };
      if (Array.isArray(doc.items)) this.#items = doc.items.filter((d) => typeof d?.inCall === "string");
    } catch {}
  }

  get pending(): readonly Delivery[] {
    return this.#items;
  }

  #save(): void {
    try {
      atomicWriteJson(this.#path, { version: 1, items: this.#items });
    } catch (err) {
      this.#log.error({ err }, "could not save pending deliveries");
    }
  }

  add(d: Omit<Delivery, "id" | "createdAt" | "attempts">, opts: { callback: boolean }): Delivery {
    const item: Delivery = {
      ...d,
      // In a call the turn's reply is shaped and budgeted (the rest waits for "go on"). A callback
      // is read by the relay and nobody can ask it to go on, so it may run to twice the budget.
      inCall: speakableText(d.inCall),
      callback: shapeSpeech(d.callback, { words: 2 * (this.#o.words ?? DEFAULT_SPEECH_WORDS), offer: false })
        .spoken,
      id: randomUUID(),
      createdAt: new Date(this.#o.now()).toISOString(),
      attempts: 0,
    };
    // Keep the list bounded: the oldest go first.
    this.#items.push(item);
    if (this.#items.length > 20) this.#items.splice(0, this.#items.length - 20);
    this.#save();
    this.#o.onAdded?.(item.reason);
    if (opts.callback) this.#schedule(item.id, 0);
    return item;
  }

  /** The oldest pending item, removed (told in this turn): one at a time, each on its own turn. */
  takeOne(): Delivery | undefined {
    const item = this.#items.shift();
    if (item) this.#save();
    return item;
  }

  /** The oldest item this call has not been told about yet; marks it told. */
  pointOnce(callSid: string): Delivery | undefined {
    const item = this.#items.find((d) => d.pointedAt !== callSid);
    if (!item) return undefined;
    item.pointedAt = callSid;
    this.#save();
    return item;
  }

  #schedule(id: string, delayMs: number): void {
    if (this.#closed) return;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      void this.#tryCallback(id);
    }, delayMs);
    t.unref();
    this.#timers.add(t);
  }

  async #tryCallback(id: string): Promise<void> {
    const item = this.#items.find((d) => d.id === id);
    if (!item || this.#closed) return;
    const quiet = this.#o.quietMs ?? 20_000;
    // Never ring the owner while they are still on a call: their next turn will carry it.
    if (await this.#onTheLine(quiet)) {
      if (item.attempts++ < 60) this.#schedule(id, this.#o.recheckMs ?? Math.max(1000, quiet / 2));
      return;
    }
    if (!this.#o.relay || !this.#o.context.callbackAllowed()) return; // stays for the next call
    try {
      await this.#o.relay.callback(item.callback, true, { signal: AbortSignal.timeout(15_000) });
      this.callbacksPlaced++;
      this.#o.onCallback?.(item.reason);
      this.#items = this.#items.filter((d) => d.id !== id);
      this.#save();
      this.#log.info({ reason: item.reason }, "called the user back");
    } catch (err) {
      this.#o.context.noteCallbackError(err);
      this.#log.warn(
        { reason: item.reason, code: (err as { code?: string }).code },
        "callback failed; will tell the user on the next call",
      );
    }
  }

  /**
   * Ends the calls the relay's history shows over, once one has been quiet `quietMs`: a caller who
   * hangs up says nothing to the bridge, and `activeCalls` (status, /metrics, the warm-up's "no call
   * active") would count the call for the slot's whole 5 minutes. One history read, only then.
   */
  async sweepEnded(quietMs = 20_000): Promise<void> {
    const now = this.#o.now();
    if (!this.#o.relay) return;
    if (!this.#o.conversations.live(SLOT_TTL_MS).some((c) => now - c.lastAt >= quietMs)) return;
    await this.#onTheLine(quietMs);
  }

  /**
   * Whether an owner's call is still going on. The relay's history has each call's status; a call it
   * does not show yet (or an unreadable history) counts as live until `quietMs` without a turn.
   */
  async #onTheLine(quietMs: number): Promise<boolean> {
    const { conversations, relay } = this.#o;
    const candidates = conversations.live(SLOT_TTL_MS);
    if (candidates.length === 0) return false;
    const now = this.#o.now();
    const quietSince = (c: Conversation) => now - c.lastAt >= quietMs;
    if (!relay) return candidates.some((c) => !quietSince(c));
    let calls: { twilio_call_sid: string | null; status: string }[];
    try {
      calls = (await relay.history({ limit: 20 }, { signal: AbortSignal.timeout(5_000) })).calls;
    } catch {
      return candidates.some((c) => !quietSince(c));
    }
    let live = false;
    for (const c of candidates) {
      const status = calls.find((h) => h.twilio_call_sid === c.callSid)?.status;
      if (status === undefined) live ||= !quietSince(c);
      else if (LIVE_STATUSES.has(status)) live = true;
      else conversations.end(c);
    }
    return live;
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
