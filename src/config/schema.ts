import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { DEFAULT_PHONE_TIMEOUT_MS, MAX_PHONE_TIMEOUT_MS } from "../listener/timings.js";
import { AGENT_WAIT_MS } from "../relay/deadlines.js";

/**
 * The sandbox relay seeds one demo agent with this key so that a fresh install runs with no
 * registration at all. It only ever opens the local sandbox; the real relay would answer 401.
 */
export const SANDBOX_DEMO_API_KEY = "5a4db0c5-0000-4000-8000-00000000c1a7";
export const LIVE_RELAY_URL = "https://api.clawcall.online";

const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().trim().optional());

const httpUrl = z
  .string()
  .trim()
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === "http:" || u.protocol === "https:";
    } catch {
      return false;
    }
  }, "expected an http(s) URL")
  .transform((s) => s.replace(/\/+$/, ""));

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `expected a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `expected at least ${min}`).max(max, `expected at most ${max}`));

const port = int(0, 65535);

/** Comma-separated E.164 numbers (`+14155550100, +442071234567`). */
const phoneList = z
  .string()
  .trim()
  .transform((s) => s.split(",").map((p) => p.trim().replace(/[\s.()-]/g, "")))
  .refine(
    (list) => list.every((p) => /^\+[1-9]\d{7,14}$/.test(p)),
    "expected phone numbers in E.164 (+, country code, number), separated by commas",
  );

const timeZone = z
  .string()
  .trim()
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, "expected an IANA time zone such as Europe/Berlin");

/** Every environment variable the runtime reads. Names carry units (`_MS`, `_S`). */
export const envSchema = z.object({
  CLAWCALL_API_KEY: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .regex(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
        "expected the UUID the relay issued",
      )
      .optional(),
  ),
  CLAWCALL_EMAIL: z.preprocess(emptyToUndefined, z.email("expected an email address").optional()),
  CLAWCALL_API_URL: z.preprocess(emptyToUndefined, httpUrl.optional()),
  CLAWCALL_AGENT_URL: z.preprocess(emptyToUndefined, httpUrl.optional()),
  CLAWCALL_AGENT_HOST: z.preprocess(emptyToUndefined, z.string().trim().default("127.0.0.1")),
  CLAWCALL_AGENT_PORT: z.preprocess(emptyToUndefined, port.default(4747)),
  CLAWCALL_PHONE_MODEL_MODE: z.preprocess(
    emptyToUndefined,
    z.enum(["gateway", "local", "openai", "off"]).default("gateway"),
  ),
  CLAWCALL_PHONE_MODEL: optionalString,
  OPENAI_BASE_URL: z.preprocess(emptyToUndefined, httpUrl.optional()),
  OPENAI_API_KEY: optionalString,
  /** Refused above the relay's filler point: a later answer or holding line comes after a filler. */
  CLAWCALL_PHONE_TIMEOUT_MS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .regex(/^\d+$/, `expected a whole number from 100 to ${MAX_PHONE_TIMEOUT_MS}`)
      .transform(Number)
      .pipe(
        z
          .number()
          .int()
          .min(100, "expected at least 100")
          .max(
            MAX_PHONE_TIMEOUT_MS,
            `expected at most ${MAX_PHONE_TIMEOUT_MS}: the relay plays a filler ${AGENT_WAIT_MS} ms after the caller spoke, and the answer or holding line must be posted before it`,
          ),
      )
      .default(DEFAULT_PHONE_TIMEOUT_MS),
  ),
  /** `main` routes the owner's calls into the agent's main gateway session; `call`: one session per call. */
  CLAWCALL_GATEWAY_SESSION: z.preprocess(emptyToUndefined, z.enum(["call", "main"]).default("call")),
  /** Keep-warm turns to the OpenClaw gateway while idle (src/bridge/model/warm-up.ts). */
  CLAWCALL_WARMUP: z.preprocess(emptyToUndefined, z.enum(["on", "off"]).default("on")),
  /** `GET /metrics` on the bridge (Prometheus text format); off by default. */
  CLAWCALL_METRICS: z.preprocess(emptyToUndefined, z.enum(["on", "off"]).default("off")),
  CLAWCALL_WARMUP_INTERVAL_MS: z.preprocess(emptyToUndefined, int(1_000, 3_600_000).default(15_000)),
  CLAWCALL_MODEL_STALL_MS: z.preprocess(emptyToUndefined, int(100, 120_000).default(5_000)),
  OPENCLAW_GATEWAY_URL: z.preprocess(emptyToUndefined, httpUrl.default("http://127.0.0.1:18789")),
  OPENCLAW_GATEWAY_TOKEN: optionalString,
  OPENCLAW_WORKSPACE_DIR: optionalString,
  CLAWCALL_OPENCLAW_AGENT: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, "expected an agent id (letters, digits, . _ -)")
      .default("default"),
  ),
  CLAWCALL_OPENCLAW_BIN: z.preprocess(emptyToUndefined, z.string().trim().default("openclaw")),
  CLAWCALL_AGENT_NAME: optionalString,
  CLAWCALL_USER_NAME: optionalString,
  CLAWCALL_TIMEZONE: z.preprocess(emptyToUndefined, timeZone.optional()),
  CLAWCALL_MAX_TURNS: z.preprocess(emptyToUndefined, int(1, 1024).default(32)),
  CLAWCALL_POLL_TIMEOUT_S: z.preprocess(emptyToUndefined, int(1, 25).default(10)),
  CLAWCALL_BRIDGE_TOKEN: optionalString,
  CLAWCALL_SANDBOX_PORT: z.preprocess(emptyToUndefined, port.default(4750)),
  CLAWCALL_SANDBOX_TIME_SCALE: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .regex(/^\d+(\.\d+)?$/, "expected a positive number (1 = real time, 10 = ten times faster)")
      .transform(Number)
      .pipe(z.number().positive().max(1000))
      .default(1),
  ),
  CLAWCALL_STATE_DIR: optionalString,
  /** Phones whose calls count as the owner's, besides the one `clawcall account --set-phone` recorded. */
  CLAWCALL_OWNER_PHONE: z.preprocess(emptyToUndefined, phoneList.optional()),
  /** A spoken PIN owner-number callers must say before private answers. Never echoed or logged. */
  CLAWCALL_OWNER_PIN: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .regex(/^\d{4,12}$/, "expected 4 to 12 digits")
      .optional(),
  ),
  /** Words the caller hears per answer before "say go on to hear more" (see src/speech/words.ts). */
  CLAWCALL_SPEECH_WORDS: z.preprocess(emptyToUndefined, int(10, 400).default(50)),
  /** Said when a third-party call opens; `off` says nothing. */
  CLAWCALL_RECORDING_NOTICE: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .max(200, "expected at most 200 characters (one short sentence), or off")
      .refine((s) => /\p{L}/u.test(s), 'expected a sentence such as "This call may be recorded.", or off')
      .default("This call may be recorded."),
  ),
  /** Calls (and schedules, and notifying tasks) `clawcall mcp` may place per day; 0 turns spending off. */
  CLAWCALL_MCP_DAILY_CALL_CAP: z.preprocess(emptyToUndefined, int(0, 1000).default(10)),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  ),
  NODE_ENV: optionalString,
});

export type Env = z.output<typeof envSchema>;

export type ModelMode = Env["CLAWCALL_PHONE_MODEL_MODE"];
export type LogLevel = Env["LOG_LEVEL"];

/** The frozen configuration every component receives. Nothing else reads `process.env`. */
export interface Config {
  readonly relay: {
    /** Unset `CLAWCALL_API_KEY` means the built-in sandbox relay. */
    readonly sandbox: boolean;
    readonly apiKey: string;
    readonly email: string | undefined;
    readonly apiUrl: string;
  };
  readonly bridge: {
    readonly host: string;
    readonly port: number;
    readonly token: string | undefined;
    /** Serve `GET /metrics` (Prometheus text format). */
    readonly metrics: boolean;
  };
  readonly listener: {
    /** Bridge URL; unset means CLI mode (`openclaw agent`). */
    readonly agentUrl: string | undefined;
    readonly maxTurns: number;
    readonly pollTimeoutS: number;
  };
  readonly model: {
    readonly mode: ModelMode;
    readonly model: string | undefined;
    readonly phoneTimeoutMs: number;
    /** No response headers from the model server within this long: the call hangs and is cut. */
    readonly stallMs: number;
    readonly openaiBaseUrl: string | undefined;
    readonly openaiApiKey: string | undefined;
    readonly gatewayUrl: string;
    readonly gatewayToken: string | undefined;
    readonly openclawAgent: string;
    readonly openclawBin: string;
    /** The owner's calls go into the agent's main gateway session (`x-openclaw-session-key: main`). */
    readonly mainSession: boolean;
    /** Keep-warm turns to the gateway (gateway mode only): after start, then every `intervalMs` while idle. */
    readonly warmUp: { readonly enabled: boolean; readonly intervalMs: number };
  };
  readonly identity: {
    readonly agentName: string | undefined;
    readonly userName: string | undefined;
    readonly timeZone: string;
    readonly workspaceDir: string;
  };
  readonly sandbox: {
    readonly port: number;
    readonly timeScale: number;
  };
  readonly mcp: {
    /** Spending actions per day (in `identity.timeZone`) through `clawcall mcp`; 0 refuses them all. */
    readonly dailyCallCap: number;
  };
  /** What the caller hears (see src/speech/). */
  readonly speech: {
    /** Word budget per answer; the rest waits for "go on". */
    readonly words: number;
    /** Said in a third-party call's opening; undefined when `off`. */
    readonly recordingNotice: string | undefined;
  };
  /** Who hears private answers on the phone (see src/bridge/caller-check.ts). */
  readonly owner: {
    readonly phones: readonly string[];
    readonly pin: string | undefined;
  };
  readonly stateDir: string;
  readonly logLevel: LogLevel;
  readonly production: boolean;
}

function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? join(homedir(), p.slice(1)) : p;
}

/** Turns validated variables into the nested, frozen config. */
export function toConfig(env: Env): Config {
  const sandbox = env.CLAWCALL_API_KEY === undefined;
  const apiUrl =
    env.CLAWCALL_API_URL ?? (sandbox ? `http://127.0.0.1:${env.CLAWCALL_SANDBOX_PORT}` : LIVE_RELAY_URL);
  const config: Config = {
    relay: {
      sandbox,
      apiKey: env.CLAWCALL_API_KEY ?? SANDBOX_DEMO_API_KEY,
      email: env.CLAWCALL_EMAIL,
      apiUrl,
    },
    bridge: {
      host: env.CLAWCALL_AGENT_HOST,
      port: env.CLAWCALL_AGENT_PORT,
      token: env.CLAWCALL_BRIDGE_TOKEN,
      metrics: env.CLAWCALL_METRICS === "on",
    },
    listener: {
      agentUrl: env.CLAWCALL_AGENT_URL,
      maxTurns: env.CLAWCALL_MAX_TURNS,
      pollTimeoutS: env.CLAWCALL_POLL_TIMEOUT_S,
    },
    model: {
      mode: env.CLAWCALL_PHONE_MODEL_MODE,
      model: env.CLAWCALL_PHONE_MODEL,
      phoneTimeoutMs: env.CLAWCALL_PHONE_TIMEOUT_MS,
      stallMs: env.CLAWCALL_MODEL_STALL_MS,
      openaiBaseUrl: env.OPENAI_BASE_URL,
      openaiApiKey: env.OPENAI_API_KEY,
      gatewayUrl: env.OPENCLAW_GATEWAY_URL,
      gatewayToken: env.OPENCLAW_GATEWAY_TOKEN,
      openclawAgent: env.CLAWCALL_OPENCLAW_AGENT,
      openclawBin: env.CLAWCALL_OPENCLAW_BIN,
      mainSession: env.CLAWCALL_GATEWAY_SESSION === "main",
      warmUp: { enabled: env.CLAWCALL_WARMUP === "on", intervalMs: env.CLAWCALL_WARMUP_INTERVAL_MS },
    },
    identity: {
      agentName: env.CLAWCALL_AGENT_NAME,
      userName: env.CLAWCALL_USER_NAME,
      timeZone: env.CLAWCALL_TIMEZONE ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC",
      workspaceDir: expandHome(env.OPENCLAW_WORKSPACE_DIR ?? "~/.openclaw/workspace"),
    },
    sandbox: { port: env.CLAWCALL_SANDBOX_PORT, timeScale: env.CLAWCALL_SANDBOX_TIME_SCALE },
    mcp: { dailyCallCap: env.CLAWCALL_MCP_DAILY_CALL_CAP },
    speech: {
      words: env.CLAWCALL_SPEECH_WORDS,
      recordingNotice: /^off$/i.test(env.CLAWCALL_RECORDING_NOTICE)
        ? undefined
        : env.CLAWCALL_RECORDING_NOTICE,
    },
    owner: { phones: env.CLAWCALL_OWNER_PHONE ?? [], pin: env.CLAWCALL_OWNER_PIN },
    stateDir: expandHome(env.CLAWCALL_STATE_DIR ?? "~/.clawcall"),
    logLevel: env.LOG_LEVEL,
    production: env.NODE_ENV === "production",
  };
  return deepFreeze(config);
}

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === "object") deepFreeze(v);
  return Object.freeze(o);
}
