import { serveStdio } from "../../mcp/stdio.js";
import type { CommandContext } from "../command.js";
import { parseCommandArgs } from "../relay-command.js";
import { usageError } from "../validate.js";

export const summary =
  "serve the phone as tools to any MCP client (Claude Desktop, Cursor, OpenClaw) on stdio";
export const usage = `Usage: clawcall mcp

A Model Context Protocol server on stdin/stdout, started by an MCP client, not by hand. Tools: call_me,
call_someone, get_call, wait_for_call, list_schedules, add_schedule, remove_schedule, call_history,
get_account, register_task, update_task, list_tasks. stdout carries only the protocol; logs go to
stderr. Uses the same configuration as every other command (environment, then .env in the working
directory): without CLAWCALL_API_KEY it talks to the local sandbox relay (\`clawcall up\`).

  CLAWCALL_MCP_DAILY_CALL_CAP  calls, schedules and notifying tasks these tools may create per day,
                               in CLAWCALL_TIMEZONE (default 10; 0 refuses them all)

Client configuration (Claude Desktop, Cursor, OpenClaw): see references/mcp.md.
Example:
  openclaw mcp set clawcall '{"command":"npx","args":["-y","clawcall","mcp"]}'`;

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  const { positionals } = parseCommandArgs({ args: argv, options: {} });
  if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0]?.slice(0, 40)}"`);
  return serveStdio(ctx.config(), ctx.err);
}
