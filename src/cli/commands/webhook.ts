import { SANDBOX_PUSH_HOSTS } from "../../sandbox/webhooks.js";
import type { CommandContext } from "../command.js";
import { clean, json } from "../format.js";
import { type CommandHelpers, isSandboxUrl, parseCommandArgs, runSubcommands } from "../relay-command.js";
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
The sandbox relay (no key set) stores any URL but posts only to 127.0.0.1 or localhost.

Examples:
  clawcall webhook set https://example.com/clawcall-events
  clawcall webhook clear`;

async function apply(url: string | null, json_: boolean, ctx: CommandContext, h: CommandHelpers) {
  const res = await h.relay().setPushWebhook(url);
  if (json_) ctx.out(json(res));
  else if (res.webhook_push_url) {
    ctx.out(`Push webhook set: the relay POSTs each call's status to ${clean(res.webhook_push_url, 200)}.`);
    // The sandbox stores any URL but posts only on this machine: say so rather than stay silent.
    const url = res.webhook_push_url;
    const host = URL.canParse(url) ? new URL(url).hostname : "";
    if (host && isSandboxUrl(h.config()) && !SANDBOX_PUSH_HOSTS.includes(host)) {
      ctx.out(
        `Sandbox: it posts only to 127.0.0.1 or localhost, so ${clean(host, 80)} gets nothing until a real key is set.`,
      );
    }
  } else ctx.out("Push webhook cleared: the relay no longer posts call status events.");
  return 0;
}

function args(argv: string[]) {
  return parseCommandArgs({ args: argv, options: { json: { type: "boolean", default: false } } });
}

async function set(argv: string[], ctx: CommandContext, h: CommandHelpers): Promise<number> {
  const { values, positionals } = args(argv);
  if (positionals.length !== 1) throw usageError("give one URL: clawcall webhook set https://…");
  return apply(checkHttpUrl(positionals[0]!), values.json, ctx, h);
}

async function clear(argv: string[], ctx: CommandContext, h: CommandHelpers): Promise<number> {
  const { values, positionals } = args(argv);
  if (positionals.length > 0) throw usageError(`unexpected argument "${clean(positionals[0], 40)}"`);
  return apply(null, values.json, ctx, h);
}

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  return runSubcommands(ctx, "webhook", argv, { set, clear });
}
