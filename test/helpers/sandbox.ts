/**
 * The sandbox relay (src/sandbox) as the one relay for tests: in this process on 127.0.0.1:0, with
 * its request log keeping bodies so a test can read what a client sent.
 */
import { buildSandbox, type Sandbox, type SandboxOptions } from "../../src/sandbox/index.js";
import type { RequestRecord } from "../../src/sandbox/stats.js";

export interface RunningSandbox {
  sb: Sandbox;
  url: string;
  close(): Promise<void>;
}

/** The sandbox relay in this process on 127.0.0.1:0, 20× faster than real time, callers never time out. */
export async function startSandbox(opts: SandboxOptions = {}): Promise<RunningSandbox> {
  const sb = buildSandbox({ timeScale: 20, runSchedules: false, manualSilence: true, ...opts });
  const { url } = await sb.listen(0);
  return { sb, url, close: () => sb.close() };
}

/** A relay request from the sandbox's log, with its query and JSON body parsed. */
export interface LoggedRequest extends RequestRecord {
  pathname: string;
  query: URLSearchParams;
  // biome-ignore lint/suspicious/noExplicitAny: request bodies are checked field by field
  json: any;
}

/** Every relay request the sandbox has seen (needs `logBodies: true` for headers and bodies). */
export function relayRequests(sb: Sandbox): LoggedRequest[] {
  return sb.sim.stats().map((r) => {
    const u = new URL(r.path, "http://relay.invalid");
    let json: unknown;
    try {
      json = r.body ? JSON.parse(r.body) : undefined;
    } catch {}
    return { ...r, pathname: u.pathname, query: u.searchParams, json };
  });
}

/** Requests to one path (no query), in order. */
export function hits(sb: Sandbox, method: string, pathname: string): LoggedRequest[] {
  return relayRequests(sb).filter((r) => r.method === method && r.pathname === pathname);
}

/**
 * Hand-made call sids shown in the demo account's history as live calls from the demo phone to the shared
 * number, so the bridge's caller check knows them as the owner's (src/bridge/caller-check.ts). Another
 * account's agent when `agentId` is given.
 */
export function seedOwnerCalls(sb: Sandbox, sids: readonly string[], agentId?: string): void {
  const agent_id = agentId ?? sb.sim.demo().agent_id;
  for (const sid of sids)
    sb.sim.addCallLog({
      agent_id,
      call_sid: sid,
      started_at: new Date().toISOString(),
      // Live calls: the bridge calls back only once the history shows a call is over.
      status: "in-progress",
      duration_seconds: null,
    });
}
