/**
 * The per-turn record: one JSON line per answered turn (and per deferred answer and callback), written
 * by the bridge and the listener, read by `clawcall stats`. Each process writes its own file
 * (`<stateDir>/turns/bridge.jsonl`, `listener.jsonl`), so appends never interleave and each file has a
 * single writer that may rotate and compact it. Bounded by size (rotated to `.1`, one old file kept)
 * and by age (lines older than `keepMs` are dropped at start and then about hourly). Writes are
 * batched off the turn's path: `add()` only queues; a failed write is logged once, never thrown.
 * The caller's words and the answer text are kept only when debug logging is on.
 */
import { existsSync, readFileSync } from "node:fs";
import { appendFile, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import type { Logger } from "../log.js";

/** Lines are kept this long: a week and a day, so "the last 7 days" is always whole. */
export const TURN_RECORD_KEEP_MS = 8 * 24 * 3_600_000;
/** Each file is rotated past this size; with its one `.1` a writer keeps at most twice this. */
export const TURN_RECORD_MAX_BYTES = 2 * 1024 * 1024;
/** Queued lines beyond this are dropped (a disk that stopped taking writes must not grow memory). */
const MAX_QUEUED = 10_000;
/** A batch this long is written at once, without waiting for `BATCH_MS`. */
const BATCH_LINES = 1_000;
/** Old lines are looked for about this often (and once at the first write). */
const COMPACT_EVERY_MS = 3_600_000;
/**
 * Queued lines are written together this long after the first of them: one append per batch. An append
 * per turn cost ~140 µs per fast answer over loopback HTTP (more than the answer's own ~100 µs).
 */
const BATCH_MS = 200;
/** Words kept per line in debug mode. */
const WORDS_CHARS = 500;

/** Who is on the call, where known (`caller`: someone called in; only the bridge knows owner from guest). */
export const CALL_KINDS = [
  "owner",
  "guest",
  "caller",
  "scheduled",
  "third_party",
  "notification",
  "unknown",
] as const;
export type CallKind = (typeof CALL_KINDS)[number];

const base = {
  /** ISO time the line was written (the injected clock). */
  at: z.string().refine((s) => Number.isFinite(Date.parse(s)), "expected an ISO time"),
};

/** The bridge answered a turn. */
const bridgeTurn = z.object({
  ...base,
  event: z.literal("turn"),
  by: z.literal("bridge"),
  call: z.enum(CALL_KINDS),
  source: z.enum(["fast", "model", "deferred", "fallback"]),
  /** The fast-path intent that answered. */
  intent: z.string().nullable(),
  /** The bridge's handling time. */
  bridge_ms: z.number().nonnegative(),
  /** The model call that answered (or failed) within this turn. */
  model_ms: z.number().nonnegative().optional(),
  /** The model error of this turn (its stable code). */
  model_error: z.string().optional(),
  /** The caller heard one of our holding lines ("one moment"; the answer follows later). */
  holding: z.boolean(),
  end_call: z.boolean(),
  /** The answer text: debug only. */
  said: z.string().optional(),
});

/** The listener posted (or could not post) an answer to the relay. */
const listenerAnswer = z.object({
  ...base,
  event: z.literal("answer"),
  by: z.literal("listener"),
  call: z.enum(CALL_KINDS),
  /** `agent`: the bridge's (or `openclaw agent`'s) answer; else the listener's own line. */
  source: z.enum(["agent", "fallback", "busy"]),
  /** The responder's result: `delivered`, `superseded`, `gone`… */
  result: z.string(),
  /** From the relay handing us the utterance to the answer being posted. */
  e2e_ms: z.number().nonnegative(),
  agent_ms: z.number().nonnegative(),
  /** The answer came after the relay's wait: the caller heard a relay filler first. */
  relay_filler: z.boolean(),
  /** The caller's words: debug only. */
  heard: z.string().optional(),
});

/** A deferred model answer finished in the background (told later, by callback or on the next turn). */
const deferredDone = z.object({
  ...base,
  event: z.literal("deferred"),
  by: z.literal("bridge"),
  outcome: z.enum(["answer", "failed"]),
  /** How long the model took, phone deadline included (it counts in the model latency). */
  model_ms: z.number().nonnegative().optional(),
});

/** The bridge phoned the owner back. */
const callbackMade = z.object({
  ...base,
  event: z.literal("callback"),
  by: z.literal("bridge"),
  reason: z.string(),
});

/** One line of the record: the one schema its writers and its reader share. */
export const turnRecordLine = z.discriminatedUnion("event", [
  bridgeTurn,
  listenerAnswer,
  deferredDone,
  callbackMade,
]);
export type TurnRecordLine = z.infer<typeof turnRecordLine>;
/** A line before it is stamped: the writer adds `at` and drops words unless debug is on. */
export type TurnRecordEntry = TurnRecordLine extends infer L
  ? L extends unknown
    ? Omit<L, "at">
    : never
  : never;

export type TurnRecordWriter = "bridge" | "listener";

export function turnRecordDir(stateDir: string): string {
  return join(stateDir, "turns");
}

export function turnRecordPath(stateDir: string, by: TurnRecordWriter): string {
  return join(turnRecordDir(stateDir), `${by}.jsonl`);
}

/** Whether a log level is the "debug is on" that lets words into the record (as into the logs). */
export function keepsWords(logLevel: string): boolean {
  return logLevel === "debug" || logLevel === "trace";
}

export interface TurnRecordOptions {
  path: string;
  /** Wall clock ms (stamps lines, decides their age). */
  now: () => number;
  logger?: Logger | undefined;
  /** Keep the caller's words and the answer text (debug logging on). Default false. */
  words?: boolean;
  maxBytes?: number;
  keepMs?: number;
}

/** Appends record lines for one writer; see the file comment for the bounds. */
export class TurnRecord {
  readonly #o: Required<Omit<TurnRecordOptions, "logger">> & { logger: Logger | undefined };
  #queue: Record<string, unknown>[] = [];
  #scheduled = false;
  #chain: Promise<void> = Promise.resolve();
  #size: number | undefined;
  #compactedAt = Number.NEGATIVE_INFINITY;
  #warned = false;
  dropped = 0;

  constructor(o: TurnRecordOptions) {
    this.#o = {
      words: false,
      maxBytes: TURN_RECORD_MAX_BYTES,
      keepMs: TURN_RECORD_KEEP_MS,
      ...o,
      logger: o.logger,
    };
  }

  /** Queues one line; the write happens after the current turn's work. Never throws. */
  add(entry: TurnRecordEntry): void {
    try {
      if (this.#queue.length >= MAX_QUEUED) {
        this.dropped++;
        return;
      }
      // Only stamped here: checking and serialising wait for the write, off the turn's path.
      this.#queue.push({ ...entry, at: new Date(this.#o.now()).toISOString() });
      if (this.#queue.length === BATCH_LINES) this.#chain = this.#chain.then(() => this.#write());
      if (!this.#scheduled) {
        this.#scheduled = true;
        setTimeout(() => {
          this.#scheduled = false;
          this.#chain = this.#chain.then(() => this.#write());
        }, BATCH_MS).unref();
      }
    } catch (err) {
      this.#warn(err);
    }
  }

  /** Resolves when every line queued so far is on disk (tests, shutdown). */
  async flush(): Promise<void> {
    this.#chain = this.#chain.then(() => this.#write());
    await this.#chain;
  }

  /** The line as written: checked against the schema, words only in debug mode. */
  #serialise(entry: Record<string, unknown>): string {
    const e = { ...entry };
    for (const k of ["said", "heard"]) {
      if (typeof e[k] !== "string" || !this.#o.words) delete e[k];
      else e[k] = (e[k] as string).slice(0, WORDS_CHARS);
    }
    return `${JSON.stringify(turnRecordLine.parse(e))}\n`;
  }

  async #write(): Promise<void> {
    if (this.#queue.length === 0) return;
    const queued = this.#queue;
    this.#queue = [];
    const { path } = this.#o;
    try {
      const text = queued.map((e) => this.#serialise(e)).join("");
      if (this.#size === undefined) {
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        this.#size = await stat(path).then(
          (s) => s.size,
          () => 0,
        );
      }
      if (this.#o.now() - this.#compactedAt >= COMPACT_EVERY_MS) await this.#compact();
      await appendFile(path, text, { mode: 0o600 });
      this.#size += Buffer.byteLength(text);
      if (this.#size > this.#o.maxBytes) {
        await rename(path, `${path}.1`);
        this.#size = 0;
      }
    } catch (err) {
      this.#warn(err);
    }
  }

  /** Drops lines older than `keepMs` from both files (the `.1` goes when nothing in it is young). */
  async #compact(): Promise<void> {
    this.#compactedAt = this.#o.now();
    const cutoff = this.#o.now() - this.#o.keepMs;
    const { path } = this.#o;
    for (const p of [`${path}.1`, path]) {
      const text = await readFile(p, "utf8").catch(() => undefined);
      if (text === undefined) continue;
      const all = text.split("\n").filter((l) => l !== "");
      const kept = all.filter((l) => lineTime(l) >= cutoff);
      if (kept.length === all.length) continue;
      if (kept.length === 0) await rm(p, { force: true });
      else {
        const body = `${kept.join("\n")}\n`;
        await writeFile(`${p}.tmp`, body, { mode: 0o600 });
        await rename(`${p}.tmp`, p);
      }
      if (p === path) this.#size = kept.length === 0 ? 0 : Buffer.byteLength(`${kept.join("\n")}\n`);
    }
  }

  #warn(err: unknown): void {
    if (this.#warned) return;
    this.#warned = true;
    this.#o.logger?.warn({ err: (err as Error)?.message ?? String(err) }, "could not write the turn record");
  }
}

/** A line's time; an unreadable line counts as old (compaction drops it). */
function lineTime(line: string): number {
  const m = /"at":"([^"]+)"/.exec(line);
  const t = m?.[1] ? Date.parse(m[1]) : Number.NaN;
  return Number.isFinite(t) ? t : Number.NEGATIVE_INFINITY;
}

/** Every readable line of both writers' files (old ones first), at or after `since`; unreadable lines are counted. */
export function readTurnRecord(
  stateDir: string,
  since: number,
): { lines: TurnRecordLine[]; unreadable: number; found: boolean } {
  const lines: TurnRecordLine[] = [];
  let unreadable = 0;
  let found = false;
  for (const by of ["bridge", "listener"] as const) {
    const p = turnRecordPath(stateDir, by);
    for (const file of [`${p}.1`, p]) {
      if (!existsSync(file)) continue;
      found = true;
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch {
        continue;
      }
      for (const raw of text.split("\n")) {
        if (raw === "") continue;
        let parsed: ReturnType<typeof turnRecordLine.safeParse>;
        try {
          parsed = turnRecordLine.safeParse(JSON.parse(raw));
        } catch {
          unreadable++;
          continue;
        }
        if (!parsed.success) unreadable++;
        else if (Date.parse(parsed.data.at) >= since) lines.push(parsed.data);
      }
    }
  }
  return { lines, unreadable, found };
}
