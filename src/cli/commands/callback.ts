import type { CommandContext } from "../command.js";
import { clean, json } from "../format.js";
import { parseCommandArgs, runRelayCommand, softphoneHint } from "../relay-command.js";
import { usageError } from "../validate.js";

export const summary = 'have the relay call you now and say a message ("…" [--no-followup]; Pro)';
export const usage = `Usage: clawcall callback "message" [--no-followup] [--json]

The relay calls your registered phone now and speaks the message. By default you can answer and
talk to your agent on the same call; with --no-followup it hangs up after the message.
Needs the Pro or Team tier and a personal phone on the account.

Examples:
  clawcall callback "Your build finished: all 312 tests passed."
  clawcall callback "Reminder: stand-up in 5 minutes" --no-followup`;

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  return runRelayCommand(ctx, "callback", async (h) => {
    const { values, positionals } = parseCommandArgs({
      args: argv,
      options: {
        "no-followup": { type: "boolean", default: false },
        json: { type: "boolean", default: false },
      },
    });
    const message = positionals.join(" ").trim();
    if (message === "")
      throw usageError('give the message to speak, e.g. clawcall callback "Your build finished"');
    const followup = !values["no-followup"];
    const res = await h.relay().callback(message, followup);
    if (values.json) {
      ctx.out(json(res));
      return 0;
    }
    ctx.out(`Calling your phone now (call ${clean(res.call_sid, 40)}).`);
    ctx.out(
      followup
        ? "It will say your message, then listen: what you answer reaches your agent on that call."
        : "It will say your message and hang up.",
    );
    const hint = softphoneHint(h.config());
    if (hint) ctx.out(hint);
    return 0;
  });
}
