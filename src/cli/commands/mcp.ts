import type { CommandContext } from "../command.js";
import { parseCommandArgs } from "../relay-command.js";
import { usageError } from "../validate.js";

export const summary =
  "serve the phone as tools to any MCP client (Claude Desktop, Cursor, OpenClaw) on stdio";
export const usage = `Usage: clawcall mcp

A Model Context Protocol server on stdin/stdout, started by an MCP client, not by hand. Tools: call_me,
call_someone, get_call, wait_for_call, list_schedules, add_schedule, remove_schedule, call_history,
get_account, register_task, update_task, list_tasks. stdout carries only the protocol; logs go to
stderr. Reads the configuration like every other command (the environment wins over .env in the
working directory, which MCP clients rarely set: pass variables in the client's env block). Without
CLAWCALL_API_KEY it talks to the local sandbox relay (\`clawcall up\`).

  CLAWCALL_MCP_DAILY_CALL_CAP  calls, schedules and notifying tasks these tools may create per day,
                               in CLAWCALL_TIMEZONE (default 10; 0 refuses them all)

Client configuration (Claude Desktop, Cursor, OpenClaw): see references/mcp.md.
Example (OpenClaw; it starts the server and lists its tools before saving):
  openclaw mcp add clawcall --command /usr/bin/node --arg /path/to/clawcall/bin/clawcall.js --arg mcp
  openclaw mcp probe clawcall`;

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  const { positionals } = parseCommandArgs({ args: argv, options: {} });
  if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0]?.slice(0, 40)}"`);
  // Loaded here, not at the top: `clawcall help` reads every command's summary and should not pay
  // for loading the MCP SDK.
  const { serveStdio } = await import("../../mcp/stdio.js");
  return serveStdio(ctx.config(), ctx.err);
}
