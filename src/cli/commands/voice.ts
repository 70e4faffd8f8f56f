import type { RelayClient } from "../../relay/client.js";
import { VOICES, type Voice } from "../../relay/schemas.js";
import type { CommandContext } from "../command.js";
import { clean, json } from "../format.js";
import { parseCommandArgs, runRelayCommand } from "../relay-command.js";
import { usageError } from "../validate.js";

export const summary = `choose the voice callers hear (${VOICES.join(", ")})`;
export const usage = `Usage: clawcall voice <name> [--json]
       clawcall voice            (shows the current voice and lists the others)

Sets the Amazon Polly neural voice the relay speaks your agent's replies with. One of:
  ${VOICES.join(", ")}
The name is checked here first: the relay stores any "Polly.…" string unchecked, and an invalid
one would break speech on every call.

Example:
  clawcall voice joanna`;

/** A short voice name from `joanna`, `Joanna` or `Polly.Joanna-Neural`; undefined if unknown. */
export function voiceFromInput(input: string): Voice | undefined {
  const v = input.trim().toLowerCase();
  const short = /^polly\.([a-z]+)-neural$/.exec(v)?.[1] ?? v;
  return (VOICES as readonly string[]).includes(short) ? (short as Voice) : undefined;
}

/**
 * The configured agent's voice: the account response has none, so it is read from the agent's own
 * entry in `GET /api/v1/agents` (the account names the agent).
 */
async function currentVoice(relay: RelayClient): Promise<{ voice: Voice | undefined; polly: string | null }> {
  const [acct, list] = await Promise.all([relay.account(), relay.listAgents()]);
  const polly = list.agents.find((a) => a.id === acct.agent_id)?.voice ?? null;
  return { voice: polly ? voiceFromInput(polly) : undefined, polly };
}

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  return runRelayCommand(ctx, "voice", async (h) => {
    const { values, positionals } = parseCommandArgs({
      args: argv,
      options: { json: { type: "boolean", default: false } },
    });
    if (positionals.length === 0) {
      const current = await currentVoice(h.relay());
      if (values.json) ctx.out(json({ voice: current.voice ?? null, polly: current.polly, voices: VOICES }));
      else {
        const polly = current.polly ? clean(current.polly, 40) : "the relay's default";
        ctx.out(`Current voice: ${current.voice ?? polly}${current.voice ? ` (${polly})` : ""}`);
        ctx.out(`Voices: ${VOICES.join(", ")}. Set one with \`clawcall voice <name>\`.`);
      }
      return 0;
    }
    if (positionals.length > 1) throw usageError("give one voice name");
    const voice = voiceFromInput(positionals[0]!);
    if (!voice) {
      throw usageError(`unknown voice "${clean(positionals[0], 40)}" — choose one of: ${VOICES.join(", ")}`);
    }
    const res = await h.relay().setVoice(voice);
    if (values.json) ctx.out(json(res));
    else ctx.out(`Voice set to ${voice} (${clean(res.voice, 40)}). Callers hear it from the next reply on.`);
    return 0;
  });
}
