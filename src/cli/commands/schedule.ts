import { refreshBridgeContext } from "../../mcp/bridge-tasks.js";
import {
  checkTimeZone,
  describeStoredSchedule,
  formatRunTime,
  planSchedule,
  type SchedulePlan,
} from "../../relay/cron.js";
import type { CommandContext } from "../command.js";
import { clean, json, when } from "../format.js";
import { type CommandHelpers, parseCommandArgs, runSubcommands } from "../relay-command.js";
import { UUID_RE, usageError } from "../validate.js";

export const summary = "calls from your agent on a schedule: add --cron … | list | rm <id> (add: Pro)";
export const usage = `Usage:
  clawcall schedule add --cron "<min hour day month weekday>" [--label "…"] [--context "…"]
                        [--tz Europe/Berlin] [--dry-run] [--json]
  clawcall schedule list [--json]
  clawcall schedule rm <id> [--json]

add   The relay calls your phone at these times; your agent gets "[SCHEDULED] <context>" and
      speaks first. The cron expression and the zone are checked here and shown in words with the
      next three runs. Numeric weekdays are sent as names (1-5 → mon-fri, 0 or 7 → sun): the relay
      counts Monday as 0, so "0 8 * * 1-5" sent as is would ring Tuesday to Saturday.
      --tz defaults to CLAWCALL_TIMEZONE or the system zone. --dry-run checks without sending.
      Needs the Pro or Team tier.
list  Your schedules, described as the relay will really run them.
rm    Deletes a schedule by id (from \`clawcall schedule list\`).

Examples:
  clawcall schedule add --cron "0 8 * * 1-5" --label "Morning briefing" --context "calendar and news"
  clawcall schedule add --cron "30 18 * * fri" --tz America/New_York --dry-run
  clawcall schedule rm 0b7c0a2e-1111-4222-8333-444455556666`;

function printPlan(ctx: CommandContext, p: SchedulePlan, label: string, tzNote: string): void {
  ctx.out(`${label}: ${p.words} (${p.timeZone}${tzNote})`);
  if (p.relayCron !== p.input) {
    ctx.out(
      `Sent to the relay as "${p.relayCron}" (it counts Monday as 0, so weekdays go as names; "${p.input}" as is would run on other days).`,
    );
  } else {
    ctx.out(`Sent to the relay as "${p.relayCron}".`);
  }
  ctx.out("Next runs:");
  for (const d of p.next) ctx.out(`  ${formatRunTime(d, p.timeZone)}`);
}

async function add(argv: string[], ctx: CommandContext, h: CommandHelpers): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    options: {
      cron: { type: "string" },
      label: { type: "string", default: "Scheduled call" },
      context: { type: "string", default: "" },
      tz: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  if (positionals.length > 0) {
    throw usageError(
      `unexpected argument "${clean(positionals[0], 40)}" — quote the cron: --cron "0 8 * * 1-5"`,
    );
  }
  if (values.cron === undefined || values.cron.trim() === "") {
    throw usageError('--cron is required, e.g. --cron "0 8 * * 1-5" (minute hour day month weekday)');
  }
  const config = h.config();
  const tzGiven = values.tz !== undefined;
  const tz = checkTimeZone(values.tz ?? config.identity.timeZone);
  const plan = planSchedule(values.cron, tz, 3, new Date(ctx.now()));
  const label = values.label.trim() || "Scheduled call";
  const tzNote = tzGiven ? "" : ", your zone; --tz to change";

  if (values["dry-run"]) {
    if (values.json) {
      ctx.out(
        json({
          dry_run: true,
          cron: plan.relayCron,
          label,
          timezone: plan.timeZone,
          words: plan.words,
          next: plan.next,
        }),
      );
      return 0;
    }
    printPlan(ctx, plan, label, tzNote);
    ctx.out("Not sent (--dry-run).");
    return 0;
  }
  const res = await h.relay().createSchedule({
    cron: plan.relayCron,
    label,
    task_context: values.context.trim(),
    timezone: plan.timeZone,
  });
  // The phone answers "what's scheduled?" from the bridge's copy: refresh it now.
  await refreshBridgeContext(config);
  if (values.json) {
    ctx.out(json({ ...res, words: plan.words, next: plan.next }));
    return 0;
  }
  printPlan(ctx, plan, clean(res.label, 80) || label, tzNote);
  ctx.out(
    `Scheduled (id ${clean(res.id, 40)}). At each run the relay calls your phone and your agent speaks first.`,
  );
  return 0;
}

async function list(argv: string[], ctx: CommandContext, h: CommandHelpers): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    options: { json: { type: "boolean", default: false } },
  });
  if (positionals.length > 0) throw usageError(`unexpected argument "${clean(positionals[0], 40)}"`);
  const config = h.config();
  const res = await h.relay().listSchedules();
  if (values.json) {
    ctx.out(json(res));
    return 0;
  }
  if (res.schedules.length === 0) {
    ctx.out('No schedules. Add one: clawcall schedule add --cron "0 8 * * 1-5" --label "Morning briefing"');
    return 0;
  }
  for (const s of res.schedules) {
    const { words, warnings } = describeStoredSchedule(s);
    ctx.out(`${clean(s.id, 40)}  ${clean(s.label, 80) || "(no label)"}${s.is_active ? "" : "  [inactive]"}`);
    ctx.out(`    ${words} — cron "${clean(s.cron_expression, 60)}"`);
    if (s.task_context) ctx.out(`    context: ${clean(s.task_context, 200)}`);
    ctx.out(`    last run: ${s.last_run_at ? when(s.last_run_at, config.identity.timeZone) : "never"}`);
    for (const w of warnings) ctx.out(`    warning: ${w}`);
  }
  return 0;
}

async function rm(argv: string[], ctx: CommandContext, h: CommandHelpers): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    options: { json: { type: "boolean", default: false } },
  });
  if (positionals.length !== 1)
    throw usageError("give the id of one schedule (see `clawcall schedule list`)");
  const id = positionals[0]!.trim();
  if (!UUID_RE.test(id)) {
    throw usageError(`"${clean(id, 40)}" is not a schedule id (a UUID from \`clawcall schedule list\`)`);
  }
  const res = await h.relay().deleteSchedule(id);
  await refreshBridgeContext(h.config());
  if (values.json) ctx.out(json(res));
  else ctx.out(`Removed schedule ${id}.`);
  return 0;
}

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  return runSubcommands(ctx, "schedule", argv, { add, list, rm });
}
