import { z } from "zod";
import { relayLabel } from "../../cli/relay-command.js";
import { minutesWarning } from "../spend-guard.js";
import { guarded, ok, READ_ONLY, type Registrar, spendOut, warningOut, withWarning } from "../tool-kit.js";

/** The account, its minutes, and what is left of today's MCP call cap. */

export const registerAccount: Registrar = (server, deps) => {
  server.registerTool(
    "get_account",
    {
      title: "Account, tier and minutes",
      description:
        "The owner's ClawCall account: tier (free, pro or team), minutes used and left this month, the number to call their agent on, which relay this server uses (the local sandbox when no API key is set), and how many calls MCP may still place today. Callbacks, schedules and third-party calls need pro or team. Free; any tier.",
      inputSchema: {},
      outputSchema: {
        email: z.string(),
        tier: z.string(),
        phone_number: z.string().nullable().describe("the number to call the agent on"),
        is_dedicated: z.boolean(),
        minutes_used: z.number(),
        minutes_limit: z.number(),
        minutes_remaining: z.number(),
        can_place_calls: z.boolean().describe("the tier allows callbacks, schedules and third-party calls"),
        relay: z.string(),
        sandbox: z.boolean(),
        spend: spendOut,
        minutes_warning: warningOut,
      },
      annotations: { title: "Account, tier and minutes", ...READ_ONLY },
    },
    () =>
      guarded(deps, async () => {
        const a = await deps.relay.account();
        const warning = minutesWarning(a) ?? null;
        const spend = deps.guard.status();
        const out = {
          email: a.email,
          tier: a.tier,
          phone_number: a.phone_number,
          is_dedicated: a.is_dedicated,
          minutes_used: a.minutes_used,
          minutes_limit: a.minutes_limit,
          minutes_remaining: a.minutes_remaining,
          can_place_calls: a.tier === "pro" || a.tier === "team",
          relay: relayLabel(deps.config),
          sandbox: deps.config.relay.sandbox,
          spend,
          minutes_warning: warning,
        };
        const text = `Tier ${a.tier}; ${a.minutes_used} of ${a.minutes_limit} minutes used this month, ${a.minutes_remaining} left; ${spend.remaining_today} of ${spend.cap} MCP calls left today.`;
        return ok(withWarning(text, warning), out);
      }),
  );
};
