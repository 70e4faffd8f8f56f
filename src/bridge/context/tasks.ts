import { clip, countWords, joinAnd } from "../../speech/index.js";
import { spokenAgo } from "../spoken-time.js";
import type { TaskRecord } from "../task-registry.js";

/** A task from either source, reduced to what can be spoken. */
export interface TaskView {
  source: "openclaw" | "bridge";
  title: string;
  state: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  startedAt: number | undefined;
  endedAt: number | undefined;
  /** Outcome or error text (bridge tasks only: OpenClaw summaries are model text, not for the phone). */
  detail: string | undefined;
  progress: string | undefined;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined =>
  typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
const ms = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v)
    ? v
    : typeof v === "string"
      ? Date.parse(v) || undefined
      : undefined;

function shortTitle(s: string): string {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > 60 ? `${t.slice(0, 57).replace(/\s+\S*$/, "")}…` : t;
}

/** Parses `openclaw tasks list --json` (`{count, tasks:[TaskRecord]}`). */
export function parseOpenclawTasks(doc: unknown): TaskView[] {
  const list = isObj(doc) && Array.isArray(doc.tasks) ? doc.tasks : Array.isArray(doc) ? doc : [];
  const out: TaskView[] = [];
  for (const t of list) {
    if (!isObj(t)) continue;
    const status = str(t.status) ?? "";
    const state: TaskView["state"] | undefined =
      status === "queued"
        ? "queued"
        : status === "running"
          ? "running"
          : status === "succeeded"
            ? "succeeded"
            : status === "failed" || status === "timed_out" || status === "lost"
              ? "failed"
              : status === "cancelled"
                ? "cancelled"
                : undefined;
    if (!state) continue;
    out.push({
      source: "openclaw",
      title: shortTitle(str(t.label) ?? str(t.task) ?? "a background task"),
      state,
      startedAt: ms(t.startedAt) ?? ms(t.createdAt),
      endedAt: ms(t.endedAt),
      detail: undefined,
      progress: undefined,
    });
  }
  return out;
}

export function viewOfRecord(t: TaskRecord): TaskView {
  const state: TaskView["state"] = t.status === "done" ? "succeeded" : t.status;
  return {
    source: "bridge",
    title: shortTitle(t.title),
    state,
    startedAt: t.startedAt ? Date.parse(t.startedAt) : Date.parse(t.createdAt),
    endedAt: t.endedAt ? Date.parse(t.endedAt) : undefined,
    detail: t.result ?? undefined,
    progress: t.progress ?? undefined,
  };
}

const ACTIVE = new Set(["queued", "running"]);
const RECENT_MS = 24 * 3_600_000;

/** The work nouns in a question, stemmed ("deployment" → "deploy"). */
const NOUNS =
  /\b(deploy|deployment|build|backup|migration|export|import|upload|download|sync|scan|test|tests|release|render|install|installation|update|upgrade|training|indexing|crawl|analysis|compile|pipeline|report|research|script)s?\b/;
function stem(w: string): string {
  return w
    .replace(/(ments?|ations?|ing|s)$/, "")
    .replace(/e$/, "")
    .slice(0, 6);
}

function ended(t: TaskView, now: number): string {
  return t.endedAt !== undefined ? ` ${spokenAgo(t.endedAt, now)}` : "";
}

function oneTask(t: TaskView, now: number): string {
  const title = t.title;
  if (t.state === "running") {
    const since = t.startedAt !== undefined ? `, started ${spokenAgo(t.startedAt, now)}` : "";
    const progress = t.progress ? ` Last update: ${clip(t.progress, 160)}` : "";
    return `${title} is still running${since}.${progress}`.trim();
  }
  if (t.state === "queued") return `${title} is queued and hasn't started yet.`;
  if (t.state === "succeeded") {
    return `${title} finished${ended(t, now)}.${t.detail ? ` The result: ${clip(t.detail, 200)}` : ""}`;
  }
  if (t.state === "failed") {
    return `${title} failed${ended(t, now)}.${t.detail ? ` ${clip(t.detail, 200)}` : ""}`;
  }
  return `${title} was cancelled${ended(t, now)}.`;
}

/**
 * A spoken answer about tasks: the one the question names ("is the deployment done yet"), or the
 * running ones plus the latest finished ones.
 */
export function summarizeTasks(all: readonly TaskView[], question: string, now: number, max = 3): string {
  const noun = NOUNS.exec(question)?.[1];
  if (noun) {
    const s = stem(noun);
    const named = all
      .filter((t) =>
        t.title
          .toLowerCase()
          .split(/[^a-z0-9]+/)
          .some((w) => w !== "" && stem(w) === s),
      )
      .sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0));
    const hit = named[0];
    if (hit) {
      const prefix = hit.state === "succeeded" ? "Yes. " : hit.state === "running" ? "Not yet. " : "";
      return prefix + oneTask(hit, now);
    }
  }
  const active = all
    .filter((t) => ACTIVE.has(t.state))
    .sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0));
  const recent = all
    .filter((t) => !ACTIVE.has(t.state) && t.endedAt !== undefined && now - t.endedAt < RECENT_MS)
    .sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0));
  const parts: string[] = [];
  if (noun && active.length === 0 && recent.length === 0) {
    return `I don't see a ${noun} task, or any other running or recent tasks.`;
  }
  if (noun) parts.push(`I don't see a ${noun} task.`);
  if (active.length === 0) {
    parts.push(
      recent.length === 0 ? "I don't see any running or recent tasks." : "Nothing is running right now.",
    );
  } else if (active.length === 1) {
    parts.push(oneTask(active[0]!, now));
  } else {
    const names = active.slice(0, max).map((t) => t.title);
    const more = active.length > max ? ` and ${countWords(active.length - max, "other", "others")}` : "";
    parts.push(`You have ${countWords(active.length, "task")} running: ${joinAnd(names)}${more}.`);
  }
  for (const t of recent.slice(0, active.length > 0 ? 1 : 2)) parts.push(`Most recently, ${oneTask(t, now)}`);
  return parts.join(" ");
}
