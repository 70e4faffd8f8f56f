import type { CommandContext } from "../command.js";
import { clean, json } from "../format.js";
import { parseCommandArgs, runRelayCommand } from "../relay-command.js";
import { checkHttpUrl, usageError } from "../validate.js";

export const summary = "Team push webhook: set <url> | clear (the relay POSTs each call's status there)";
export const usage = `Usage:
  clawcall webhook set <url> [--json]
  clawcall webhook clear [--json]

Team tier. After each call's status change the relay POSTs JSON
{"event":"call.status","call_sid","status","duration_seconds","call_type","direction"} to this URL:
once, 10 s timeout, no retry, and with no signature or auth header (anyone who learns the URL can
post look-alike events; do not act on them without checking with \`clawcall history\`). The URL belongs
to the agent this CLI's key is for; \`clawcall agents list\` shows each agent's.

Examples:
  clawcall webhook set https://example.com/clawcall-events
  clawcall webhook clear`;

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  return runRelayCommand(ctx, "webhook", async (h) => {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseCommandArgs({
      args: rest,
      options: { json: { type: "boolean", default: false } },
    });
    let url: string | null;
    if (sub === "set") {
      if (positionals.length !== 1) throw usageError("give one URL: clawcall webhook set https://…");
      url = checkHttpUrl(positionals[0]!);
    } else if (sub === "clear") {
      if (positionals.length > 0) throw usageError(`unexpected argument "${clean(positionals[0], 40)}"`);
      url = null;
    } else {
      throw usageError(
        sub === undefined
          ? "say set <url> or clear"
          : `unknown subcommand "${clean(sub, 20)}" — use set or clear`,
      );
    }
    const res = await h.relay().setPushWebhook(url);
    if (values.json) ctx.out(json(res));
    else if (res.webhook_push_url) {
      ctx.out(`Push webhook set: the relay POSTs each call's status to ${clean(res.webhook_push_url, 200)}.`);
    } else ctx.out("Push webhook cleared: the relay no longer posts call status events.");
    return 0;
  });
}
