/**
 * The relay's in-memory call bridge (`src/services/bridge.py`): one FIFO queue per agent with
 * wake-one long-poll waiters, one response slot per call sid, and one transcript per call sid.
 */
import { deferred, settledWithin } from "../util/async.js";

export interface QueuedMessage {
  call_sid: string;
  message: string;
}

export interface Slot {
  status: "pending" | "done";
  result: string | null;
  end_call: boolean;
  /** Real ms timestamp of creation or the last respond; TTL is measured from here. */
  ts: number;
  /** Resolvers of webhooks blocked on this slot's event. */
  waiters: Set<() => void>;
}

export interface TranscriptTurn {
  role: "user" | "agent" | "third_party";
  text: string;
}

interface Waiter {
  deliver: (m: QueuedMessage) => void;
}

export interface QueuesOptions {
  /** Real milliseconds after which an idle slot is evicted (on the next queue of any message). */
  slotTtlMs: number;
  now: () => number;
  /** Called for every queued message (the telephony simulator records it in the call's log). */
  onQueued?: (agentId: string, m: QueuedMessage) => void;
}

export class Queues {
  private readonly queues = new Map<string, QueuedMessage[]>();
  private readonly waiters = new Map<string, Waiter[]>();
  readonly slots = new Map<string, Slot>();
  readonly transcripts = new Map<string, TranscriptTurn[]>();

  constructor(private readonly opts: QueuesOptions) {}

  /** `queue_message`: evict stale slots, append, create or reset the call's slot, wake one poller. */
  queue(agentId: string, callSid: string, message: string): void {
    this.cleanup();
    const m = { call_sid: callSid, message };
    // A webhook still blocked on an older slot keeps waiting on that slot's event, as in the real server.
    this.slots.set(callSid, {
      status: "pending",
      result: null,
      end_call: false,
      ts: this.opts.now(),
      waiters: new Set(),
    });
    this.opts.onQueued?.(agentId, m);
    const waiting = this.waiters.get(agentId);
    const first = waiting?.shift();
    if (first) {
      first.deliver(m);
      return;
    }
    let q = this.queues.get(agentId);
    if (!q) {
      q = [];
      this.queues.set(agentId, q);
    }
    q.push(m);
  }

  /** Pops the oldest message at once, if any. */
  take(agentId: string): QueuedMessage | undefined {
    const q = this.queues.get(agentId);
    const m = q?.shift();
    if (q && q.length === 0) this.queues.delete(agentId);
    return m;
  }

  /**
   * The long-poll: resolves with a message or undefined after `waitMs`. The pop happens when the message
   * arrives, whether or not the HTTP client is still there (at-most-once delivery). Wake-one, oldest waiter first.
   * Not a bounded wait from src/util/async.ts: a waiter must leave the list in the same tick its time
   * runs out, or a message could be handed to a waiter that has already given up (and be lost).
   */
  listen(agentId: string, waitMs: number, signal?: AbortSignal): Promise<QueuedMessage | undefined> {
    const now = this.take(agentId);
    if (now || waitMs <= 0 || signal?.aborted) return Promise.resolve(now);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        deliver: (m) => {
          finish();
          resolve(m);
        },
      };
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const list = this.waiters.get(agentId);
        if (list) {
          const i = list.indexOf(waiter);
          if (i >= 0) list.splice(i, 1);
          if (list.length === 0) this.waiters.delete(agentId);
        }
      };
      const onAbort = () => {
        finish();
        resolve(undefined);
      };
      const timer = setTimeout(onAbort, waitMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      let list = this.waiters.get(agentId);
      if (!list) {
        list = [];
        this.waiters.set(agentId, list);
      }
      list.push(waiter);
    });
  }

  /** `submit_response`: false when the sid has no slot (404). */
  respond(callSid: string, response: string, endCall: boolean): boolean {
    const slot = this.slots.get(callSid);
    if (!slot) return false;
    slot.status = "done";
    slot.result = response;
    slot.end_call = endCall;
    slot.ts = this.opts.now();
    for (const wake of slot.waiters) wake();
    slot.waiters.clear();
    return true;
  }

  /**
   * `get_result`: the slot's answer if done; otherwise wait up to `waitMs` on its event, then look again.
   * No slot at all returns null at once.
   */
  async result(
    callSid: string,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<{ text: string; end_call: boolean } | null> {
    const slot = this.slots.get(callSid);
    if (!slot) return null;
    if (slot.status !== "done" && waitMs > 0 && !signal?.aborted) {
      const event = deferred();
      slot.waiters.add(event.resolve);
      await settledWithin(event.promise, waitMs, { signal });
      slot.waiters.delete(event.resolve);
    }
    const current = this.slots.get(callSid);
    if (current && current.status === "done" && current.result !== null) {
      return { text: current.result, end_call: current.end_call };
    }
    return null;
  }

  /**
   * Status callback: forget the call's slot and transcript. Like `_PENDING.pop`, this sets no event: a
   * webhook still waiting on the slot keeps its thread until its own timeout.
   */
  clearCall(callSid: string): void {
    this.slots.delete(callSid);
    this.transcripts.delete(callSid);
  }

  appendTranscript(callSid: string, turn: TranscriptTurn): void {
    let list = this.transcripts.get(callSid);
    if (!list) {
      list = [];
      this.transcripts.set(callSid, list);
    }
    list.push(turn);
  }

  transcript(callSid: string): TranscriptTurn[] {
    return this.transcripts.get(callSid) ?? [];
  }

  /** `_cleanup`: evicts slots idle for longer than the TTL. Runs only when a message is queued. */
  private cleanup(): void {
    const now = this.opts.now();
    for (const [sid, slot] of this.slots) {
      if (now - slot.ts > this.opts.slotTtlMs) this.slots.delete(sid);
    }
  }

  /** Debug view for the simulation API. */
  snapshot(): {
    queues: Record<string, QueuedMessage[]>;
    waiting: Record<string, number>;
    slots: Record<string, { status: string; end_call: boolean; age_ms: number }>;
  } {
    const now = this.opts.now();
    return {
      queues: Object.fromEntries([...this.queues].map(([k, v]) => [k, [...v]])),
      waiting: Object.fromEntries([...this.waiters].map(([k, v]) => [k, v.length])),
      slots: Object.fromEntries(
        [...this.slots].map(([k, s]) => [k, { status: s.status, end_call: s.end_call, age_ms: now - s.ts }]),
      ),
    };
  }
}
