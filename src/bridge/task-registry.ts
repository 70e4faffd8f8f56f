import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { atomicWriteJson } from "../state/atomic.js";

export const TASK_STATUSES = ["queued", "running", "done", "failed", "cancelled"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const FINISHED: ReadonlySet<TaskStatus> = new Set(["done", "failed", "cancelled"]);

/** Background work an agent recorded ("deploy", running → done with a result). */
export interface TaskRecord {
  id: string;
  title: string;
  status: TaskStatus;
  /** Last progress note ("step 3 of 5"). */
  progress: string | null;
  /** Outcome told to the user when the task finishes. */
  result: string | null;
  /** Call the user back (or tell them on the next call) when it finishes. */
  notify: boolean;
  /** `api` (POST /tasks) or `third_party` (a finished third-party call). */
  source: "api" | "third_party";
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  endedAt: string | null;
  notifiedAt: string | null;
}

export interface TaskCreate {
  title: string;
  status?: TaskStatus;
  progress?: string | null;
  result?: string | null;
  notify?: boolean;
  source?: TaskRecord["source"];
}

export interface TaskPatch {
  title?: string;
  status?: TaskStatus;
  progress?: string | null;
  result?: string | null;
  notify?: boolean;
}

const MAX_TASKS = 500;
const KEEP_FINISHED_MS = 7 * 86_400_000;

/**
 * The bridge's own task registry, kept in memory and written atomically to
 * `<stateDir>/tasks.json` after every change (small: at most 500 records, finished ones pruned
 * after a week).
 */
export class TaskRegistry {
  readonly path: string;
  readonly #now: () => number;
  #tasks: TaskRecord[] = [];
  /** Bumped on each change, so cached spoken summaries know when to rebuild. */
  version = 0;

  constructor(stateDir: string, now: () => number = Date.now) {
    this.path = join(stateDir, "tasks.json");
    this.#now = now;
    this.#load();
  }

  #load(): void {
    try {
      const doc = JSON.parse(readFileSync(this.path, "utf8")) as { tasks?: unknown };
      if (Array.isArray(doc.tasks)) {
        this.#tasks = doc.tasks.filter(
          (t): t is TaskRecord =>
            typeof t === "object" &&
            t !== null &&
            typeof (t as TaskRecord).id === "string" &&
            typeof (t as TaskRecord).title === "string" &&
            (TASK_STATUSES as readonly string[]).includes((t as TaskRecord).status),
        );
      }
    } catch {
      this.#tasks = [];
    }
  }

  #save(): void {
    this.version++;
    const cutoff = this.#now() - KEEP_FINISHED_MS;
    this.#tasks = this.#tasks.filter((t) => !(FINISHED.has(t.status) && Date.parse(t.updatedAt) < cutoff));
    if (this.#tasks.length > MAX_TASKS) this.#tasks = this.#tasks.slice(-MAX_TASKS);
    atomicWriteJson(this.path, { version: 1, tasks: this.#tasks });
  }

  /** Newest first. */
  list(): TaskRecord[] {
    return [...this.#tasks].reverse();
  }

  get(id: string): TaskRecord | undefined {
    return this.#tasks.find((t) => t.id === id);
  }

  create(input: TaskCreate): TaskRecord {
    const now = new Date(this.#now()).toISOString();
    const status = input.status ?? "running";
    const task: TaskRecord = {
      id: randomUUID(),
      title: input.title,
      status,
      progress: input.progress ?? null,
      result: input.result ?? null,
      notify: input.notify === true,
      source: input.source ?? "api",
      createdAt: now,
      updatedAt: now,
      startedAt: status === "queued" ? null : now,
      endedAt: FINISHED.has(status) ? now : null,
      notifiedAt: null,
    };
    this.#tasks.push(task);
    this.#save();
    return task;
  }

  /** Applies a patch; returns the task and whether this patch finished it. */
  update(id: string, patch: TaskPatch): { task: TaskRecord; finished: boolean } | undefined {
    const task = this.get(id);
    if (!task) return undefined;
    const now = new Date(this.#now()).toISOString();
    const wasFinished = FINISHED.has(task.status);
    if (patch.title !== undefined) task.title = patch.title;
    if (patch.progress !== undefined) task.progress = patch.progress;
    if (patch.result !== undefined) task.result = patch.result;
    if (patch.notify !== undefined) task.notify = patch.notify;
    if (patch.status !== undefined && patch.status !== task.status) {
      task.status = patch.status;
      if (patch.status === "running" && task.startedAt === null) task.startedAt = now;
      if (FINISHED.has(patch.status)) task.endedAt = now;
      else task.endedAt = null;
    }
    task.updatedAt = now;
    this.#save();
    return { task, finished: !wasFinished && FINISHED.has(task.status) };
  }

  markNotified(id: string): void {
    const task = this.get(id);
    if (!task) return;
    task.notifiedAt = new Date(this.#now()).toISOString();
    this.#save();
  }
}
