import { z } from "zod";
import { TASK_STATUSES } from "../../bridge/task-registry.js";
import { guarded, ok, type Registrar, spend, spendOut, warningOut, withWarning } from "../tool-kit.js";

/**
 * Tasks in the running bridge's registry. A task registered with notify makes the bridge call the
 * owner when it finishes (a relay callback where the tier allows, else at the start of the owner's
 * next call), and the bridge answers "is my task done?" on the phone from the same registry.
 */

const taskOut = z.looseObject({
  id: z.string(),
  title: z.string(),
  status: z.string(),
  progress: z.string().nullable(),
  result: z.string().nullable(),
  notify: z.boolean(),
  source: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  endedAt: z.string().nullable(),
  notifiedAt: z.string().nullable(),
});

const LOCAL = { openWorldHint: false } as const;

export const registerTasks: Registrar = (server, deps) => {
  server.registerTool(
    "register_task",
    {
      title: "Register a task that calls the owner when done",
      description:
        'Records a piece of background work ("deploy the website") in the clawcall bridge, status running. When you later finish it with update_task (status done or failed, with a result), the bridge phones the owner and tells them the outcome (Pro or Team: a callback; free tier: told at the start of their next call), and the owner can ask about it on the phone meanwhile. Needs the bridge running (`clawcall up`). With notify (the default) it counts toward the daily cap on calls placed through MCP, and the call costs the owner\'s minutes.',
      inputSchema: {
        title: z.string().trim().min(1).max(200).describe("short name the owner will hear"),
        progress: z.string().max(500).optional().describe('a progress note, e.g. "step 1 of 3"'),
        notify: z.boolean().default(true).describe("call the owner when the task finishes"),
      },
      outputSchema: {
        task: taskOut,
        bridge: z.string(),
        spend: spendOut.nullable(),
        minutes_warning: warningOut,
      },
      annotations: {
        title: "Register a task",
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        ...LOCAL,
      },
    },
    ({ title, progress, notify }) =>
      guarded(deps, async () => {
        const create = () =>
          deps.tasks.create({ title, notify, ...(progress === undefined ? {} : { progress }) });
        const r = notify
          ? await spend(deps, "register a task that calls the owner", create)
          : { value: await create(), spend: null, minutes_warning: null };
        const then = notify
          ? "Finish it with update_task (done or failed, with a result) and the owner gets a call."
          : "It will not call the owner.";
        return ok(
          withWarning(`Task ${r.value.id} "${r.value.title}" is running. ${then}`, r.minutes_warning),
          {
            task: r.value,
            bridge: deps.tasks.url(),
            spend: r.spend,
            minutes_warning: r.minutes_warning,
          },
        );
      }),
  );

  server.registerTool(
    "update_task",
    {
      title: "Update or finish a task",
      description:
        "Updates a task from register_task: a progress note while it runs, or status done / failed / cancelled with a result when it ends. Finishing a task registered with notify makes the bridge call the owner with the result (once; repeating the update does not call again). Keep result to a sentence or two of plain speech. Needs the bridge running.",
      inputSchema: {
        id: z.string().trim().min(1).max(64).describe("the task id from register_task or list_tasks"),
        status: z.enum(TASK_STATUSES).optional().describe("running, done, failed, cancelled (or queued)"),
        progress: z.string().max(500).optional(),
        result: z.string().max(2000).optional().describe("the outcome the owner will hear"),
      },
      outputSchema: { task: taskOut, finished: z.boolean() },
      annotations: {
        title: "Update or finish a task",
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        ...LOCAL,
      },
    },
    ({ id, status, progress, result }) =>
      guarded(deps, async () => {
        const task = await deps.tasks.update(id, {
          ...(status === undefined ? {} : { status }),
          ...(progress === undefined ? {} : { progress }),
          ...(result === undefined ? {} : { result }),
        });
        const finished = task.endedAt !== null;
        const text = finished
          ? `Task "${task.title}" is ${task.status}.${task.notify ? " The bridge tells the owner now." : ""}`
          : `Task "${task.title}" updated (${task.status}).`;
        return ok(text, { task, finished });
      }),
  );

  server.registerTool(
    "list_tasks",
    {
      title: "List tasks",
      description:
        "The tasks in the clawcall bridge, newest first: the ones registered here and the outcomes of finished third-party calls. Needs the bridge running. Free.",
      inputSchema: {},
      outputSchema: { tasks: z.array(taskOut) },
      annotations: {
        title: "List tasks",
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        ...LOCAL,
      },
    },
    () =>
      guarded(deps, async () => {
        const tasks = await deps.tasks.list();
        const open = tasks.filter((t) => t.endedAt === null).length;
        return ok(`${tasks.length} task${tasks.length === 1 ? "" : "s"}, ${open} still open.`, { tasks });
      }),
  );
};
