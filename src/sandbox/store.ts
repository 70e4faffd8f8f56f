/**
 * The relay's database tables, in memory, optionally saved to a JSON file so registered keys survive
 * a restart. Call-bridge state (queues, slots, transcripts) is not here: like the real server's, it
 * lives only in process memory (see queues.ts).
 */
import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { SANDBOX_DEMO_API_KEY } from "../config/schema.js";
import { atomicWriteJson } from "../state/atomic.js";
import {
  DEFAULT_VOICE,
  DEMO_AGENT_ID,
  DEMO_EMAIL,
  DEMO_PHONE,
  DEMO_USER_ID,
  SHARED_NUMBER,
  SHARED_NUMBER_ID,
  TIER_LIMITS,
  type Tier,
} from "./phrases.js";

export interface UserRow {
  id: string;
  email: string;
  phone_number: string | null;
  tier: Tier;
  minutes_limit: number;
  minutes_used_this_month: number;
  overage_minutes: number;
  subscription_valid_until: number | null;
  subscription_auto_renew: boolean;
  created_at: number;
}

export interface AgentRow {
  id: string;
  user_id: string;
  name: string;
  webhook_url: string | null;
  api_key_hash: string;
  voice: string;
  webhook_push_url: string | null;
  created_at: number;
  /** Insertion counter: the "oldest agent" tie-break when two share a timestamp. */
  seq: number;
}

export interface PhoneNumberRow {
  id: string;
  number: string;
  agent_id: string | null;
  is_shared_pool: boolean;
}

export type CallType = "user_initiated" | "task_callback" | "scheduled" | "third_party";

export interface CallLogRow {
  id: string;
  agent_id: string | null;
  user_id: string;
  twilio_call_sid: string;
  direction: "inbound" | "outbound";
  call_type: CallType;
  from_number: string | null;
  to_number: string | null;
  duration_seconds: number | null;
  status: string;
  started_at: number;
  ended_at: number | null;
  transcript_json: string | null;
  seq: number;
}

export interface ScheduleRow {
  id: string;
  agent_id: string;
  label: string;
  cron_expression: string;
  task_context: string;
  timezone: string;
  is_active: boolean;
  last_run_at: number | null;
  created_at: number;
  seq: number;
}

export interface CallbackRow {
  id: string;
  agent_id: string;
  message: string;
  allow_followup: boolean;
  status: string;
  call_sid: string | null;
  created_at: number;
}

export interface ThirdPartyRow {
  id: string;
  agent_id: string;
  to_number: string;
  objective: string;
  context: string;
  status: string;
  call_sid: string | null;
  transcript_json: string | null;
  created_at: number;
}

export interface PaymentRow {
  id: string;
  user_id: string;
  tx_signature: string;
  tier: "pro" | "team";
  amount_raw: number;
  status: "confirmed" | "failed";
  confirmed_at: number | null;
  valid_until: number | null;
  created_at: number;
}

export interface Tables {
  users: UserRow[];
  agents: AgentRow[];
  phone_numbers: PhoneNumberRow[];
  call_logs: CallLogRow[];
  schedules: ScheduleRow[];
  callbacks: CallbackRow[];
  third_party_calls: ThirdPartyRow[];
  payments: PaymentRow[];
  seq: number;
}

export function sha256Hex(s: string): string {
  return createHash("sha256").update(s, "utf8").digest("hex");
}

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Postgres accepts a UUID with or without hyphens, any case, optionally in braces; anything else errors. */
export function isPgUuid(s: string): boolean {
  const t = s.startsWith("{") && s.endsWith("}") ? s.slice(1, -1) : s;
  return UUID_RE.test(t);
}

