/**
 * The relay's APScheduler, played by croner: one job per schedule row (fired at its times in its zone,
 * with APScheduler's weekday numbering), the monthly minute reset and the daily subscription expiry.
 */
import { Cron } from "croner";
import type { Logger } from "../log.js";
import { cronFor } from "./cron.js";
import { withinLimit } from "./minutes.js";
import { TIER_LIMITS } from "./phrases.js";
import type { ScheduleRow, Store } from "./store.js";

export type FireResult = { ok: true; call_sid: string } | { ok: false; skipped: string };

export interface SchedulerOptions {
  store: Store;
  log: Logger;
  now: () => number;
  /** Places the scheduled call to the user's phone; returns its sid. */
  placeScheduledCall: (row: ScheduleRow, to: string) => string;
  /** Run the cron jobs (false in tests that only fire schedules by hand). */
  runJobs: boolean;
}

export class Scheduler {
  private readonly jobs = new Map<string, Cron>();
  private readonly system: Cron[] = [];

  constructor(private readonly o: SchedulerOptions) {}

  /** Registers every stored schedule and the two maintenance jobs (as the relay does at start-up). */
  start(): void {
    for (const row of this.o.store.t.schedules) {
      try {
        this.register(row);
      } catch (err) {
        this.o.log.warn({ err, schedule_id: row.id }, "stored schedule could not be registered");
      }
    }
    if (!this.o.runJobs) return;
    const opts = { timezone: "UTC", unref: true, catch: true } as const;
    this.system.push(new Cron("0 0 1 * *", opts, () => this.monthlyReset()));
    this.system.push(new Cron("0 2 * * *", opts, () => this.expireSubscriptions()));
  }

  /** Adds the cron job for a row; throws CronValueError for a bad expression. */
  register(row: ScheduleRow): void {
    const preview = cronFor(row.cron_expression, row.timezone);
    if (!this.o.runJobs) return;
    const job = new Cron(
      preview.getPattern() ?? "",
      {
        timezone: preview.options.timezone ?? "UTC",
        domAndDow: true,
        mode: "5-part",
        unref: true,
        catch: (err) => this.o.log.error({ err, schedule_id: row.id }, "scheduled job failed"),
      },
      () => {
        this.fire(row.id);
      },
    );
    this.jobs.get(row.id)?.stop();
    this.jobs.set(row.id, job);
  }

  /** When the registered job fires next, or null when no job runs for this id. */
  jobNextRun(id: string): Date | null {
    return this.jobs.get(id)?.nextRun() ?? null;
  }

  unregister(id: string): void {
    this.jobs.get(id)?.stop();
    this.jobs.delete(id);
  }

  /** The next `n` fire times of a schedule (epoch ms), computed the way the job fires. */
  nextRuns(row: ScheduleRow, n: number, from?: Date): Date[] {
    return cronFor(row.cron_expression, row.timezone).nextRuns(n, from);
  }

  /**
   * A job firing: checks the user's phone and minute limit (not the tier), places the call, sets
   * `last_run_at`. A skipped firing is only logged, as on the relay.
   */
  fire(id: string): FireResult {
    const { store } = this.o;
    const row = store.t.schedules.find((s) => s.id === id);
    if (!row) return { ok: false, skipped: "schedule not found" };
    const agent = store.agent(row.agent_id);
    const user = agent ? store.userOf(agent) : undefined;
    if (!agent || !user) return this.skip(row, "agent or user missing");
    if (!user.phone_number) return this.skip(row, "user has no phone_number");
    if (!withinLimit(user)) return this.skip(row, "monthly minute limit reached");
    const sid = this.o.placeScheduledCall(row, user.phone_number);
    row.last_run_at = this.o.now();
    store.changed();
    return { ok: true, call_sid: sid };
  }

  private skip(row: ScheduleRow, why: string): FireResult {
    this.o.log.info({ schedule_id: row.id, reason: why }, "scheduled call skipped");
    return { ok: false, skipped: why };
  }

  monthlyReset(): void {
    for (const u of this.o.store.t.users) u.minutes_used_this_month = 0;
    this.o.store.changed();
  }

  expireSubscriptions(): void {
    const now = this.o.now();
    for (const u of this.o.store.t.users) {
      if (u.tier !== "free" && u.subscription_valid_until !== null && u.subscription_valid_until < now) {
        u.tier = "free";
        u.minutes_limit = TIER_LIMITS.free;
      }
    }
    this.o.store.changed();
  }

  stop(): void {
    for (const j of this.jobs.values()) j.stop();
    this.jobs.clear();
    for (const j of this.system) j.stop();
    this.system.length = 0;
  }
}
