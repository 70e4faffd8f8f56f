import { writeOwnerPhone } from "../../state/owner-phone.js";
import type { CommandContext } from "../command.js";
import { clean, day, json, rows } from "../format.js";
import { parseCommandArgs, relayLabel, runRelayCommand } from "../relay-command.js";
import { normalizeE164, usageError } from "../validate.js";

export const summary = "show tier, minutes used and left, and the number to call (--json for the raw object)";
export const usage = `Usage: clawcall account [--json]
       clawcall account --set-phone +14155550100

Shows the account of the configured API key: email, agent, tier, minutes used and remaining this
month, and the number to call.

  --json       print the relay's account object as JSON
  --set-phone  change your personal phone (E.164): the number the free tier accepts calls from,
               and the one callbacks and scheduled calls ring

Examples:
  clawcall account
  clawcall account --json`;

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  return runRelayCommand(ctx, "account", async (h) => {
    const { values, positionals } = parseCommandArgs({
      args: argv,
      options: { json: { type: "boolean", default: false }, "set-phone": { type: "string" } },
    });
    if (positionals.length > 0) throw usageError(`unexpected argument "${clean(positionals[0], 40)}"`);
    const config = h.config();
    const client = h.relay();

    if (values["set-phone"] !== undefined) {
      const phone = normalizeE164(values["set-phone"], "--set-phone");
      const res = await client.setPhone(phone);
      // The bridge tells its owner's calls from guests' by this number (src/bridge/caller-check.ts).
      writeOwnerPhone(config.stateDir, phone);
      if (values.json) ctx.out(json(res));
      else {
        ctx.out(
          `Your phone is now ${clean(res.phone_number, 20)}: call your agent from it; callbacks and scheduled calls ring it.`,
        );
      }
      return 0;
    }

    const acc = await client.account();
    if (values.json) {
      ctx.out(json(acc));
      return 0;
    }
    const tier = clean(acc.tier, 10);
    // Paid plans have an end date; it lives in billing status. Best effort: the summary stands without it.
    let plan = tier;
    if (tier !== "free") {
      const st = await client.billingStatus().catch(() => undefined);
      if (st?.subscription_valid_until) {
        plan = `${tier} — valid until ${day(st.subscription_valid_until)}${st.days_remaining === null || st.days_remaining === undefined ? "" : ` (${st.days_remaining} days left)`}`;
      }
    }
    const left = acc.minutes_remaining;
    const minutes =
      `${acc.minutes_used} of ${acc.minutes_limit} used this month, ${left} left` +
      (left <= 0
        ? tier === "free"
          ? " — limit reached: calls are refused until the 1st (UTC) or `clawcall billing checkout pro`"
          : " — included minutes used up: overage up to 5 min, then `clawcall billing checkout`"
        : "");
    const number = acc.phone_number
      ? `${clean(acc.phone_number, 20)} ${acc.is_dedicated ? "(dedicated: anyone can call it)" : "(shared: call it from your registered phone)"}`
      : "none yet (the relay has no number to give out)";
    const agent = acc.agent_name ? `"${clean(acc.agent_name, 60)}"` : "(unnamed)";
    for (const line of rows([
      ["Account", clean(acc.email, 100)],
      ["Agent", `${agent} (${clean(acc.agent_id, 40)})`],
      ["Tier", plan],
      ["Minutes", minutes],
      ["Number", number],
      ["Relay", relayLabel(config)],
    ])) {
      ctx.out(line);
    }
    return 0;
  });
}
