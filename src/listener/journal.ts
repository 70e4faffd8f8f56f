import { createHash } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../log.js";
import { SLOT_TTL_MS } from "../relay/deadlines.js";
import { atomicWriteFile } from "../state/atomic.js";
import { realClock } from "../util/clock.js";

/** Entries are kept this long (the history sweep looks back this far for "last turn answered"). */
export const JOURNAL_KEEP_MS = 15 * 60_000;
/** Rewrite the file once it holds this many lines… */
export const JOURNAL_COMPACT_LINES = 4_096;
/** …and never remember more than this many calls. */
export const JOURNAL_MAX_CALLS = 5_000;

export type TurnState = "open" | "answered" | "superseded" | "gone" | "rejected";

/** The journal's view of one call: its latest turn only. */
export interface CallRecord {
  sid: string;
  /** Id of the latest turn taken off the relay for this call. */
  id: string;
  kind: string;
  /** First 16 hex of sha256(message): proves which text without storing caller speech. */
  h: string;
  at: number;
  state: TurnState;
  /** When the latest turn was answered (or closed). */
  doneAt?: number;
}

type Line =
  | { e: "in"; id: string; sid: string; kind: string; h: string; at: number }
  | { e: "done"; id: string; sid: string; at: number; state: Exclude<TurnState, "open"> };

export function journalPath(stateDir: string, keyId: string): string {
  return join(stateDir, `journal-${keyId}.ndjson`);
}

export function textHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

export interface JournalOptions {
  path: string;
  logger: Logger;
  /** The listener's clock (realClock by default). */
  now?: () => number;
  compactLines?: number;
  maxCalls?: number;
}

/**
 * Append-only NDJSON of every turn taken off the relay: `in` before the agent sees it, `done` once
 * it is answered (or closed: superseded, call gone, refused). After a crash, `open` latest turns
 * younger than the slot lifetime are the callers stuck in a filler loop. Compacted on load and every
 * few thousand lines to the latest turn per call; entries older than 15 minutes are dropped. A
 * journal that cannot be written is logged and otherwise ignored: answering callers comes first.
 */
export class Journal {
  readonly path: string;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #compactLines: number;
  readonly #maxCalls: number;
  readonly #calls = new Map<string, CallRecord>();
  #lines = 0;
  #compactAt = 0;
  #seq = 0;
  /** Turn ids are unique across processes: pid and start time (an id, never compared as a time). */
  readonly #prefix: string;
  #broken = false;

  constructor(opts: JournalOptions) {
    this.path = opts.path;
    this.#log = opts.logger;
    this.#now = opts.now ?? realClock.now;
    this.#prefix = `${process.pid.toString(36)}.${this.#now().toString(36)}`;
    this.#compactLines = opts.compactLines ?? JOURNAL_COMPACT_LINES;
    this.#maxCalls = opts.maxCalls ?? JOURNAL_MAX_CALLS;
  }

  /** Reads what a previous process left and rewrites it compacted. Returns the records it kept. */
  load(): CallRecord[] {
    let text = "";
    try {
      text = readFileSync(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT")
        this.#log.warn({ err: String(err), path: this.path }, "journal unreadable; starting empty");
    }
    let bad = 0;
    for (const raw of text.split("\n")) {
      if (raw.trim() === "") continue;
      try {
        this.#apply(JSON.parse(raw) as Line);
      } catch {
        bad++; // a torn last line after a crash, or garbage: skip it
      }
    }
    if (bad > 0) this.#log.warn({ bad }, "skipped unreadable journal lines");
    this.compact();
    return [...this.#calls.values()];
  }

  /** Before the agent sees a turn. Returns its id. */
  begin(sid: string, kind: string, message: string): string {
    const id = `${this.#prefix}.${(++this.#seq).toString(36)}`;
    this.#write({ e: "in", id, sid, kind, h: textHash(message), at: this.#now() });
    return id;
  }

  /** After `respond` succeeded (`answered`) or the turn was closed without an answer. */
  finish(sid: string, id: string, state: Exclude<TurnState, "open">): void {
    this.#write({ e: "done", id, sid, at: this.#now(), state });
  }

  get(sid: string): CallRecord | undefined {
    return this.#calls.get(sid);
  }

  /** Calls whose latest turn was never answered and is younger than `maxAgeMs`. */
  unanswered(maxAgeMs = SLOT_TTL_MS): CallRecord[] {
    const now = this.#now();
    return [...this.#calls.values()].filter((r) => r.state === "open" && now - r.at < maxAgeMs);
  }

  /** Rewrites the file as the latest turn per call, dropping old ones. */
  compact(): void {
    const now = this.#now();
    for (const [sid, r] of this.#calls)
      if (now - Math.max(r.at, r.doneAt ?? 0) > JOURNAL_KEEP_MS) this.#calls.delete(sid);
    if (this.#calls.size > this.#maxCalls) {
      const byAge = [...this.#calls.values()].sort((a, b) => a.at - b.at);
      for (const r of byAge.slice(0, this.#calls.size - this.#maxCalls)) this.#calls.delete(r.sid);
    }
    const out: string[] = [];
    for (const r of this.#calls.values()) {
      out.push(
        JSON.stringify({ e: "in", id: r.id, sid: r.sid, kind: r.kind, h: r.h, at: r.at } satisfies Line),
      );
      if (r.state !== "open")
        out.push(
          JSON.stringify({
            e: "done",
            id: r.id,
            sid: r.sid,
            at: r.doneAt ?? r.at,
            state: r.state,
          } satisfies Line),
        );
    }
    try {
      atomicWriteFile(this.path, out.length > 0 ? `${out.join("\n")}\n` : "");
      this.#lines = out.length;
      this.#broken = false;
    } catch (err) {
      this.#fail(err);
    }
    this.#compactAt = Math.max(this.#compactLines, this.#lines * 2);
  }

  /** Size of the file in bytes (tests and status). */
  size(): number {
    try {
      return statSync(this.path).size;
    } catch {
      return 0;
    }
  }

  get calls(): number {
    return this.#calls.size;
  }

  #apply(line: Line): void {
    if (!line || typeof line !== "object" || typeof line.sid !== "string" || typeof line.id !== "string")
      return;
    if (line.e === "in") {
      if (typeof line.at !== "number") return;
      const cur = this.#calls.get(line.sid);
      if (cur && cur.at > line.at) return;
      this.#calls.delete(line.sid); // re-insert: Map order stays oldest-first
      this.#calls.set(line.sid, {
        sid: line.sid,
        id: line.id,
        kind: String(line.kind),
        h: String(line.h),
        at: line.at,
        state: "open",
      });
    } else if (line.e === "done") {
      const cur = this.#calls.get(line.sid);
      // A mark for an older turn says nothing about the latest one.
      if (!cur || cur.id !== line.id) return;
      cur.state = line.state;
      cur.doneAt = line.at;
    }
  }

  #write(line: Line): void {
    this.#apply(line);
    try {
      if (this.#lines === 0) mkdirSync(join(this.path, ".."), { recursive: true, mode: 0o700 });
      appendFileSync(this.path, `${JSON.stringify(line)}\n`, { mode: 0o600 });
      this.#lines++;
      this.#broken = false;
    } catch (err) {
      this.#fail(err);
    }
    if (this.#lines >= Math.max(this.#compactAt, this.#compactLines)) this.compact();
  }

  #fail(err: unknown): void {
    if (!this.#broken) this.#log.error({ err: String(err), path: this.path }, "journal write failed");
    this.#broken = true;
  }
}
