import { unlinkSync } from "node:fs";
import { parseArgs } from "node:util";
import { EXIT } from "../../exit-codes.js";
import { listPidRecords, readPidRecord, stopPid } from "../../state/pidlock.js";
import type { CommandContext } from "../command.js";

export const summary = "stop what `up` or the separate entry points started (by pid file, not by name)";
export const usage = `Usage: clawcall stop [--timeout-ms N]

Stops the supervisor, listener, bridge and sandbox recorded in the state dir's pid files:
SIGTERM, then SIGKILL after the timeout (default 40000 ms, enough for the listener to let its
open poll finish). Removes stale pid files.`;

/** Listener first: it lets its open poll finish and answers what is in flight. */
const ORDER = ["up", "listener", "bridge", "sandbox"];

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { "timeout-ms": { type: "string" } }, strict: true });
  const graceMs = values["timeout-ms"] ? Number(values["timeout-ms"]) : 40_000;
  if (!Number.isFinite(graceMs) || graceMs < 0) {
    ctx.err("clawcall stop: --timeout-ms must be a number of milliseconds");
    return EXIT.USAGE;
  }
  const { stateDir } = ctx.config();
  const rank = (n: string) => {
    const i = ORDER.indexOf(n);
    return i === -1 ? ORDER.length : i;
  };
  const records = listPidRecords(stateDir).sort((a, b) => rank(a.record.name) - rank(b.record.name));
  if (records.length === 0) {
    ctx.out("nothing to stop: no clawcall processes are recorded");
    return EXIT.OK;
  }
  for (const r of records) {
    const { name, pid } = r.record;
    if (!r.alive) {
      removeFile(r.path);
      ctx.out(`${name}: stale pid file for ${pid} removed`);
      continue;
    }
    const how = await stopPid(pid, graceMs);
    removeIfStillThere(r.path, pid);
    ctx.out(`${name}: ${how === "killed" ? "killed (did not stop in time)" : "stopped"} (pid ${pid})`);
  }
  return EXIT.OK;
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {}
}

/** The process removes its own pid file on a clean exit; after SIGKILL we do. */
function removeIfStillThere(path: string, pid: number): void {
  if (readPidRecord(path)?.pid === pid) removeFile(path);
}
