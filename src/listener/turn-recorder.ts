/**
 * The listener's lines of the per-turn record (src/state/turn-record.ts): what only the listener
 * knows, the time from the relay handing us an utterance to the answer being posted, and whether that
 * was past the relay's wait, so the caller heard one of the relay's fillers first.
 */
import { spokenPin } from "../bridge/owner-pin.js";
import { AGENT_WAIT_MS } from "../relay/deadlines.js";
import type { CallKind, TurnRecord } from "../state/turn-record.js";
import type { Dispatcher, TurnReport } from "./dispatcher.js";
import type { TurnKind } from "./types.js";

export interface TurnRecorderOptions {
  record: TurnRecord;
  /** The relay's phone runs this much faster than real time (the sandbox's time scale; 1 live). */
  phoneTimeScale: number;
  /** A PIN is set: speech that reads as one is never recorded, even in debug mode. */
  ownerPin: boolean;
}

/** Who is on the call, as far as the listener can tell. */
function callKindOf(kind: TurnKind): CallKind {
  if (kind === "caller") return "caller";
  if (kind === "scheduled") return "scheduled";
  return "third_party";
}

/** One record line for a turn the dispatcher finished. */
export function listenerLine(r: TurnReport, o: Omit<TurnRecorderOptions, "record">) {
  const fillerAfterMs = AGENT_WAIT_MS / o.phoneTimeScale;
  const hidden = o.ownerPin && spokenPin(r.message) !== undefined;
  return {
    event: "answer" as const,
    by: "listener" as const,
    call: callKindOf(r.kind),
    source: r.source,
    result: r.result,
    e2e_ms: Math.round(r.totalMs),
    agent_ms: Math.round(r.agentMs),
    relay_filler: r.result === "delivered" && r.totalMs > fillerAfterMs,
    ...(hidden ? {} : { heard: r.message }),
  };
}

/** Adds a line to the record for every turn the dispatcher reports. */
export function recordTurns(dispatcher: Dispatcher, o: TurnRecorderOptions): void {
  dispatcher.on("turn", (r) => o.record.add(listenerLine(r, o)));
}
