import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ClawcallError } from "../errors.js";
import { atomicWriteJson } from "../state/atomic.js";

/**
 * The daily cap on spending actions taken through `clawcall mcp`: each call placed, schedule created
 * and notifying task registered counts one. The count lives in `<stateDir>/mcp-spend.json` and is
 * re-read on every check, so the servers of several MCP clients (each spawns its own) share it.
 * "Today" is the calendar day in the configured zone, from the injected clock.
 */

export interface SpendGuardOptions {
  stateDir: string;
  /** Actions allowed per day; 0 refuses them all. */
  cap: number;
  /** IANA zone whose midnight starts a new day. */
  timeZone: string;
  now: () => number;
}

export interface SpendStatus {
  /** The day being counted, YYYY-MM-DD in `time_zone`. */
  day: string;
  time_zone: string;
  used_today: number;
  cap: number;
  remaining_today: number;
}

export interface SpendTicket {
  status: SpendStatus;
  /** Gives the action back (the relay refused it, so nothing was spent). */
  release(): void;
}

interface SpendFile {
  version: 1;
  day: string;
  used: number;
}

/** YYYY-MM-DD of `ms` in the zone (en-CA formats dates that way). */
export function dayKey(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date(ms));
}

export class SpendGuard {
  readonly path: string;
  readonly #o: SpendGuardOptions;

  constructor(o: SpendGuardOptions) {
    this.#o = o;
    this.path = join(o.stateDir, "mcp-spend.json");
  }

  /** Today's count; a file from an earlier day (or none, or an unreadable one) counts as zero. */
  #read(day: string): number {
    try {
      const doc = JSON.parse(readFileSync(this.path, "utf8")) as Partial<SpendFile>;
      return doc.day === day && Number.isInteger(doc.used) && (doc.used ?? 0) > 0 ? (doc.used as number) : 0;
    } catch {
      return 0;
    }
  }

  #write(day: string, used: number): void {
    atomicWriteJson(this.path, { version: 1, day, used } satisfies SpendFile);
  }

  #status(day: string, used: number): SpendStatus {
    const { cap, timeZone } = this.#o;
    return { day, time_zone: timeZone, used_today: used, cap, remaining_today: Math.max(0, cap - used) };
  }

  status(): SpendStatus {
    const day = dayKey(this.#o.now(), this.#o.timeZone);
    return this.#status(day, this.#read(day));
  }

  /**
   * Counts one action for today, or throws E_MCP_CALL_CAP. Read, check and write run without an
   * await in between, so concurrent tool calls in one server cannot both take the last slot.
   */
  reserve(what: string): SpendTicket {
    const { cap, timeZone } = this.#o;
    const day = dayKey(this.#o.now(), timeZone);
    const used = this.#read(day);
    if (used >= cap) throw capError(what, this.#status(day, used));
    this.#write(day, used + 1);
    let released = false;
    return {
      status: this.#status(day, used + 1),
      release: () => {
        if (released) return;
        released = true;
        const now = this.#read(day);
        // A new day has begun since: its count owes nothing to this action.
        if (dayKey(this.#o.now(), timeZone) === day && now > 0) this.#write(day, now - 1);
      },
    };
  }
}

function capError(what: string, s: SpendStatus): ClawcallError {
  if (s.cap === 0) {
    return new ClawcallError(
      "E_MCP_CALL_CAP",
      `Refused to ${what}: spending through MCP is turned off (CLAWCALL_MCP_DAILY_CALL_CAP=0). Ask the owner to set CLAWCALL_MCP_DAILY_CALL_CAP in this MCP server's environment if they want calls placed this way.`,
    );
  }
  return new ClawcallError(
    "E_MCP_CALL_CAP",
    `Refused to ${what}: the daily cap of ${s.cap} call${s.cap === 1 ? "" : "s"} placed through MCP is reached (${s.used_today} used on ${s.day}, ${s.time_zone}). It resets at midnight ${s.time_zone}. Do not retry today; tell the owner, who can raise CLAWCALL_MCP_DAILY_CALL_CAP in this MCP server's environment.`,
  );
}

export interface MinutesLike {
  tier: string;
  minutes_used: number;
  minutes_limit: number;
  minutes_remaining: number;
}

/** Below this share of the month's minutes (and at most this many minutes) the result warns. */
const WARN_SHARE = 0.1;
const WARN_MIN_MINUTES = 2;

/**
 * A warning when the month's minutes are nearly gone, else undefined. At the limit the relay refuses
 * outbound calls and hangs up inbound ones at the start (contract §6.3).
 */
export function minutesWarning(a: MinutesLike): string | undefined {
  const threshold = Math.max(WARN_MIN_MINUTES, Math.ceil(a.minutes_limit * WARN_SHARE));
  if (a.minutes_remaining > threshold) return undefined;
  if (a.minutes_remaining <= 0) {
    return a.tier === "free"
      ? `The month's ${a.minutes_limit} minutes are used up: the relay now refuses calls and hangs up when the owner calls in, until the 1st (UTC) or an upgrade (\`clawcall billing checkout pro\`).`
      : `The month's ${a.minutes_limit} included minutes are used up: at most 5 overage minutes remain before the relay refuses calls and hangs up inbound ones, until the owner pays (\`clawcall billing checkout\`).`;
  }
  return `Only ${a.minutes_remaining} of ${a.minutes_limit} minutes left this month (each call costs at least 1, rounded up per started minute). At the limit the relay refuses calls and hangs up when the owner calls in.`;
}
