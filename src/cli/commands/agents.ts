import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { LIVE_RELAY_URL } from "../../config/index.js";
import { TEAM_MAX_AGENTS, VOICES, type Voice } from "../../relay/schemas.js";
import { agentLabel, buildRoster, resolveAgent, rosterLines } from "../agent-roster.js";
import type { CommandContext } from "../command.js";
import { saveKeyFile } from "../env-file.js";
import { clean, json } from "../format.js";
import { ask } from "../prompt.js";
import { type CommandHelpers, parseCommandArgs, runSubcommands } from "../relay-command.js";
import { checkHttpUrl, usageError } from "../validate.js";
import { voiceFromInput } from "./voice.js";

export const summary = "your agents: list | add <name> | update <id|name> | rm <id|name> (add, rm: Team)";
export const usage = `Usage:
  clawcall agents list [--json]
  clawcall agents add <name> [--webhook-url <url>] [--voice <name>] [--show-key] [--json]
  clawcall agents update <id|name> [--name <new name>] [--webhook-url <url>] [--voice <name>] [--json]
  clawcall agents rm <id|name> [--yes] [--json]

list    Every agent on the account: its number (dedicated or shared), voice and push webhook; the
        primary (first) agent and the one this CLI's key belongs to are marked. Any tier.
add     A new agent with its own API key and, when the relay can get one, its own dedicated number
        (Team tier, ${TEAM_MAX_AGENTS} agents at most). The key is saved to <state dir>/agents/<id>.env (mode 600)
        and never printed (--show-key prints it). --webhook-url: the relay requires one but never
        calls it (agents answer through the long poll); default this machine's bridge URL.
        --voice: ${VOICES.join(", ")}.
update  Renames an agent or changes its webhook URL (any tier). --voice only for the agent this
        CLI's key belongs to: the relay sets a voice with the agent's own key.
rm      Removes an agent, its number and its schedules (Team tier). Asks for the name on a
        terminal; --yes skips that. The primary agent cannot be removed; removing the agent this
        CLI is configured as needs --yes and ends its key.

Examples:
  clawcall agents add "Sales line" --voice joanna
  clawcall agents update "Sales line" --name "Sales"
  clawcall agents rm Sales --yes`;

const jsonOption = { json: { type: "boolean", default: false } } as const;

function voiceArg(v: string | undefined): Voice | undefined {
  if (v === undefined) return undefined;
  const voice = voiceFromInput(v);
  if (!voice) throw usageError(`unknown voice "${clean(v, 40)}" — choose one of: ${VOICES.join(", ")}`);
  return voice;
}

function urlArg(v: string | undefined): string | undefined {
  return v === undefined ? undefined : checkHttpUrl(v, "--webhook-url");
}

function oneRef(positionals: string[], what: string): string {
  if (positionals.length !== 1 || positionals[0]!.trim() === "") {
    throw usageError(`give one agent ${what} (a name or id from \`clawcall agents list\`)`);
  }
  return positionals[0]!;
}

async function loadRoster(h: CommandHelpers) {
  const client = h.relay();
  const [acc, res] = await Promise.all([client.account(), client.listAgents()]);
  return { client, acc, roster: buildRoster(res.agents, acc) };
}

async function list(argv: string[], ctx: CommandContext, h: CommandHelpers): Promise<number> {
  const { values, positionals } = parseCommandArgs({ args: argv, options: jsonOption });
  if (positionals.length > 0) throw usageError(`unexpected argument "${clean(positionals[0], 40)}"`);
  const { acc, roster } = await loadRoster(h);
  if (values.json) {
    ctx.out(json({ ok: true, tier: acc.tier, max_agents: TEAM_MAX_AGENTS, agents: roster }));
    return 0;
  }
  for (const line of rosterLines(roster)) ctx.out(line);
  const tier = clean(acc.tier, 10);
  if (tier !== "team") {
    ctx.out(
      `${roster.length} agent${roster.length === 1 ? "" : "s"} (${tier} tier). More agents need the Team tier: \`clawcall billing checkout team\`.`,
    );
  } else {
    ctx.out(`${roster.length} of ${TEAM_MAX_AGENTS} agents (team tier).`);
  }
  return 0;
}

/**
 * Where an agent's key is kept: the state dir, never the current directory (which may be a git
 * checkout a `git add .` would publish). Named by id, so a rename keeps it and `rm` finds it.
 */
export function keyFileFor(stateDir: string, id: string): string {
  const dir = join(stateDir, "agents");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return join(dir, `${id}.env`);
}

