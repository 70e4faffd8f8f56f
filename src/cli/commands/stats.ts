import { readTurnRecord, turnRecordDir } from "../../state/turn-record.js";
import type { CommandContext } from "../command.js";
import { clean, json, rows, when } from "../format.js";
import { parseCommandArgs } from "../relay-command.js";
import { parseSince, reportRows, summarise } from "../turn-stats.js";
import { usageError } from "../validate.js";

export const summary =
  "answers, latencies, fillers and holding lines per turn ([--since 1h|1d|7d|DATE] [--json])";
export const usage = `Usage: clawcall stats [--since 1h|1d|7d|<ISO date>] [--json]

Sums up the per-turn record the bridge and the listener keep in the state dir (8 days at most):
answers by source and the fast-path share, model latency p50/p95/max, end-to-end latency (the relay
handing over the caller's words to our answer being posted), how often a caller heard a relay filler
(our answer came after the relay's 12 s wait) or one of our holding lines, deferred answers,
callbacks made and model errors.
  --since   the window: 30m, 1h, 1d (default), 7d, or from an ISO date or time
  --json    the same figures as JSON (latencies in ms)

Examples:
  clawcall stats
  clawcall stats --since 7d --json`;

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    options: { since: { type: "string", default: "1d" }, json: { type: "boolean", default: false } },
  });
  if (positionals.length > 0) throw usageError(`unexpected argument "${clean(positionals[0], 40)}"`);
  const now = ctx.now();
  const since = parseSince(values.since, now);
  const { stateDir, identity } = ctx.config();
  const read = readTurnRecord(stateDir, since);
  const report = summarise(read.lines, {
    since,
    until: now,
    recorded: read.found,
    unreadable: read.unreadable,
  });
  if (values.json) {
    ctx.out(json(report));
    return 0;
  }
  if (!read.found) {
    ctx.out(
      `No turns recorded yet (${turnRecordDir(stateDir)}): the bridge and the listener add one line per turn once they run (\`clawcall up\`, then a call or \`clawcall say "hello"\`).`,
    );
    return 0;
  }
  ctx.out(`Turns since ${when(report.since, identity.timeZone)} (--since ${clean(values.since, 30)})`);
  for (const line of rows(reportRows(report))) ctx.out(`  ${line}`);
  if (report.unreadable > 0) ctx.out(`  (${report.unreadable} unreadable lines skipped)`);
  return 0;
}
