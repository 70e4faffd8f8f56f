import { z } from "zod";
import { UUID_RE } from "../../cli/validate.js";
import { ClawcallError } from "../../errors.js";
import { checkTimeZone, describeStoredSchedule, formatRunTime, planSchedule } from "../../relay/cron.js";
import {
  guarded,
  ok,
  READ_ONLY,
  type Registrar,
  SPENDING,
  spend,
  spendOut,
  TIER_NOTE,
  warningOut,
  withWarning,
} from "../tool-kit.js";

/** Recurring calls to the owner, with the CLI's cron checks and weekday rewrite (src/relay/cron.ts). */

const runOut = z.object({ at: z.string().describe("ISO 8601, UTC"), local: z.string() });

export const registerSchedules: Registrar = (server, deps) => {
  registerListSchedules(server, deps);
  registerAddSchedule(server, deps);
  registerRemoveSchedule(server, deps);
};

const registerListSchedules: Registrar = (server, deps) => {
  server.registerTool(
    "list_schedules",
    {
      title: "List scheduled calls",
      description:
        "Lists the owner's scheduled calls: id, label, when they run in words (as the relay really runs them, with a warning when a stored expression surprises), context and last run. Free; any tier.",
      inputSchema: {},
      outputSchema: {
        schedules: z.array(
          z.object({
            id: z.string(),
            label: z.string().nullable(),
            cron_expression: z.string(),
            words: z.string(),
            warnings: z.array(z.string()),
            task_context: z.string().nullable(),
            timezone: z.string().nullable(),
            is_active: z.boolean(),
            last_run_at: z.string().nullable(),
          }),
        ),
      },
      annotations: { title: "List scheduled calls", ...READ_ONLY },
    },
    () =>
      guarded(deps, async () => {
        const { schedules } = await deps.relay.listSchedules();
        const out = schedules.map((s) => ({
          id: s.id,
          label: s.label,
          cron_expression: s.cron_expression,
          ...describeStoredSchedule(s),
          task_context: s.task_context,
          timezone: s.timezone,
          is_active: s.is_active,
          last_run_at: s.last_run_at,
        }));
        const text =
          out.length === 0
            ? "No scheduled calls."
            : `${out.length} scheduled call${out.length === 1 ? "" : "s"}: ${out.map((s) => `${s.label ?? "(no label)"} (${s.words})`).join("; ")}.`;
        return ok(text, { schedules: out });
      }),
  );
};

const registerAddSchedule: Registrar = (server, deps) => {
  server.registerTool(
    "add_schedule",
    {
      title: "Schedule a recurring call",
      description: `Creates a recurring call to the owner: at each run the relay phones them and their phone agent speaks first, given the context (e.g. "calendar and news"). cron is standard five-field cron (minute hour day-of-month month day-of-week, e.g. "0 8 * * 1-5" for weekdays at 8); it is checked here and weekdays are sent as names, because the relay counts Monday as 0. Schedules repeat until removed (remove_schedule). With dry_run it only checks and shows the next runs, for free. ${TIER_NOTE} Each run costs the owner's minutes (per started minute, at least 1); creating one counts toward the daily cap on calls placed through MCP.`,
      inputSchema: {
        cron: z.string().min(1).max(100).describe('five-field cron, e.g. "0 8 * * 1-5" or "30 18 * * fri"'),
        label: z.string().max(200).default("Scheduled call").describe("a name the owner recognises"),
        context: z.string().max(2000).default("").describe("what the phone agent should cover on the call"),
        timezone: z
          .string()
          .max(64)
          .optional()
          .describe("IANA zone such as Europe/Berlin; default: the owner's configured zone"),
        dry_run: z.boolean().default(false).describe("check and describe only; create nothing"),
      },
      outputSchema: {
        dry_run: z.boolean(),
        id: z.string().nullable(),
        label: z.string(),
        cron_given: z.string(),
        cron_sent: z.string().describe("what the relay stores: weekdays as names"),
        timezone: z.string(),
        words: z.string(),
        next_runs: z.array(runOut),
        spend: spendOut.nullable(),
        minutes_warning: warningOut,
      },
      annotations: { title: "Schedule a recurring call", ...SPENDING },
    },
    ({ cron, label, context, timezone, dry_run }) =>
      guarded(deps, async () => {
        const tz = checkTimeZone(timezone ?? deps.config.identity.timeZone);
        const plan = planSchedule(cron, tz, 3, new Date(deps.now()));
        const name = label.trim() || "Scheduled call";
        const base = {
          label: name,
          cron_given: plan.input,
          cron_sent: plan.relayCron,
          timezone: plan.timeZone,
          words: plan.words,
          next_runs: plan.next.map((d) => ({ at: d.toISOString(), local: formatRunTime(d, plan.timeZone) })),
        };
        const when = `${plan.words} (${plan.timeZone}); next ${base.next_runs[0]?.local ?? "never"}`;
        if (dry_run) {
          return ok(`Not created (dry run): "${name}" would run ${when}.`, {
            dry_run: true,
            id: null,
            ...base,
            spend: null,
            minutes_warning: null,
          });
        }
        const r = await spend(deps, "create a schedule", () =>
          deps.relay.createSchedule({
            cron: plan.relayCron,
            label: name,
            task_context: context.trim(),
            timezone: plan.timeZone,
          }),
        );
        await deps.refreshBridge?.();
        return ok(withWarning(`Scheduled "${name}" (id ${r.value.id}): ${when}.`, r.minutes_warning), {
          dry_run: false,
          id: r.value.id,
          ...base,
          spend: r.spend,
          minutes_warning: r.minutes_warning,
        });
      }),
  );
};

const registerRemoveSchedule: Registrar = (server, deps) => {
  server.registerTool(
    "remove_schedule",
    {
      title: "Remove a scheduled call",
      description:
        "Deletes one of the owner's scheduled calls by id (from list_schedules); it will not ring again. Free; any tier. Only remove what the owner asked to remove.",
      inputSchema: { id: z.string().trim().min(1).max(64).describe("the schedule's id from list_schedules") },
      outputSchema: { removed: z.string() },
      annotations: {
        title: "Remove a scheduled call",
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: true,
        openWorldHint: true,
      },
    },
    ({ id }) =>
      guarded(deps, async () => {
        if (!UUID_RE.test(id)) {
          throw new ClawcallError(
            "E_INVALID_INPUT",
            `"${id.slice(0, 40)}" is not a schedule id (a UUID from list_schedules)`,
          );
        }
        await deps.relay.deleteSchedule(id);
        await deps.refreshBridge?.();
        return ok(`Removed schedule ${id}.`, { removed: id });
      }),
  );
};
