import type { ModelMode } from "../../config/index.js";
import type { Turn } from "../conversations.js";

export interface ModelRequest {
  callSid: string;
  /** Short phone instruction (identity, user, zone, now, "one to three short spoken sentences"). */
  system: string;
  /** The new text for the model (third-party speech comes already delimited). */
  utterance: string;
  /** Recent turns of this call (only `openai` mode sends them; the gateway keeps its own). */
  history: readonly Turn[];
  /** Aborts the work (the bridge's own work deadline or shutdown). */
  signal: AbortSignal;
  purpose: "caller" | "scheduled" | "third_party" | "guest" | "summary";
  /** The streamed reply so far (HTTP back ends only); the gate speaks its whole sentences at the deadline. */
  onText?: (soFar: string) => void;
}

export interface ModelReply {
  text: string;
  /** Which path answered: gateway-http, gateway-cli, local-cli, openai. */
  via: string;
}

export interface GatewayFacts {
  /** null until the first probe. */
  reachable: boolean | null;
  chat_completions: boolean | null;
}

export interface ModelBackend {
  readonly mode: ModelMode;
  /** What /health reports as `model`. */
  readonly modelName: string;
  complete(req: ModelRequest): Promise<ModelReply>;
  gateway(): GatewayFacts;
  /**
   * One keep-warm turn in a dedicated session (gateway mode over HTTP only; see warm-up.ts). The reply
   * is read to its end and dropped.
   */
  warmUp?(sessionKey: string, signal: AbortSignal): Promise<void>;
  /** Background probe (gateway mode); never on the request path. */
  probe(): Promise<void>;
  close(): Promise<void>;
}
