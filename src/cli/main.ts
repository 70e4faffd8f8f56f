import type { Config } from "../config/index.js";
import { loadConfigOrExit } from "../config/index.js";
import { EXIT } from "../exit-codes.js";
import { VERSION } from "../version.js";
import type { CommandContext, CommandModule } from "./command.js";
import { describeError } from "./relay-errors.js";

/**
 * Commands in the order `clawcall help` lists them, each loaded only when used. Literal import paths
 * (not a template) so bundlers and the test runner can follow them.
 */
const LOADERS = {
  up: () => import("./commands/up.js"),
  stop: () => import("./commands/stop.js"),
  status: () => import("./commands/status.js"),
  doctor: () => import("./commands/doctor.js"),
  register: () => import("./commands/register.js"),
  account: () => import("./commands/account.js"),
  voice: () => import("./commands/voice.js"),
  callback: () => import("./commands/callback.js"),
  schedule: () => import("./commands/schedule.js"),
  call: () => import("./commands/call.js"),
  history: () => import("./commands/history.js"),
  stats: () => import("./commands/stats.js"),
  billing: () => import("./commands/billing.js"),
  agents: () => import("./commands/agents.js"),
  webhook: () => import("./commands/webhook.js"),
  sandbox: () => import("./commands/sandbox.js"),
  phone: () => import("./commands/phone.js"),
  say: () => import("./commands/say.js"),
  mcp: () => import("./commands/mcp.js"),
} satisfies Record<string, () => Promise<CommandModule>>;

export const COMMANDS = Object.keys(LOADERS) as (keyof typeof LOADERS)[];

async function loadCommand(name: string): Promise<CommandModule | undefined> {
  if (!Object.hasOwn(LOADERS, name)) return undefined;
  return LOADERS[name as keyof typeof LOADERS]();
}

export async function main(argv: string[], io: Partial<CommandContext> = {}): Promise<number> {
  const out = io.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const err = io.err ?? ((l: string) => process.stderr.write(`${l}\n`));
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v" || name === "version") {
    out(VERSION);
    return 0;
  }
  if (!name || name === "help" || name === "--help" || name === "-h") {
    out(`clawcall ${VERSION} — give your agent a phone number\n\nUsage: clawcall <command> [options]\n`);
    for (const c of COMMANDS) {
      const mod = await loadCommand(c);
      if (mod) out(`  ${c.padEnd(10)} ${mod.summary}`);
    }
    out("\nRun `clawcall <command> --help` for a command's options.");
    return 0;
  }
  const mod = await loadCommand(name);
  if (!mod) {
    err(`clawcall: unknown command "${name}". Run \`clawcall help\` for the list.`);
    return EXIT.USAGE;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    out(mod.usage);
    return 0;
  }
  let cached: Config | undefined;
  const ctx: CommandContext = {
    config: () => {
      cached ??= loadConfigOrExit({ env: io.env ?? process.env, cwd: io.cwd ?? process.cwd() });
      return cached;
    },
    out,
    err,
    cwd: io.cwd ?? process.cwd(),
    env: io.env ?? process.env,
    now: io.now ?? Date.now,
  };
  try {
    return await mod.run(rest, ctx);
  } catch (e) {
    // A mistake a person can fix is one line; anything else is a bug and keeps its stack.
    const report = describeError(e);
    if (!report) throw e;
    err(`clawcall ${name}: ${report.line}`);
    return report.exit;
  }
}
