import type { Logger } from "../log.js";
import { deferred, withDeadline } from "../util/async.js";

/** The simulator's event log: every call's ordered, timestamped events, and waits for the next one. */

export interface CallEvent {
  /** Position in this call's log, from 0. */
  index: number;
  /** Position across all calls, from 1. */
  seq: number;
  type: string;
  /** Epoch ms (sandbox clock). */
  t: number;
  /** Real ms since the call was created. */
  ms: number;
  /** Simulated seconds since the call was created (ms × timeScale / 1000). */
  sim_s: number;
  [key: string]: unknown;
}

/** One call's side of the log: its events, when it was created, and who waits on it. */
export interface LoggedCall {
  call: { events: CallEvent[] };
  createdMono: number;
  listeners: Set<() => void>;
}

export interface CallEventLogOptions {
  now: () => number;
  timeScale: number;
  log: Logger;
  /** Ends every wait (sandbox shutdown). */
  signal: AbortSignal;
}

export class CallEventLog {
  private seq = 0;
  private readonly globalListeners = new Set<() => void>();
  private readonly recent: Array<{ sid: string; ev: CallEvent }> = [];

  constructor(private readonly o: CallEventLogOptions) {}

  /** Appends an event to a call's log and wakes whoever waits on the call or on all calls. */
  append(sid: string, live: LoggedCall, type: string, data: Record<string, unknown> = {}): CallEvent {
    const ms = performance.now() - live.createdMono;
    this.seq += 1;
    const ev: CallEvent = {
      ...data,
      index: live.call.events.length,
      seq: this.seq,
      type,
      t: this.o.now(),
      ms: Math.round(ms),
      sim_s: Math.round((ms * this.o.timeScale) / 10) / 100,
    };
    live.call.events.push(ev);
    this.recent.push({ sid, ev });
    if (this.recent.length > 5000) this.recent.splice(0, this.recent.length - 5000);
    this.o.log.debug({ call_sid: sid, event: type }, "call event");
    for (const l of [...live.listeners]) l();
    for (const l of [...this.globalListeners]) l();
    return ev;
  }

  /**
   * Resolves with the first event of one of `types` whose index is above `after`, or null on timeout, or
   * "ended" when the call's log is final (after `status`) without such an event.
   */
  waitFor(
    live: LoggedCall,
    types: readonly string[],
    after: number,
    timeoutMs: number,
  ): Promise<CallEvent | null | "ended"> {
    const found = deferred<CallEvent | "ended">();
    const check = () => {
      const ev = live.call.events.find(
        (e) => e.index > after && (types.length === 0 || types.includes(e.type)),
      );
      if (ev) found.resolve(ev);
      else if (live.call.events.some((e) => e.type === "status")) found.resolve("ended");
      else return false;
      return true;
    };
    return this.eventWithin(found.promise, check, live.listeners, timeoutMs);
  }

  /** Like waitFor across all calls: the first matching event with `seq` above `afterSeq`. */
  waitForAny(
    types: readonly string[],
    afterSeq: number,
    timeoutMs: number,
  ): Promise<{ call_sid: string; event: CallEvent } | null> {
    const found = deferred<{ call_sid: string; event: CallEvent }>();
    const check = () => {
      const r = this.recent.find(
        (x) => x.ev.seq > afterSeq && (types.length === 0 || types.includes(x.ev.type)),
      );
      if (r) found.resolve({ call_sid: r.sid, event: r.ev });
      return r !== undefined;
    };
    return this.eventWithin(found.promise, check, this.globalListeners, timeoutMs);
  }

  lastSeq(): number {
    return this.seq;
  }

  /**
   * `found` once `check` (run now, then on every event while `on` holds it) resolves it; null on
   * timeout or when the simulator closes.
   */
  private async eventWithin<T>(
    found: Promise<T>,
    check: () => boolean,
    on: Set<() => void>,
    timeoutMs: number,
  ): Promise<T | null> {
    if (check()) return found;
    on.add(check);
    try {
      return await withDeadline(timeoutMs, () => found, { links: [this.o.signal] });
    } catch {
      return null;
    } finally {
      on.delete(check);
    }
  }
}
