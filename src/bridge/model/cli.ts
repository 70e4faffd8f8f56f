import { ClawcallError } from "../../errors.js";
import { replyFromCliOutput } from "../../openclaw/reply.js";
import type { CommandRunner } from "../runner.js";
import type { ModelRequest } from "./types.js";

/** One prompt string for `openclaw infer model run --prompt` (no chat roles on the CLI). */
export function cliPrompt(req: ModelRequest, withHistory: boolean): string {
  const lines = [req.system, ""];
  if (withHistory && req.history.length > 0) {
    lines.push("The call so far:");
    for (const t of req.history) lines.push(`${t.role === "user" ? "Caller" : "You"}: ${t.content}`);
    lines.push("");
  }
  lines.push(
    req.purpose === "third_party" || req.purpose === "guest" ? req.utterance : `Caller: ${req.utterance}`,
    "",
    "Your spoken reply:",
  );
  return lines.join("\n");
}

export interface CliModelOptions {
  bin: string;
  runner: CommandRunner;
  /** `--gateway` (the gateway's model, slow CLI start) or `--local` (no gateway). */
  transport: "gateway" | "local";
  model: string | undefined;
  timeoutMs: number;
}

/**
 * `openclaw infer model run --gateway|--local --json --prompt <text>`: an argument array, no
 * shell, a deadline that kills the process group, and a reply taken only from the JSON shapes
 * OpenClaw prints (`outputs[].text`, `payloads[].text`, `result.payloads[].text`), never raw logs.
 */
export async function runCliModel(o: CliModelOptions, req: ModelRequest): Promise<string> {
  const args = ["infer", "model", "run", `--${o.transport}`, "--json"];
  if (o.model) args.push("--model", o.model);
  args.push("--prompt", cliPrompt(req, true));
  const r = await o.runner(o.bin, args, { timeoutMs: o.timeoutMs, signal: req.signal });
  if (r.timedOut) throw new ClawcallError("E_DEADLINE", `${o.bin} infer timed out after ${o.timeoutMs} ms`);
  if (req.signal.aborted) throw new ClawcallError("E_DEADLINE", `${o.bin} infer was cancelled`);
  // Parse stdout before trusting the exit code (config warnings can make it exit non-zero).
  const reply = replyFromCliOutput(r.stdout);
  if (reply) return reply;
  throw new ClawcallError(
    r.code === 0 ? "E_MODEL_BAD_OUTPUT" : "E_CLI_FAILED",
    `${o.bin} infer exited ${r.code ?? r.signal} without a reply`,
  );
}
