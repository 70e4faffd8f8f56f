import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { describeError, type RelayWhere } from "../cli/relay-errors.js";
import type { Config } from "../config/index.js";
import { ClawcallError, type ErrorCode, RelayHttpError } from "../errors.js";
import type { Logger } from "../log.js";
import type { RelayClient } from "../relay/client.js";
import type { BridgeTasks } from "./bridge-tasks.js";
import { minutesWarning, type SpendGuard, type SpendStatus } from "./spend-guard.js";

/** What every tool is built from; all injected, so tests can swap the clock or the relay. */
export interface McpDeps {
  config: Config;
  relay: Pick<
    RelayClient,
    "account" | "callback" | "thirdParty" | "createSchedule" | "listSchedules" | "deleteSchedule" | "history"
  >;
  tasks: BridgeTasks;
  /** Tells the running bridge that schedules changed (best effort; absent in tests that need no bridge). */
  refreshBridge?: () => Promise<unknown>;
  guard: SpendGuard;
  now: () => number;
  /** Resolves false when aborted. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<boolean>;
  /** How often `wait_for_call` asks the relay. */
  pollMs: number;
  log: Logger;
  /** Where the relay is, for error lines ("the sandbox relay is not running at …"). */
  where: RelayWhere;
}

export type Registrar = (server: McpServer, deps: McpDeps) => void;

/** A successful result: a short summary line for the model plus the same data as structured content. */
export function ok(summary: string, structured: Record<string, unknown>): CallToolResult {
  return {
    content: [{ type: "text", text: `${summary}\n${JSON.stringify(structured)}` }],
    structuredContent: structured,
  };
}

/**
 * A tool error (`isError: true`, never a protocol error): the stable code, one line with what went
 * wrong and what to do (the CLI's wording, which names the fix), and the relay's own message.
 */
export function toolError(err: unknown, where: RelayWhere, log: Logger): CallToolResult {
  const report = describeError(err, where);
  const code: ErrorCode = err instanceof ClawcallError ? err.code : "E_MCP_INTERNAL";
  let text: string;
  if (report) {
    text = `${code}: ${report.line}`;
    if (err instanceof RelayHttpError && !report.line.includes(err.relayMessage)) {
      text += ` (the relay said: HTTP ${err.status} "${err.relayMessage}")`;
    }
  } else {
    // A bug of ours: say so plainly, keep serving, and leave the details in the log.
    log.error({ err }, "tool failed unexpectedly");
    text = `${code}: clawcall failed unexpectedly (${err instanceof Error ? err.message : String(err)}); this is a bug, the server keeps running`;
  }
  return { content: [{ type: "text", text }], isError: true };
}

/** Runs a tool body, turning any error into a tool error result. */
export async function guarded(deps: McpDeps, body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (err) {
    return toolError(err, deps.where, deps.log);
  }
}

export const spendOut = z.object({
  day: z.string().describe("the day being counted, YYYY-MM-DD in time_zone"),
  time_zone: z.string(),
  used_today: z.number(),
  cap: z.number(),
  remaining_today: z.number(),
});

export const warningOut = z
  .string()
  .nullable()
  .describe("set when the month's minutes are nearly gone: tell the owner");

/**
 * Takes one slot of the daily cap, runs `act`, and gives the slot back if `act` failed (nothing was
 * spent). Then reads the account (best effort) for the minutes warning.
 */
export async function spend<T>(
  deps: McpDeps,
  what: string,
  act: () => Promise<T>,
): Promise<{ value: T; spend: SpendStatus; minutes_warning: string | null }> {
  const ticket = deps.guard.reserve(what);
  let value: T;
  try {
    value = await act();
  } catch (err) {
    ticket.release();
    throw err;
  }
  return { value, spend: ticket.status, minutes_warning: await warningFor(deps) };
}

/** The minutes warning for the account, or null (also when the account cannot be read right now). */
export async function warningFor(deps: McpDeps): Promise<string | null> {
  try {
    const acc = await deps.relay.account({ signal: AbortSignal.timeout(5_000) });
    return minutesWarning(acc) ?? null;
  } catch {
    return null;
  }
}

/** Appends the warning to a summary so models that read only the text still see it. */
export function withWarning(summary: string, warning: string | null): string {
  return warning ? `${summary} WARNING: ${warning}` : summary;
}

/** Annotations shared by the tools that spend the owner's minutes. */
export const SPENDING = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: true,
} as const;

/** Annotations of the tools that only read from the relay. */
export const READ_ONLY = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
} as const;

export const TIER_NOTE = "Needs the Pro or Team tier (the free tier gets a tier error).";
export const COST_NOTE =
  "Costs the owner's minutes: each connected call is billed per started minute (at least 1) when it ends, and counts one toward the daily cap on calls placed through MCP (CLAWCALL_MCP_DAILY_CALL_CAP).";
