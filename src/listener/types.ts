import type { Logger } from "../log.js";
import type { schemas } from "../relay/index.js";
import type { RelayEvent, RelayEventKind } from "../relay/messages.js";
import type { Clock } from "./clock.js";

/** The slice of the relay client the listener uses (tests pass fakes). */
export interface RelayPort {
  listen(timeoutS: number, signal?: AbortSignal): Promise<schemas.ListenResponse>;
  respond(
    callSid: string,
    response: string,
    endCall: boolean,
    o?: { signal?: AbortSignal },
  ): Promise<{ ok: true }>;
  history(
    opts?: { limit?: number; transcripts?: boolean },
    o?: { signal?: AbortSignal },
  ): Promise<{ ok: true; calls: schemas.HistoryItem[] }>;
}

/** One message taken off the relay queue. */
export interface Inbound {
  callSid: string;
  message: string;
  /** Clock time the poll returned it. */
  receivedAt: number;
}

/** Event kinds the agent answers (a completion is a notification, never answered). */
export type TurnKind = Exclude<RelayEventKind, "third_party_complete" | "unknown">;

export interface AgentRequest {
  callSid: string;
  kind: TurnKind;
  /** The raw relay text, passed on as data. */
  message: string;
  event: RelayEvent;
}

export interface AgentAnswer {
  text: string;
  endCall: boolean;
}

/** HTTP (bridge) or CLI (`openclaw agent`). Both take a signal that fires at the turn deadline. */
export interface Agent {
  readonly mode: "HTTP" | "CLI";
  answer(req: AgentRequest, signal: AbortSignal): Promise<AgentAnswer>;
  /** A third-party completion: handed on, its answer ignored. */
  notify(callSid: string, message: string, event: RelayEvent, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export interface CommonDeps {
  clock: Clock;
  logger: Logger;
}
