import { type ParseArgsConfig, parseArgs } from "node:util";

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig["options"]>;

import type { Config } from "../config/index.js";
import { EXIT } from "../exit-codes.js";
import { RelayClient } from "../relay/client.js";
import { DEFAULT_TIMINGS } from "../sandbox/timings.js";
import type { CommandContext } from "./command.js";
import { clean } from "./format.js";
import { describeError, type RelayWhere } from "./relay-errors.js";
import { usageError } from "./validate.js";

/**
 * The frame every relay command runs in: argument parsing that turns mistakes into exit 64, one relay
 * client per run (closed at the end), and every error printed as one line with the next step.
 */

/** Headers timeout for CLI requests: billing verify waits on a Solana RPC call of up to 20 s. */
export const CLI_HEADERS_TIMEOUT_MS = 30_000;

/** `parseArgs`, strict, positionals allowed, with any parse error as a usage error (exit 64). */
export function parseCommandArgs<const O extends ParseArgsOptionsConfig>(config: {
  args: string[];
  options: O;
}) {
  try {
    return parseArgs({ args: config.args, options: config.options, strict: true, allowPositionals: true });
  } catch (err) {
    throw usageError((err as Error).message);
  }
}

export interface CommandHelpers {
  config(): Config;
  /** A relay client for the configured relay (or `apiUrl`), closed when the command ends. */
  relay(opts?: { apiUrl?: string; apiKey?: string }): RelayClient;
}

/** True when `apiUrl` is the local sandbox relay the configuration falls back to without a key. */
export function isSandboxUrl(config: Config, apiUrl = config.relay.apiUrl): boolean {
  return config.relay.sandbox && apiUrl === `http://127.0.0.1:${config.sandbox.port}`;
}

/**
 * With the sandbox nothing real rings: say where the simulated phone rings and for how long (its
 * unanswered-call timeout, in phone time), or nothing for a live relay.
 */
export function softphoneHint(config: Config, apiUrl = config.relay.apiUrl): string | undefined {
  if (!isSandboxUrl(config, apiUrl)) return undefined;
  return `Sandbox: nothing real rings. Answer on the softphone at ${apiUrl}/ (or \`clawcall phone\`) within ${DEFAULT_TIMINGS.ringTimeoutS} s of phone time.`;
}

/** Where the configured relay is, for output: "sandbox relay at http://127.0.0.1:4750 …", or the URL. */
export function relayLabel(config: Config, apiUrl = config.relay.apiUrl): string {
  return isSandboxUrl(config, apiUrl) ? `sandbox relay at ${apiUrl} (no CLAWCALL_API_KEY set)` : apiUrl;
}

export async function runRelayCommand(
  ctx: CommandContext,
  name: string,
  body: (h: CommandHelpers) => Promise<number>,
): Promise<number> {
  const clients: RelayClient[] = [];
  let where: RelayWhere = {};
  const helpers: CommandHelpers = {
    config: () => ctx.config(),
    relay: (opts = {}) => {
      const config = ctx.config();
      const apiUrl = opts.apiUrl ?? config.relay.apiUrl;
      where = {
        apiUrl,
        sandbox: isSandboxUrl(config, apiUrl),
        email: config.relay.email,
      };
      const client = new RelayClient({
        apiUrl,
        apiKey: opts.apiKey ?? config.relay.apiKey,
        headersTimeoutMs: CLI_HEADERS_TIMEOUT_MS,
        connections: 2,
      });
      clients.push(client);
      return client;
    },
  };
  try {
    return await body(helpers);
  } catch (err) {
    const report = describeError(err, where);
    if (!report) throw err;
    const hint = report.exit === EXIT.USAGE ? ` (see \`clawcall ${name} --help\`)` : "";
    ctx.err(`clawcall ${name}: ${report.line}${hint}`);
    return report.exit;
  } finally {
    await Promise.all(clients.map((c) => c.close(500)));
  }
}

/** One subcommand of a relay command (`clawcall schedule add …`): its own arguments, then the frame's. */
export type Subcommand = (argv: string[], ctx: CommandContext, h: CommandHelpers) => Promise<number>;

/** Short forms accepted wherever the full name is a subcommand. */
const SUB_ALIASES: Readonly<Record<string, string>> = { ls: "list", remove: "rm", delete: "rm" };

/**
 * `clawcall <name> <sub> …` in the relay frame: runs the named subcommand, or is a usage error that
 * lists them in the order given.
 */
export function runSubcommands(
  ctx: CommandContext,
  name: string,
  argv: string[],
  subs: Readonly<Record<string, Subcommand>>,
): Promise<number> {
  return runRelayCommand(ctx, name, async (h) => {
    const [given, ...rest] = argv;
    const sub = given === undefined ? undefined : (SUB_ALIASES[given] ?? given);
    if (sub !== undefined && Object.hasOwn(subs, sub)) return subs[sub]!(rest, ctx, h);
    const names = Object.keys(subs);
    const choices = `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
    throw usageError(
      given === undefined ? `say ${choices}` : `unknown subcommand "${clean(given, 20)}" — use ${choices}`,
    );
  });
}
