import { clip, countWords, joinAnd } from "../../speech/index.js";
import { spokenAgo } from "../spoken-time.js";
import type { TaskRecord } from "../task-registry.js";
import { brief, withArticle } from "./brief.js";

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

/** Titles are said whole; only a runaway one (a pasted prompt) is cut, at a word. */
function shortTitle(s: string): string {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > 120 ? t.slice(0, 120).replace(/\s+\S*$/, "") : t;
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
  /\b(deploy|deployment|build|backup|migration|export|import|upload|download|sync|scan|test|tests|release|render|install|installation|update(?!s? (?:on|about|with|for) )|upgrade|training|indexing|crawl|analysis|compile|pipeline|report|research|script)s?\b/;
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
  const kind = taskQuestion(question);
  if (kind) return brief(answerByKind(kind, all, now));
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
    return `I don't see ${withArticle(noun)} task, or any other running or recent tasks.`;
  }
  if (noun) parts.push(`I don't see ${withArticle(noun)} task.`);
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
  return brief(parts);
}

type TaskQuestion = "failing" | "running" | "count" | "overview";

/** Questions about tasks as a whole: what failed, how many, how things are going. */
function taskQuestion(q: string): TaskQuestion | undefined {
  if (
    /\b(?:fail|fails|failing|failed|broken|broke|errors?|erroring|went wrong|go wrong|going wrong)\b/.test(q)
  ) {
    return "failing";
  }
  if (/^how many\b/.test(q)) return /\b(?:running|going|in progress|active)\b/.test(q) ? "running" : "count";
  if (
    /^how (?:are|is) (?:my |the |our |all )*(?:tasks?|jobs?|things|work|everything)\b|\boverall\b/.test(q)
  ) {
    return "overview";
  }
  return undefined;
}

function answerByKind(kind: TaskQuestion, all: readonly TaskView[], now: number): string[] {
  const recent = (t: TaskView) => t.endedAt !== undefined && now - t.endedAt < RECENT_MS;
  const failed = all
    .filter((t) => t.state === "failed" && recent(t))
    .sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0));
  const running = all.filter((t) => ACTIVE.has(t.state));
  const done = all.filter((t) => t.state === "succeeded" && recent(t));
  if (kind === "failing") {
    if (failed.length === 0) {
      const still =
        running.length === 1
          ? "One task is still running."
          : `${capitalized(countWords(running.length, "task"))} are still running.`;
      return ["Nothing has failed in the last day.", ...(running.length > 0 ? [still] : [])];
    }
    if (failed.length === 1) return [oneTask(failed[0]!, now)];
    const names = failed.slice(0, 3).map((t) => t.title);
    const more = failed.length > 3 ? ` and ${countWords(failed.length - 3, "other", "others")}` : "";
    return [
      `${capitalized(countWords(failed.length, "task"))} failed in the last day: ${joinAnd(names)}${more}.`,
    ];
  }
  const counts = [
    running.length > 0 ? `${countWords(running.length, "task")} running` : "",
    done.length > 0 ? `${countWords(done.length, "finished", "finished")} in the last day` : "",
    failed.length > 0 ? `${countWords(failed.length, "failed", "failed")}` : "",
  ].filter(Boolean);
  if (counts.length === 0) return ["I don't see any running or recent tasks."];
  if (kind === "running") {
    return [
      running.length === 0
        ? "Nothing is running right now."
        : `${capitalized(countWords(running.length, "task"))} ${running.length === 1 ? "is" : "are"} running.`,
    ];
  }
  if (kind === "count") return [`${capitalized(joinAnd(counts))}.`];
  const worst = failed[0];
  return [
    `${capitalized(joinAnd(counts))}.`,
    worst ? `The one to look at: ${oneTask(worst, now)}` : "Nothing has failed.",
  ];
}

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
