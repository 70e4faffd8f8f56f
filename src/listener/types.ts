import type { schemas } from "../relay/index.js";
import type { RelayEvent, RelayEventKind } from "../relay/messages.js";

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

/** What the poll loop knows about the relay queue (PollSource); answers and sweeps ask it. */
export interface QueueWatch {
  /** True once a poll sent at or after `since` came back empty; false if `signal` aborts first. */
  waitForQuiet(since: number, signal?: AbortSignal): Promise<boolean>;
  /** Clock time the last poll came back (a message or empty), if any. */
  readonly lastPollAt: number | undefined;
  /** No poll failed since `noFailureSince` and one came back just now: queued messages reach us. */
  pollHealthy(noFailureSince: number): boolean;
  /** The last poll failed and none has come back since. */
  readonly relayDown: boolean;
  /** True once a poll comes back (at once if the relay is not down); false if `signal` aborts first. */
  waitForReturn(signal?: AbortSignal): Promise<boolean>;
}

/** What the dispatcher knows about calls (Dispatcher); sweeps ask it. */
export interface CallWatch {
  /** Clock time the last message for this call arrived in this process, if any. */
  lastSeen(callSid: string): number | undefined;
  /** True while a turn for this call is queued or running: it will be answered anyway. */
  isBusy(callSid: string): boolean;
}
