import { readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bridgeStatusFile, probeBridgeHealth } from "../../bridge/contract.js";
import { type GuestMessage, readGuestMessages } from "../../bridge/guest-messages.js";
import { EXIT } from "../../exit-codes.js";
import { listPidRecords } from "../../state/pidlock.js";
import type { CommandContext } from "../command.js";
import { clean } from "../format.js";

export const summary = "show what runs: pid, uptime, port, last poll, turns answered, last error";
export const usage = `Usage: clawcall status [--json]

Reads the pid and status files in the state dir, removes stale pid files, and names any other
bridge that answers on the configured port without a pid file of ours. Exit code 0 when the
bridge and the listener both run, 3 otherwise.`;

interface ProcessStatus {
  name: string;
  pid: number;
  alive: boolean;
  uptime_s?: number;
  url?: string;
  port?: number;
  details?: Record<string, unknown>;
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** "12s ago", "3m ago", "2h ago" for an ISO time, or "never". */
export function ago(iso: unknown, nowMs: number): string {
  if (typeof iso !== "string") return "never";
  const s = Math.round((nowMs - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return "never";
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

/** "45s", "3m20s", "2h5m". */
export function duration(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

/** One line per running process: pid, uptime, where, and what its status file says. */
function processLine(p: ProcessStatus, nowMs: number): string {
  const d = p.details ?? {};
  const parts = [`${p.name.padEnd(9)} pid ${p.pid}`, `up ${duration(p.uptime_s ?? 0)}`];
  if (p.url) parts.push(p.url);
  else if (p.port) parts.push(`port ${p.port}`);
  if (p.name === "bridge") {
    // The bridge's file has its own schema (contract.ts): turns, and the last error as an object.
    const b = bridgeStatusFile.safeParse(d);
    if (b.success) {
      parts.push(
        `${b.data.turns} turns answered`,
        `${b.data.activeCalls} active call${b.data.activeCalls === 1 ? "" : "s"}`,
      );
      const failed = b.data.deferredFailed ?? 0;
      if (failed > 0) {
        parts.push(`${failed} late answer${failed === 1 ? "" : "s"} failed (the caller hears an apology)`);
      }
      const e = b.data.lastError;
      if (e) parts.push(`last error: ${e.code}: ${e.message} (${ago(e.at, nowMs)})`);
    }
    return parts.join("  ");
  }
  if (p.name === "sandbox" && p.url) parts.push(`softphone ${p.url}/`);
  if (p.name === "listener") {
    // Before its first poll returns, a listener is waiting on the relay, not stuck: "never" misled.
    if (typeof d.lastPollAt === "string") parts.push(`last poll ${ago(d.lastPollAt, nowMs)}`);
    else parts.push(d.polling === true ? "first poll open" : "no poll yet");
    if (typeof d.mode === "string") parts.push(`mode ${d.mode}`);
  }
  if (typeof d.turnsAnswered === "number") parts.push(`${d.turnsAnswered} turns answered`);
  if (typeof d.lastError === "string" && d.lastError) parts.push(`last error: ${d.lastError}`);
  return parts.join("  ");
}

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: "boolean", default: false } },
    strict: true,
  });
  const config = ctx.config();
  const procs: ProcessStatus[] = [];
  const stale: { name: string; pid: number }[] = [];
  for (const r of listPidRecords(config.stateDir)) {
    if (!r.alive) {
      try {
        unlinkSync(r.path);
      } catch {}
      stale.push({ name: r.record.name, pid: r.record.pid });
      continue;
    }
    const details = readJson(join(config.stateDir, `${r.record.name}.status.json`));
    procs.push({
      name: r.record.name,
      pid: r.record.pid,
      alive: true,
      uptime_s: Math.max(0, Math.round((ctx.now() - Date.parse(r.record.startedAt)) / 1000)),
      ...(r.record.url ? { url: r.record.url } : {}),
      ...(r.record.port !== undefined ? { port: r.record.port } : {}),
      ...(details ? { details } : {}),
    });
  }

  // Another bridge on our port without a pid file is the classic stale-process trap.
  const warnings: string[] = [];
  const bridgeRec = procs.find((p) => p.name === "bridge");
  const port = bridgeRec?.port ?? config.bridge.port;
  if (port !== 0) {
    const probe = await probeBridgeHealth(`http://127.0.0.1:${port}`, 1_500);
    if (!probe.reachable) {
      if (bridgeRec) warnings.push(`the bridge (pid ${bridgeRec.pid}) does not answer on port ${port}`);
    } else if (!bridgeRec) {
      const pid = probe.pid;
      warnings.push(
        `something answers on 127.0.0.1:${port}${pid ? ` (pid ${pid})` : ""} but no bridge pid file is ours: an old copy? stop it${pid ? ` with \`kill ${pid}\`` : ""} and run \`clawcall up\``,
      );
    } else if (probe.pid && probe.pid !== bridgeRec.pid) {
      warnings.push(
        `a second bridge (pid ${probe.pid}) answers on port ${port}, not the recorded pid ${bridgeRec.pid}`,
      );
    }
  }

  const running = procs.some((p) => p.name === "bridge") && procs.some((p) => p.name === "listener");
  const messages = readGuestMessages(config.stateDir);
  if (values.json) {
    const body = { ok: running, processes: procs, stale_removed: stale, warnings, messages };
    ctx.out(JSON.stringify(body, null, 2));
    return running ? EXIT.OK : EXIT.NOT_RUNNING;
  }
  if (procs.length === 0) ctx.out("nothing is running (start it with `npm start` or `clawcall up`)");
  for (const p of procs) ctx.out(processLine(p, ctx.now()));
  for (const s of stale) ctx.out(`removed a stale pid file: ${s.name} (pid ${s.pid} is gone)`);
  for (const w of warnings) ctx.out(`warning: ${w}`);
  for (const line of messageLines(messages, ctx.now())) ctx.out(line);
  return running ? EXIT.OK : EXIT.NOT_RUNNING;
}

/** Messages callers left for the owner (src/bridge/guest-messages.ts): the new ones, quoted. */
function messageLines(messages: readonly GuestMessage[], nowMs: number): string[] {
  const fresh = messages.filter((m) => m.toldAt === null);
  if (messages.length === 0) return [];
  const out = [`messages from callers: ${fresh.length} new, ${messages.length - fresh.length} already told`];
  for (const m of fresh.slice(-5)) {
    const from = m.from ? `from ${clean(m.from, 20)}` : "from an unknown number";
    out.push(`  ${ago(m.at, nowMs)} ${from}: "${clean(m.text, 200)}"`);
  }
  return out;
}
