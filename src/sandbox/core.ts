/** Wires the sandbox's parts together: tables, queues, webhooks, telephony, scheduler, threads, faults. */
import { type Logger, silentLogger } from "../log.js";
import { Faults } from "./faults.js";
import type { Tier } from "./phrases.js";
import { Queues } from "./queues.js";
import { Scheduler } from "./scheduler.js";
import { RequestStats } from "./stats.js";
import { Store } from "./store.js";
import { type CallKind, type SimCall, Telephony } from "./telephony.js";
import { ThreadPool } from "./threads.js";
import { DEFAULT_TIMINGS, makeScale, type SandboxTimings, type Scale } from "./timings.js";
import type { WebhookRef } from "./twiml.js";
import { RelayWebhooks } from "./webhooks.js";

export interface SandboxOptions {
  /** Simulated seconds per real second: 1 is real time, 50 runs a call 50× faster. Default 1. */
  timeScale?: number;
  /** Overrides of the relay's and the phone network's time constants (simulated seconds). */
  timings?: Partial<SandboxTimings>;
  /** Requests (API calls and webhooks together) served at once; extra ones wait. Default 8, like the relay's gunicorn. */
  threads?: number;
  /** JSON file for the tables (users, keys, schedules, call logs); undefined keeps them in memory. */
  stateFile?: string | undefined;
  logger?: Logger;
  /** Epoch ms for stored dates (created_at, started_at, billing). Default Date.now. */
  now?: () => number;
  /** Filler choice. Default Math.random. */
  random?: () => number;
  /** Scale `listen?timeout=` by the time scale too (a 20 s poll takes 1 s at scale 20). Default true. */
  scaleListen?: boolean;
  /** Real ms added to Twilio's 15 s webhook deadline against event-loop jitter. Default 250. */
  webhookTimeoutSlackMs?: number;
  /** Status callbacks for inbound calls on the shared number (hand-configured on the real relay). Default true. */
  sharedNumberStatusCallback?: boolean;
  /** Simulated callers never time out on a Gather by themselves; silence only via the API. Default false. */
  manualSilence?: boolean;
  /** Answer outbound calls by themselves after this many simulated seconds. Default: leave them ringing. */
  autoAnswerS?: number;
  /** Run cron jobs for schedules and maintenance. Default true. */
  runSchedules?: boolean;
  /** Tier of the seeded demo user. Default pro. */
  demoTier?: Tier;
  /** Largest request body read, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Ended calls kept for inspection. Default 500. */
  maxEndedCalls?: number;
  /** Answer `POST /api/v1/billing/checkout` as if CLAWCALL_WALLET were set. Default true. */
  walletConfigured?: boolean;
  /** Keep each relay request's headers (no key) and body in the request log, for client tests. Default false. */
  logBodies?: boolean;
}

export class SandboxCore {
  readonly timeScale: number;
  readonly timings: SandboxTimings;
  readonly scale: Scale;
  readonly log: Logger;
  readonly now: () => number;
  readonly random: () => number;
  readonly closing = new AbortController();
  readonly store: Store;
  readonly queues: Queues;
  readonly threads: ThreadPool;
  readonly faults = new Faults();
  readonly stats = new RequestStats();
  readonly webhooks: RelayWebhooks;
  readonly telephony: Telephony;
  readonly scheduler: Scheduler;
  readonly scaleListen: boolean;
  readonly maxBodyBytes: number;
  readonly walletConfigured: boolean;
  readonly logBodies: boolean;

  constructor(readonly options: SandboxOptions = {}) {
    this.timeScale = options.timeScale ?? 1;
    this.timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.scale = makeScale(this.timeScale);
    this.log = options.logger ?? silentLogger();
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.scaleListen = options.scaleListen ?? true;
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    this.walletConfigured = options.walletConfigured ?? true;
    this.logBodies = options.logBodies ?? false;
    this.store = new Store({ stateFile: options.stateFile, now: this.now, demoTier: options.demoTier });
    this.queues = new Queues({ slotTtlMs: this.scale(this.timings.slotTtlS), now: () => performance.now() });
    this.threads = new ThreadPool(options.threads ?? 8);
    this.webhooks = new RelayWebhooks({
      store: this.store,
      queues: this.queues,
      timings: this.timings,
      scale: this.scale,
      now: this.now,
      random: this.random,
      log: this.log,
      signal: this.closing.signal,
      emit: (sid, type, data) => {
        this.telephony.emit(sid, type, data);
      },
    });
    this.telephony = new Telephony({
      store: this.store,
      webhooks: () => this.webhooks,
      threads: this.threads,
      timings: this.timings,
      scale: this.scale,
      timeScale: this.timeScale,
      now: this.now,
      log: this.log,
      signal: this.closing.signal,
      webhookTimeoutSlackMs: options.webhookTimeoutSlackMs ?? 250,
      sharedNumberStatusCallback: options.sharedNumberStatusCallback ?? true,
      manualSilence: options.manualSilence ?? false,
      autoAnswerS: options.autoAnswerS,
      maxEndedCalls: options.maxEndedCalls ?? 500,
    });
    this.scheduler = new Scheduler({
      store: this.store,
      log: this.log,
      now: this.now,
      runJobs: options.runSchedules ?? true,
      placeScheduledCall: (row, to) =>
        this.placeOutbound({
          kind: "scheduled",
          agentId: row.agent_id,
          to,
          webhook: { name: "scheduled", params: { agent_id: row.agent_id, context: row.task_context } },
          extra: { schedule_id: row.id },
        }).sid,
    });
    this.scheduler.start();
  }

  /** `_get_outbound_number()`: the first phone_numbers row, whoever it belongs to. */
  outboundCallerId(): string {
    return this.store.t.phone_numbers[0]?.number ?? "+10000000000";
  }

  /** Places a call through the simulated Twilio. */
  placeOutbound(init: {
    kind: Exclude<CallKind, "inbound">;
    agentId: string;
    to: string;
    webhook: WebhookRef;
    extra?: Partial<SimCall>;
  }): SimCall {
    return this.telephony.dial({
      kind: init.kind,
      from: this.outboundCallerId(),
      to: init.to,
      agentId: init.agentId,
      answerWebhook: init.webhook,
      extra: init.extra,
    });
  }

  close(): void {
    this.closing.abort();
    this.scheduler.stop();
    this.telephony.closeAll();
    this.store.save();
  }
}

/** Twilio refuses to dial what is not a phone number; the relay passes its error text on as a JSON 500. */
export function twilioDialError(to: string): string | null {
  const digits = to.replace(/[\s().-]/g, "");
  if (/^\+?\d{7,15}$/.test(digits)) return null;
  return `HTTP 400 error: Unable to create record: The 'To' number ${to} is not a valid phone number.`;
}
