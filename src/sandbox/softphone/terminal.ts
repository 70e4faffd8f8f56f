/**
 * What the caller hears, as terminal lines (shared by `clawcall phone` and `clawcall say`), and a
 * follower that polls a simulated call's event log and hands over each new event once.
 */
import { sleep } from "../../util/sleep.js";
import { isEnded, type SimCallView, type SimClient, type SimEvent } from "./sim-client.js";

/** Timing state of the turn being answered: from the message queued for the agent. */
export interface TurnClock {
  anchorMs: number | null;
  fillers: number;
}

export function newTurnClock(): TurnClock {
  return { anchorMs: null, fillers: 0 };
}

export interface FormatOptions {
  /** Print the caller's own lines (useful when stdin is not a terminal). */
  echoCaller: boolean;
  /** Print plumbing too (messages queued, gathers, webhooks). */
  verbose: boolean;
}

const HANGUP_REASONS: Readonly<Record<string, string>> = {
  caller: "you hung up",
  end_call: "the agent ended the call",
  silence: "silence",
  rejected: "rejected",
  no_answer: "nobody answered",
  canceled: "cancelled",
  twiml_end: "the relay had nothing more to say",
  application_error: "the relay's webhook took too long (Twilio application error)",
  sandbox_closed: "the sandbox stopped",
  refused: "refused by the relay",
};

function str(v: unknown): string {
  return typeof v === "string" ? v : v === undefined || v === null ? "" : String(v);
}

/** Seconds with one decimal, e.g. "12.0 s". */
export function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

/** Strips control characters so agent or caller text cannot drive the terminal. */
export function clean(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, "").replace(/\n/g, " ");
}

/** Updates the turn clock with `ev` and returns the line to print, if any. */
export function formatEvent(ev: SimEvent, clock: TurnClock, opts: FormatOptions): string | undefined {
  const text = clean(str(ev.text));
  const since = () => (clock.anchorMs === null ? "" : seconds(ev.ms - clock.anchorMs));
  switch (ev.type) {
    case "message_queued":
      clock.anchorMs = ev.ms;
      clock.fillers = 0;
      return opts.verbose ? `  (queued for the agent: ${str(ev.kind) || "message"})` : undefined;
    case "greeting":
    case "didnt_catch":
    case "still_there":
    case "notice":
    case "callback_message":
      return `agent: ${text}`;
    case "filler": {
      clock.fillers += 1;
      const t = since();
      const what = ev.as_answer ? "filler spoken as the answer" : "filler";
      return `  … "${text}" (${what}${t ? `, ${t}` : ""})`;
    }
    case "answer_spoken": {
      const t = since();
      clock.anchorMs = null;
      clock.fillers = 0;
      return `agent${t ? ` (${t})` : ""}: ${text}${ev.end_call ? "  [ends the call]" : ""}`;
    }
    case "caller_said":
      return opts.echoCaller ? `you: ${text}` : undefined;
    case "third_party_said":
      return opts.echoCaller ? `third party: ${text}` : undefined;
    case "caller_unheard":
      return `  (not heard: nobody was listening — wait for the agent to finish)`;
    case "caller_silent":
      return opts.verbose ? "  (silence)" : undefined;
    case "hangup": {
      const reason = str(ev.reason);
      return `call ended${reason ? `: ${HANGUP_REASONS[reason] ?? reason.replace(/_/g, " ")}` : ""}`;
    }
    case "application_error":
      return `  (Twilio gave up on /${str(ev.webhook)}: application error)`;
    case "gather":
    case "webhook":
    case "status":
    case "created":
    case "answered":
    case "ringing":
    case "completion_queued":
      return opts.verbose
        ? `  (${ev.type}${ev.name ? ` ${str(ev.name)}` : ""}${ev.status ? ` ${str(ev.status)}` : ""})`
        : undefined;
    default:
      return opts.verbose ? `  (${ev.type})` : undefined;
  }
}

/**
 * Polls one call and delivers each new event once, in order. `until` returns when the predicate holds,
 * the call has ended, or the deadline passes.
 */
export class CallFollower {
  call: SimCallView | undefined;
  #seen = 0;
  #errors = 0;

  constructor(
    private readonly client: SimClient,
    readonly sid: string,
    private readonly onEvent: (ev: SimEvent, call: SimCallView) => void,
    private readonly intervalMs = 100,
  ) {}

  /** Fetches the call once and delivers new events. Three failures in a row throw. */
  async tick(): Promise<SimCallView> {
    try {
      const call = await this.client.call(this.sid);
      this.#errors = 0;
      this.call = call;
      while (this.#seen < call.events.length) {
        const ev = call.events[this.#seen]!;
        this.#seen += 1;
        this.onEvent(ev, call);
      }
      return call;
    } catch (err) {
      this.#errors += 1;
      if (this.#errors >= 3 || !this.call) throw err;
      return this.call;
    }
  }

  get ended(): boolean {
    return this.call ? isEnded(this.call) : false;
  }

  /** Index of the last event delivered, or -1. */
  get lastIndex(): number {
    return this.#seen - 1;
  }

  async until(
    pred: (call: SimCallView) => boolean,
    deadline = Number.POSITIVE_INFINITY,
    signal?: AbortSignal,
  ): Promise<"ok" | "ended" | "timeout" | "aborted"> {
    for (;;) {
      const call = await this.tick();
      if (pred(call)) return "ok";
      if (isEnded(call)) return "ended";
      if (Date.now() >= deadline) return "timeout";
      if (!(await sleep(Math.min(this.intervalMs, Math.max(1, deadline - Date.now())), signal)))
        return "aborted";
    }
  }
}

/**
 * The latest `gather` event whose prompt has been spoken and that is still listening, or undefined.
 * The caller is heard only then (or during the prompt: barge-in), as on a real Twilio line.
 */
export function listeningGather(call: SimCallView): SimEvent | undefined {
  if (call.phase !== undefined && call.phase !== "listening") return undefined;
  for (let i = call.events.length - 1; i >= 0; i--) {
    const t = call.events[i]!.type;
    if (t === "gather") return call.events[i];
    if (t === "caller_said" || t === "third_party_said" || t === "caller_silent" || t === "hangup")
      return undefined;
  }
  return undefined;
}
