export { assertCallSid, callSidKind, isValidCallSid } from "./call-sid.js";
export type { RelayClientOptions } from "./client.js";
export {
  createRelayClient,
  LISTEN_MAX_TIMEOUT_S,
  LISTEN_READ_MARGIN_MS,
  parseRetryAfter,
  RelayClient,
} from "./client.js";
export type { RelayEvent, RelayEventKind } from "./messages.js";
export { EVENT_KINDS, isThirdPartyTurn, PREFIX, parseRelayMessage } from "./messages.js";
export * as schemas from "./schemas.js";
