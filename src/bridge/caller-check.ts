/**
 * Who is calling: the owner, or a guest. A dedicated number accepts any caller, so before anything
 * private the bridge reads the relay's call history for the call's `from_number` and compares it
 * with the owner's phones. Fails closed: while the check cannot be made (relay unreachable, account
 * not loaded yet) the caller is a guest, and the next turn checks again.
 */
import { ClawcallError } from "../errors.js";
import type { Logger } from "../log.js";
import type { schemas } from "../relay/index.js";
import { NOTIFY_SID_RE } from "../relay/schemas.js";
import { toE164 } from "../util/e164.js";
import type { RelayLike } from "./context/index.js";

/**
 * Why the verdict is what it is. `owner_number`: the caller ID is one of the owner's phones;
 * `shared_number`: the call came in on the shared number, where the relay only admits the caller ID
 * registered to this account; `outbound`: the relay dialled the owner (callback, scheduled call);
 * `no_relay`: no phone network at all (unit tests, local posts). The rest make a guest.
 */
export type CallerBasis =
  | "owner_number"
  | "shared_number"
  | "outbound"
  | "notify"
  | "no_relay"
  | "other_number"
  | "unknown_call"
  | "unchecked";

export interface CallerVerdict {
  role: "owner" | "guest";
  basis: CallerBasis;
  /** The caller's number (E.164) when the history gave one. */
  from: string | undefined;
}

export interface CallerCheckOptions {
  relay: RelayLike | undefined;
  /** The relay account as last loaded (whether the agent has a dedicated number); undefined until then. */
  account: () => Promise<schemas.AccountResponse | undefined>;
  /** The owner's phones in E.164 (configured and recorded by the CLI). */
  ownerPhones: () => readonly string[];
  logger: Logger;
  /** Deadline for one history read. Default 2.5 s (the turn waits for it). */
  timeoutMs?: number;
  /** History entries read (the live call is among the newest). Default 50. */
  historyLimit?: number;
}

/** Verdicts kept (one per call). */
const MAX_CACHED = 500;

export class CallerCheck {
  readonly #o: CallerCheckOptions;
  readonly #log: Logger;
  readonly #cache = new Map<string, CallerVerdict>();
  readonly #inFlight = new Map<string, Promise<CallerVerdict>>();
  #failing = false;

  constructor(o: CallerCheckOptions) {
    this.#o = o;
    this.#log = o.logger.child({ component: "caller-check" });
  }

  /** The verdict for a call; settled ones are cached, "unchecked" ones are tried again next time. */
  verdict(callSid: string): Promise<CallerVerdict> {
    if (NOTIFY_SID_RE.test(callSid))
      return Promise.resolve({ role: "owner", basis: "notify", from: undefined });
    if (!this.#o.relay) return Promise.resolve({ role: "owner", basis: "no_relay", from: undefined });
    const cached = this.#cache.get(callSid);
    if (cached) return Promise.resolve(cached);
    const running = this.#inFlight.get(callSid);
    if (running) return running;
    const p = this.#check(this.#o.relay, callSid).finally(() => this.#inFlight.delete(callSid));
    this.#inFlight.set(callSid, p);
    return p;
  }

  async #check(relay: RelayLike, callSid: string): Promise<CallerVerdict> {
    let calls: schemas.HistoryItem[];
    try {
      const signal = AbortSignal.timeout(this.#o.timeoutMs ?? 2_500);
      calls = (await relay.history({ limit: this.#o.historyLimit ?? 50 }, { signal })).calls;
    } catch (err) {
      if (!this.#failing) {
        this.#failing = true;
        const code = err instanceof ClawcallError ? err.code : undefined;
        this.#log.warn({ code }, "cannot read the relay's call history: callers are guests until it works");
      }
      return { role: "guest", basis: "unchecked", from: undefined };
    }
    if (this.#failing) {
      this.#failing = false;
      this.#log.info("the relay's call history is readable again");
    }
    const v = await this.#judge(calls.find((c) => c.twilio_call_sid === callSid));
    if (v.basis !== "unchecked") this.#remember(callSid, v);
    this.#log.info({ callSid, role: v.role, basis: v.basis }, "caller checked");
    return v;
  }

  async #judge(call: schemas.HistoryItem | undefined): Promise<CallerVerdict> {
    if (!call) return { role: "guest", basis: "unknown_call", from: undefined };
    const from = toE164(call.from_number);
    if (call.direction === "outbound") {
      // The relay dials only the owner's phone for callbacks and scheduled calls.
      const toOwner = call.call_type === "task_callback" || call.call_type === "scheduled";
      return { role: toOwner ? "owner" : "guest", basis: toOwner ? "outbound" : "other_number", from };
    }
    if (from && this.#o.ownerPhones().includes(from)) return { role: "owner", basis: "owner_number", from };
    const account = await this.#o.account();
    if (!account) return { role: "guest", basis: "unchecked", from };
    // Any number but the agent's own dedicated one is the shared number, where the relay admits
    // only the caller ID registered to this account.
    const dedicated = account.is_dedicated ? toE164(account.phone_number) : undefined;
    const to = toE164(call.to_number);
    if (to && to !== dedicated) return { role: "owner", basis: "shared_number", from };
    return { role: "guest", basis: "other_number", from };
  }

  #remember(callSid: string, v: CallerVerdict): void {
    this.#cache.set(callSid, v);
    if (this.#cache.size > MAX_CACHED) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
  }
}
