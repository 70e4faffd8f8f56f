import type { Config } from "../config/index.js";
import { loadConfigOrExit } from "../config/index.js";
import { ClawcallError } from "../errors.js";
import { VERSION } from "../version.js";
import type { CommandContext, CommandModule } from "./command.js";

/** Commands in the order `clawcall help` lists them. Each lives in ./commands/<name>.js. */
export const COMMANDS = [
  "up",
  "stop",
  "status",
  "doctor",
  "register",
  "account",
  "voice",
  "callback",
  "schedule",
  "call",
  "history",
  "billing",
  "sandbox",
  "phone",
  "say",
  "mcp",
] as const;

const NAME_RE = /^[a-z]+$/;

async function loadCommand(name: string): Promise<CommandModule | undefined> {
  if (!NAME_RE.test(name) || !(COMMANDS as readonly string[]).includes(name)) return undefined;
  try {
    return (await import(`./commands/${name}.js`)) as CommandModule;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND") return undefined;
    throw err;
  }
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
    return 64;
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
  };
  try {
    return await mod.run(rest, ctx);
  } catch (e) {
    if (e instanceof ClawcallError) {
      err(`clawcall ${name}: ${e.message}`);
      return 1;
    }
    if (e instanceof TypeError && (e as NodeJS.ErrnoException).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      err(`clawcall ${name}: ${e.message}`);
      return 64;
    }
    throw e;
  }
}