async function add(argv: string[], ctx: CommandContext, h: CommandHelpers): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    options: {
      "webhook-url": { type: "string" },
      voice: { type: "string" },
      "show-key": { type: "boolean", default: false },
      ...jsonOption,
    },
  });
  if (positionals.length !== 1 || positionals[0]!.trim() === "") {
    throw usageError('give the new agent\'s name, quoted if it has spaces: clawcall agents add "Sales line"');
  }
  const name = positionals[0]!.trim();
  const voice = voiceArg(values.voice);
  const config = h.config();
  const webhookUrl =
    urlArg(values["webhook-url"]) ?? `http://127.0.0.1:${config.bridge.port}/clawcall/message`;
  const res = await h.relay().createAgent({ agent_name: name, agent_webhook_url: webhookUrl });

  const keyFile = keyFileFor(config.stateDir, res.agent_id);
  const updates: Record<string, string> = { CLAWCALL_API_KEY: res.api_key };
  // The key only works with the relay that issued it.
  if (config.relay.apiUrl !== LIVE_RELAY_URL) updates.CLAWCALL_API_URL = config.relay.apiUrl;
  if (!saveKeyFile(ctx, "agents add", keyFile, updates, res.api_key)) return 1;
  // A voice is set with the agent's own key (POST /account/voice acts on the caller).
  let voiceSet: string | undefined;
  try {
    if (voice) voiceSet = (await h.relay({ apiKey: res.api_key }).setVoice(voice)).voice;
  } catch (err) {
    ctx.err(
      `note: agent ${res.agent_id} was added and its key saved to ${keyFile}, but its voice was not set.`,
    );
    throw err;
  }
  if (values.json) {
    const shown = values["show-key"] ? res.api_key : `(saved to ${keyFile})`;
    ctx.out(json({ ...res, api_key: shown, key_file: keyFile, ...(voiceSet ? { voice: voiceSet } : {}) }));
    return 0;
  }
  const number = res.phone_number
    ? `its own number ${clean(res.phone_number, 20)} (dedicated: anyone can call it)`
    : "no number yet (the relay could not get one)";
  ctx.out(`Added agent ${agentLabel({ id: res.agent_id, name: res.name })} with ${number}.`);
  if (voice) ctx.out(`Voice: ${voice}.`);
  ctx.out(
    `Its API key is saved to ${keyFile} (mode 600); the relay never shows it again. Run that agent with it as CLAWCALL_API_KEY (e.g. as the .env of its own directory).`,
  );
  if (values["show-key"]) ctx.out(`API key: ${res.api_key}`);
  return 0;
}

async function update(argv: string[], ctx: CommandContext, h: CommandHelpers): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    options: {
      name: { type: "string" },
      "webhook-url": { type: "string" },
      voice: { type: "string" },
      ...jsonOption,
    },
  });
  const ref = oneRef(positionals, "to update");
  const newName = values.name?.trim();
  if (newName === "") throw usageError("--name must not be empty");
  const webhookUrl = urlArg(values["webhook-url"]);
  const voice = voiceArg(values.voice);
  if (newName === undefined && webhookUrl === undefined && voice === undefined) {
    throw usageError("say what to change: --name, --webhook-url or --voice");
  }
  const { client, roster } = await loadRoster(h);
  const { id, agent } = resolveAgent(roster, ref);
  if (voice && !agent?.this_cli) {
    throw usageError(
      `the relay sets a voice only with the agent's own key — run \`clawcall voice ${voice}\` with that agent's CLAWCALL_API_KEY (from <state dir>/agents/<id>.env)`,
    );
  }
  const fields = {
    ...(newName !== undefined ? { agent_name: newName } : {}),
    ...(webhookUrl !== undefined ? { agent_webhook_url: webhookUrl } : {}),
  };
  if (Object.keys(fields).length > 0) await client.updateAgent(id, fields);
  const voiceSet = voice ? (await client.setVoice(voice)).voice : undefined;
  if (values.json) {
    ctx.out(json({ ok: true, id, ...fields, ...(voiceSet ? { voice: voiceSet } : {}) }));
    return 0;
  }
  const changes = [
    newName !== undefined ? `name "${clean(newName, 60)}"` : "",
    webhookUrl !== undefined ? `webhook URL ${clean(webhookUrl, 120)}` : "",
    voice ? `voice ${voice}` : "",
  ].filter(Boolean);
  ctx.out(`Updated agent ${agentLabel(agent ?? { id, name: null })}: ${changes.join(", ")}.`);
  return 0;
}

async function rm(argv: string[], ctx: CommandContext, h: CommandHelpers): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    options: { yes: { type: "boolean", short: "y", default: false }, ...jsonOption },
  });
  const ref = oneRef(positionals, "to remove");
  const { client, roster } = await loadRoster(h);
  const { id, agent } = resolveAgent(roster, ref);
  const label = agentLabel(agent ?? { id, name: null });
  // The relay refuses the primary (400); say so before any warning about what removing it would do.
  if (agent?.primary) {
    throw usageError(`${label} is the account's primary agent, which the relay never removes`);
  }
  if (agent?.this_cli) {
    const self = `${label} is the agent this CLI is configured as (CLAWCALL_API_KEY): removing it ends that key, and this CLI can no longer reach the relay`;
    if (!values.yes) throw usageError(`${self} — add --yes if you mean it`);
    ctx.err(`note: ${self}.`);
  } else if (!values.yes) {
    if (process.stdin.isTTY !== true || values.json) {
      throw usageError(`this removes agent ${label}, its number and its schedules — add --yes to confirm`);
    }
    const typed = await ask(
      `Remove agent ${label}, its number and its schedules? Type its name to confirm: `,
    );
    const expected = (agent?.name ?? id).trim().toLowerCase();
    if (typed.toLowerCase() !== expected && typed.toLowerCase() !== id.toLowerCase()) {
      ctx.err("Not removed.");
      return 1;
    }
  }
  const res = await client.deleteAgent(id);
  // Its key is dead now: drop the file that held it.
  const keyFile = join(h.config().stateDir, "agents", `${id}.env`);
  const hadKey = existsSync(keyFile);
  if (hadKey) rmSync(keyFile, { force: true });
  if (values.json) ctx.out(json({ ...res, id, key_file_removed: hadKey ? keyFile : null }));
  else
    ctx.out(
      `Removed agent ${label}: its number is released and its schedules are gone.${hadKey ? ` Its key file ${keyFile} is deleted.` : ""}`,
    );
  return 0;
}

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  return runSubcommands(ctx, "agents", argv, { list, add, update, rm });
}
