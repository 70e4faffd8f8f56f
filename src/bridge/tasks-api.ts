/**
 * `GET|POST /tasks` and `GET|PATCH /tasks/:id`: agents record background work here, and the user is
 * told when a task they asked about finishes.
 */
import type { Deliveries } from "./deliveries.js";
import { HttpError, type Route, readJsonBody, sendJson } from "./http.js";
import { type Names, taskFinished } from "./lines.js";
import {
  TASK_STATUSES,
  type TaskPatch,
  type TaskRecord,
  type TaskRegistry,
  type TaskStatus,
} from "./task-registry.js";

const bad = (message: string) => new HttpError("E_BRIDGE_BAD_REQUEST", message);
const notFound = () => new HttpError("E_BRIDGE_NOT_FOUND", "no task with that id");

function str(v: unknown, field: string, max: number, nullable: boolean): string | null | undefined {
  if (v === undefined) return undefined;
  if (v === null && nullable) return null;
  if (typeof v !== "string" || v.length > max) {
    throw bad(`${field} must be a string of at most ${max} characters`);
  }
  return v;
}

function status(v: unknown): TaskStatus | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !(TASK_STATUSES as readonly string[]).includes(v)) {
    throw bad(`status must be one of ${TASK_STATUSES.join(", ")}`);
  }
  return v as TaskStatus;
}

function bool(v: unknown, field: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "boolean") throw bad(`${field} must be true or false`);
  return v;
}

/** The patch a PATCH body asks for (only the fields it names). */
export function taskPatchOf(body: Record<string, unknown>): TaskPatch {
  const patch: TaskPatch = {};
  const title = str(body.title, "title", 200, false);
  if (title !== undefined && title !== null) {
    if (title.trim() === "") throw bad("title must not be empty");
    patch.title = title.trim();
  }
  const st = status(body.status);
  if (st !== undefined) patch.status = st;
  const progress = str(body.progress, "progress", 500, true);
  if (progress !== undefined) patch.progress = progress;
  const result = str(body.result, "result", 2000, true);
  if (result !== undefined) patch.result = result;
  const notify = bool(body.notify, "notify");
  if (notify !== undefined) patch.notify = notify;
  return patch;
}

export interface TasksApiDeps {
  tasks: TaskRegistry;
  deliveries: Deliveries;
  names(): Names;
}

export class TasksApi {
  readonly #d: TasksApiDeps;

  constructor(d: TasksApiDeps) {
    this.#d = d;
  }

  /** Tells the user once about a finished task that asked for it. */
  notifyFinished(t: TaskRecord): void {
    if (!t.notify || t.notifiedAt) return;
    this.#d.deliveries.add(
      { ...taskFinished(this.#d.names(), t), reason: "task_finished" },
      { callback: true },
    );
    this.#d.tasks.markNotified(t.id);
  }

  create(body: Record<string, unknown>): TaskRecord {
    const title = str(body.title, "title", 200, false);
    if (!title || title.trim() === "") throw bad("title is required");
    const task = this.#d.tasks.create({
      title: title.trim(),
      status: status(body.status) ?? "running",
      progress: str(body.progress, "progress", 500, true) ?? null,
      result: str(body.result, "result", 2000, true) ?? null,
      notify: bool(body.notify, "notify") ?? false,
    });
    if (task.endedAt) this.notifyFinished(task);
    return this.#d.tasks.get(task.id) ?? task;
  }

  patch(id: string, body: Record<string, unknown>): TaskRecord {
    const r = this.#d.tasks.update(id, taskPatchOf(body));
    if (!r) throw notFound();
    if (r.finished) this.notifyFinished(r.task);
    return this.#d.tasks.get(id) ?? r.task;
  }

  routes(): Route[] {
    const tasks = this.#d.tasks;
    return [
      {
        path: "/tasks",
        token: true,
        methods: {
          GET: { handle: ({ res }) => sendJson(res, 200, { ok: true, tasks: tasks.list() }) },
          POST: {
            json: true,
            handle: async ({ req, res }) =>
              sendJson(res, 201, { ok: true, task: this.create(await readJsonBody(req)) }),
          },
        },
      },
      {
        path: "/tasks/:id",
        token: true,
        methods: {
          GET: {
            handle: ({ res, param }) => {
              const task = tasks.get(param);
              if (!task) throw notFound();
              sendJson(res, 200, { ok: true, task });
            },
          },
          PATCH: {
            json: true,
            handle: async ({ req, res, param }) =>
              sendJson(res, 200, { ok: true, task: this.patch(param, await readJsonBody(req)) }),
          },
        },
      },
    ];
  }
}