export function normalizeUuid(s: string): string {
  const t = (s.startsWith("{") && s.endsWith("}") ? s.slice(1, -1) : s).replaceAll("-", "").toLowerCase();
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-${t.slice(12, 16)}-${t.slice(16, 20)}-${t.slice(20)}`;
}

function emptyTables(): Tables {
  return {
    users: [],
    agents: [],
    phone_numbers: [],
    call_logs: [],
    schedules: [],
    callbacks: [],
    third_party_calls: [],
    payments: [],
    seq: 0,
  };
}

export interface StoreOptions {
  /** JSON file to load at start and save to after changes; undefined keeps everything in memory. */
  stateFile?: string | undefined;
  now: () => number;
  /** Seed the demo user on this tier. Default pro. */
  demoTier?: Tier;
}

/** The tables plus the handful of queries the routes share. */
export class Store {
  readonly t: Tables;
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly stateFile: string | undefined;
  private readonly now: () => number;

  constructor(opts: StoreOptions) {
    this.stateFile = opts.stateFile;
    this.now = opts.now;
    this.t = this.stateFile ? loadTables(this.stateFile) : emptyTables();
    this.seed(opts.demoTier ?? "pro");
  }

  nextSeq(): number {
    this.t.seq += 1;
    return this.t.seq;
  }

  /** Internal. The shared pool number, the demo user and the demo agent, unless already present. */
  private seed(demoTier: Tier): void {
    if (!this.t.phone_numbers.some((p) => p.is_shared_pool)) {
      this.t.phone_numbers.unshift({
        id: SHARED_NUMBER_ID,
        number: SHARED_NUMBER,
        agent_id: null,
        is_shared_pool: true,
      });
    }
    if (!this.t.users.some((u) => u.email === DEMO_EMAIL)) {
      const now = this.now();
      this.t.users.push({
        id: DEMO_USER_ID,
        email: DEMO_EMAIL,
        phone_number: DEMO_PHONE,
        tier: demoTier,
        minutes_limit: TIER_LIMITS[demoTier],
        minutes_used_this_month: 0,
        overage_minutes: 0,
        subscription_valid_until: null,
        subscription_auto_renew: false,
        created_at: now,
      });
      this.t.agents.push({
        id: DEMO_AGENT_ID,
        user_id: DEMO_USER_ID,
        name: "Demo Agent",
        webhook_url: "",
        api_key_hash: sha256Hex(SANDBOX_DEMO_API_KEY),
        voice: DEFAULT_VOICE,
        webhook_push_url: null,
        created_at: now,
        seq: this.nextSeq(),
      });
    }
    this.changed();
  }

  /** A user with one agent (what a first register does), saved; the key is stored as its hash. */
  addUserWithAgent(init: {
    email: string;
    phone: string | null;
    tier: Tier;
    agentName: string;
    webhookUrl: string;
    apiKey: string;
  }): { user: UserRow; agent: AgentRow } {
    const now = this.now();
    const user: UserRow = {
      id: randomUUID(),
      email: init.email,
      phone_number: init.phone,
      tier: init.tier,
      minutes_limit: TIER_LIMITS[init.tier],
      minutes_used_this_month: 0,
      overage_minutes: 0,
      subscription_valid_until: null,
      subscription_auto_renew: false,
      created_at: now,
    };
    const agent: AgentRow = {
      id: randomUUID(),
      user_id: user.id,
      name: init.agentName,
      webhook_url: init.webhookUrl,
      api_key_hash: sha256Hex(init.apiKey),
      voice: DEFAULT_VOICE,
      webhook_push_url: null,
      created_at: now,
      seq: this.nextSeq(),
    };
    this.t.users.push(user);
    this.t.agents.push(agent);
    this.changed();
    return { user, agent };
  }

  agentByKey(token: string): AgentRow | undefined {
    const h = sha256Hex(token);
    return this.t.agents.find((a) => a.api_key_hash === h);
  }

  agent(id: string): AgentRow | undefined {
    return this.t.agents.find((a) => a.id === id);
  }

  user(id: string): UserRow | undefined {
    return this.t.users.find((u) => u.id === id);
  }

  userOf(agent: AgentRow): UserRow | undefined {
    return this.user(agent.user_id);
  }

  agentsOf(userId: string): AgentRow[] {
    return this.t.agents
      .filter((a) => a.user_id === userId)
      .sort((a, b) => a.created_at - b.created_at || a.seq - b.seq);
  }

  oldestAgent(userId: string): AgentRow | undefined {
    return this.agentsOf(userId)[0];
  }

  sharedNumber(): PhoneNumberRow | undefined {
    return this.t.phone_numbers.find((p) => p.is_shared_pool);
  }

  numberOfAgent(agentId: string): PhoneNumberRow | undefined {
    return this.t.phone_numbers.find((p) => p.agent_id === agentId);
  }

  /** The agent's own number, else the shared pool number, else none. */
  agentNumber(agentId: string): { number: string | null; dedicated: boolean } {
    const own = this.numberOfAgent(agentId);
    if (own) return { number: own.number, dedicated: !own.is_shared_pool };
    const shared = this.sharedNumber();
    return { number: shared?.number ?? null, dedicated: false };
  }

  newId(): string {
    return randomUUID();
  }

  /** Marks the tables dirty; the file (if any) is written shortly after. */
  changed(): void {
    if (!this.stateFile || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.save();
    }, 100);
    this.saveTimer.unref();
  }

  save(): void {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
    }
    if (this.stateFile) atomicWriteJson(this.stateFile, { version: 1, tables: this.t });
  }
}

function loadTables(path: string): Tables {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return emptyTables();
    throw err;
  }
  const doc = JSON.parse(raw) as { version?: number; tables?: Partial<Tables> };
  if (doc.version !== 1 || !doc.tables) throw new Error(`${path}: not a sandbox state file (version 1)`);
  return { ...emptyTables(), ...doc.tables };
}
