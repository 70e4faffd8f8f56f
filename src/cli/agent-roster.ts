import type { AccountResponse, AgentItem } from "../relay/schemas.js";
import { voiceFromInput } from "./commands/voice.js";
import { clean } from "./format.js";
import { UUID_RE, usageError } from "./validate.js";

/**
 * The account's agents as `clawcall agents` shows them: the relay lists an agent once per phone
 * number (a LEFT JOIN), so rows are folded into one agent each, with the primary (oldest) agent and
 * the one this CLI's key belongs to marked.
 */

export type NumberKind = "dedicated" | "shared" | "none";

export interface RosterAgent {
  id: string;
  name: string | null;
  /** The dedicated number if it has one, else the shared number it is reached on, else null. */
  phone_number: string | null;
  number: NumberKind;
  /** Short name (aria) when it is one of ours, else the relay's Polly id as stored. */
  voice: string | null;
  voice_id: string | null;
  webhook_url: string | null;
  webhook_push_url: string | null;
  created_at: string | null;
  /** The oldest agent: reached on the shared number, and the relay will not delete it. */
  primary: boolean;
  /** The agent whose key this CLI uses (CLAWCALL_API_KEY). */
  this_cli: boolean;
}

function createdMs(a: AgentItem): number {
  const t = Date.parse(a.created_at ?? "");
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

/**
 * One entry per agent, in the relay's order. Only the primary agent is reached on the shared
 * number (caller-ID routing picks a user's oldest agent), so another agent without a row of its own
 * has no number at all (the relay could not buy one).
 */
export function buildRoster(items: readonly AgentItem[], acc: AccountResponse): RosterAgent[] {
  const byId = new Map<string, AgentItem[]>();
  for (const it of items) byId.set(it.id, [...(byId.get(it.id) ?? []), it]);
  const firsts = [...byId.values()].map((rows) => rows[0]!);
  // Stable: on equal creation seconds the relay's order (oldest first) decides.
  const primaryId = firsts.reduce<AgentItem | undefined>(
    (best, a) => (best === undefined || createdMs(a) < createdMs(best) ? a : best),
    undefined,
  )?.id;
  const shared = acc.is_dedicated ? null : acc.phone_number;
  return firsts.map((a) => {
    const rows = byId.get(a.id)!;
    const dedicated = rows.find((r) => r.phone_number && r.is_dedicated === true);
    const primary = a.id === primaryId;
    let phone: string | null = dedicated?.phone_number ?? null;
    let number: NumberKind = dedicated ? "dedicated" : "none";
    if (!dedicated && primary) {
      phone = rows.find((r) => r.phone_number)?.phone_number ?? shared;
      number = phone ? "shared" : "none";
    }
    const voiceId = a.voice ?? null;
    return {
      id: a.id,
      name: a.name,
      phone_number: phone,
      number,
      voice: voiceId === null ? null : (voiceFromInput(voiceId) ?? voiceId),
      voice_id: voiceId,
      webhook_url: a.webhook_url ?? null,
      webhook_push_url: a.webhook_push_url ?? null,
      created_at: a.created_at ?? null,
      primary,
      this_cli: a.id === acc.agent_id,
    };
  });
}

/**
 * The agent an argument names: an id (passed on even when not listed, so the relay's own answer,
 * tier refusal or "Agent not found", decides), or a name only one agent has (any case).
 */
export function resolveAgent(
  roster: readonly RosterAgent[],
  ref: string,
): { id: string; agent: RosterAgent | undefined } {
  const want = ref.trim();
  if (UUID_RE.test(want)) {
    const agent = roster.find((a) => a.id.toLowerCase() === want.toLowerCase());
    return { id: agent?.id ?? want, agent };
  }
  const named = roster.filter((a) => (a.name ?? "").trim().toLowerCase() === want.toLowerCase());
  if (named.length === 1) return { id: named[0]!.id, agent: named[0] };
  if (named.length === 0) {
    throw usageError(`no agent named "${clean(want, 60)}" — give a name or id from \`clawcall agents list\``);
  }
  throw usageError(
    `${named.length} agents are named "${clean(want, 60)}" — give the id instead (see \`clawcall agents list\`)`,
  );
}

const NUMBER_NOTE: Record<NumberKind, string> = {
  dedicated: "dedicated: anyone can call it",
  shared: "shared: callers are matched by their registered phone",
  none: "no number",
};

/** `"Sales" (id)` for sentences. */
export function agentLabel(a: Pick<RosterAgent, "id" | "name">): string {
  return `${a.name ? `"${clean(a.name, 60)}"` : "(unnamed)"} (${clean(a.id, 40)})`;
}

/** The text listing: a block per agent. */
export function rosterLines(roster: readonly RosterAgent[]): string[] {
  const out: string[] = [];
  for (const a of roster) {
    const marks = [a.primary ? "primary" : "", a.this_cli ? "this CLI" : ""].filter(Boolean);
    out.push(`${agentLabel(a)}${marks.length > 0 ? `  [${marks.join(", ")}]` : ""}`);
    const phone = a.phone_number
      ? `${clean(a.phone_number, 20)} (${NUMBER_NOTE[a.number]})`
      : NUMBER_NOTE.none;
    out.push(`    number: ${phone}`);
    out.push(`    voice: ${a.voice ? clean(a.voice, 40) : "-"}`);
    if (a.webhook_push_url) out.push(`    push webhook: ${clean(a.webhook_push_url, 200)}`);
  }
  return out;
}
