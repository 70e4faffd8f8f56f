/** The guest desk assembled from the config: caller check, optional PIN, the message store. */
import type { Config } from "../config/index.js";
import type { Logger } from "../log.js";
import { readOwnerPhone } from "../state/owner-phone.js";
import { settledWithin } from "../util/async.js";
import { CallerCheck } from "./caller-check.js";
import type { ContextStore, RelayLike } from "./context/index.js";
import type { Conversations } from "./conversations.js";
import { GuestDesk } from "./guest.js";
import { GuestMessages } from "./guest-messages.js";
import type { ModelGate } from "./model-gate.js";
import { PinGate } from "./owner-pin.js";

export function buildGuestDesk(
  config: Config,
  d: {
    relay: RelayLike | undefined;
    context: ContextStore;
    conversations: Conversations;
    gate: ModelGate;
    log: Logger;
    now: () => number;
    onGuestTurn?: () => void;
  },
): GuestDesk {
  const callers = new CallerCheck({
    relay: d.relay,
    // Not loaded yet (a call right after start): load it now rather than fail this turn closed.
    account: async () => {
      if (!d.context.account) await settledWithin(d.context.refresh("account"), 2_500);
      return d.context.account;
    },
    // Read per new call: `clawcall account --set-phone` may change it while the bridge runs.
    ownerPhones: () => {
      const recorded = readOwnerPhone(config.stateDir);
      return recorded ? [...config.owner.phones, recorded] : config.owner.phones;
    },
    logger: d.log,
  });
  return new GuestDesk({
    callers,
    pin: config.owner.pin ? new PinGate(config.owner.pin) : undefined,
    messages: new GuestMessages({ stateDir: config.stateDir, logger: d.log, now: d.now }),
    gate: d.gate,
    context: d.context,
    conversations: d.conversations,
    timeZone: config.identity.timeZone,
    now: d.now,
    ...(d.onGuestTurn ? { onGuestTurn: d.onGuestTurn } : {}),
  });
}
