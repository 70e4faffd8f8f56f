import type { CommandContext } from "../command.js";
import { clean, json } from "../format.js";
import { parseCommandArgs, runRelayCommand, softphoneHint } from "../relay-command.js";
import { normalizeE164, usageError } from "../validate.js";

export const summary = "have your agent phone someone else for you (<+number> --objective …; Pro)";
export const usage = `Usage: clawcall call <+number> --objective "…" [--context "…"] [--json]

The relay dials the number; your agent holds the conversation to reach the objective. When your
agent ends the call, the outcome and transcript arrive to it as [THIRD PARTY COMPLETE]; see also
\`clawcall history --transcripts\`. Needs the Pro or Team tier.

  <+number>    who to call, in E.164 (+, country code, number)
  --objective  what the call should achieve (required)
  --context    facts the agent may use (names, times, constraints)

Example:
  clawcall call +14155550123 --objective "Book a table for 2 at 7pm tonight" --context "Name: Sam"`;

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  return runRelayCommand(ctx, "call", async (h) => {
    const { values, positionals } = parseCommandArgs({
      args: argv,
      options: {
        objective: { type: "string" },
        context: { type: "string", default: "" },
        json: { type: "boolean", default: false },
      },
    });
    if (positionals.length !== 1) throw usageError("give exactly one number to call, e.g. +14155550123");
    const to = normalizeE164(positionals[0]!, "the number to call");
    const objective = (values.objective ?? "").trim();
    if (objective === "") throw usageError("--objective is required: what the call should achieve");
    const res = await h.relay().thirdParty({ to_number: to, objective, context: values.context.trim() });
    if (values.json) {
      ctx.out(json(res));
      return 0;
    }
    ctx.out(`Calling ${to} now (job ${clean(res.job_id, 40)}, call ${clean(res.call_sid, 40)}).`);
    ctx.out(
      "Your agent holds the conversation; when it ends the call the outcome reaches it as [THIRD PARTY COMPLETE]. If the line is busy or nobody answers, nothing is reported: check `clawcall history --transcripts`.",
    );
    const hint = softphoneHint(h.config());
    if (hint) ctx.out(hint);
    return 0;
  });
}
