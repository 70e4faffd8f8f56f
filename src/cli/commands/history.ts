import type { CommandContext } from "../command.js";
import { clean, duration, json, when } from "../format.js";
import { parseCommandArgs, runRelayCommand } from "../relay-command.js";
import { usageError } from "../validate.js";

export const summary = "recent calls, newest first ([--limit N] [--transcripts] [--json])";
export const usage = `Usage: clawcall history [--limit N] [--transcripts] [--json]

Lists this agent's calls, newest first: when, direction and kind, status, length, and who.
  --limit N       how many (0-100; the relay's default is 20)
  --transcripts   also print what was said, for calls that have a stored transcript
  --json          the relay's answer as JSON

Examples:
  clawcall history
  clawcall history --limit 5 --transcripts`;

const KIND: Record<string, string> = {
  user_initiated: "you called",
  task_callback: "callback",
  scheduled: "scheduled",
  third_party: "third party",
};
const ROLE: Record<string, string> = { user: "you", agent: "agent", third_party: "them" };

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  return runRelayCommand(ctx, "history", async (h) => {
    const { values, positionals } = parseCommandArgs({
      args: argv,
      options: {
        limit: { type: "string" },
        transcripts: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
      },
    });
    if (positionals.length > 0) throw usageError(`unexpected argument "${clean(positionals[0], 40)}"`);
    let limit: number | undefined;
    if (values.limit !== undefined) {
      // The relay answers an HTML 500 for anything but a non-negative integer.
      if (!/^\d+$/.test(values.limit.trim()) || Number(values.limit) > 100) {
        throw usageError(`--limit must be a whole number from 0 to 100 (got "${clean(values.limit, 20)}")`);
      }
      limit = Number(values.limit);
    }
    const config = h.config();
    const res = await h.relay().history({
      ...(limit !== undefined ? { limit } : {}),
      transcripts: values.transcripts,
    });
    if (values.json) {
      ctx.out(json(res));
      return 0;
    }
    if (res.calls.length === 0) {
      ctx.out("No calls yet.");
      return 0;
    }
    const tz = config.identity.timeZone;
    for (const c of res.calls) {
      const kind = KIND[c.call_type] ?? clean(c.call_type, 20);
      const who =
        c.direction === "inbound" && c.from_number
          ? `from ${clean(c.from_number, 20)}`
          : c.to_number
            ? `to ${clean(c.to_number, 20)}`
            : "";
      ctx.out(
        [
          when(c.started_at, tz),
          `${clean(c.direction, 10)} (${kind})`,
          clean(c.status, 20),
          duration(c.duration_seconds),
          who,
          clean(c.twilio_call_sid ?? "", 40),
        ]
          .filter(Boolean)
          .join("  "),
      );
      if (values.transcripts) {
        if (!c.transcript || c.transcript.length === 0) ctx.out("    (no transcript)");
        for (const t of c.transcript ?? []) {
          ctx.out(`    ${(ROLE[t.role] ?? clean(t.role, 12)).padEnd(6)} ${clean(t.text, 2000)}`);
        }
      }
    }
    ctx.out(`(${res.calls.length} call${res.calls.length === 1 ? "" : "s"}; times in ${tz})`);
    return 0;
  });
}
