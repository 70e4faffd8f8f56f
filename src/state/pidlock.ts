import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ClawcallError } from "../errors.js";
import { sleep } from "../util/sleep.js";
import { atomicWriteFile } from "./atomic.js";

/** What a running process writes about itself into `<stateDir>/<name>.pid`. */
export interface PidRecord {
  name: string;
  pid: number;
  startedAt: string;
  port?: number;
  url?: string;
  /** Short fingerprint of the API key a listener serves (never the key). */
  keyId?: string;
  version?: string;
}

/** How each program is started on its own with `--replace` (`npm start` is `clawcall up`). */
const DIRECT_REPLACE: Record<string, string> = {
  up: "clawcall up --replace",
  bridge: "node bridge/phone-agent-server.js --replace",
  listener: "node listener/clawcall-listener.js --replace",
  sandbox: "clawcall sandbox --replace",
};

/**
 * The one "already running" line for every program: how to stop the running copy, and how to take
 * over, both the way a newcomer starts it (`npm start`) and the way the program was started directly.
 */
export function alreadyRunningLine(record: PidRecord): string {
  const direct = DIRECT_REPLACE[record.name];
  const who = record.name === "up" ? "`npm start` (`clawcall up`)" : `the ${record.name}`;
  return `${who} is already running (pid ${record.pid}, since ${localTime(record.startedAt)}); stop it with \`clawcall stop\`, or take over with \`npm start -- --replace\`${direct ? ` (started on its own: \`${direct}\`)` : ""}`;
}

/** "Dec 3, 2026, 3:30 PM" in this machine's zone (the person reading it is at this machine). */
function localTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" });
}

export class AlreadyRunningError extends ClawcallError {
  readonly record: PidRecord;
  constructor(record: PidRecord) {
    super("E_ALREADY_RUNNING", alreadyRunningLine(record));
    this.record = record;
  }
}

export function pidPath(stateDir: string, name: string): string {
  return join(stateDir, `${name}.pid`);
}

/**
 * True when a process with this pid exists (EPERM means it exists but is not ours). A zombie — dead
 * but not yet reaped, common in containers whose init does not reap — counts as gone.
 */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  if (process.platform !== "linux") return false;
  try {
    // /proc/<pid>/stat: "pid (comm) state …"; comm may contain spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
  } catch {
    return false;
  }
}

export function readPidRecord(path: string): PidRecord | undefined {
  try {
    const rec = JSON.parse(readFileSync(path, "utf8")) as PidRecord;
    return typeof rec.pid === "number" ? rec : undefined;
  } catch {
    return undefined;
  }
}

export interface PidStatus {
  path: string;
  record: PidRecord;
  alive: boolean;
}

/** Every pid file in the state dir, alive or stale. */
export function listPidRecords(stateDir: string): PidStatus[] {
  let names: string[];
  try {
    names = readdirSync(stateDir).filter((n) => n.endsWith(".pid"));
  } catch {
    return [];
  }
  const out: PidStatus[] = [];
  for (const n of names) {
    const path = join(stateDir, n);
    const record = readPidRecord(path);
    if (record) out.push({ path, record, alive: isAlive(record.pid) });
  }
  return out;
}

export interface PidLock {
  readonly path: string;
  readonly record: PidRecord;
  /** Adds what is known only after start (the URL a port-0 server got) to the record, if still ours. */
  update(extra: Pick<PidRecord, "port" | "url">): void;
  release(): void;
}

export interface AcquireOptions {
  /** Stop the running copy (SIGTERM, wait, then SIGKILL) and take over. */
  replace?: boolean;
  /** How long --replace waits for SIGTERM before SIGKILL. */
  replaceGraceMs?: number;
}

/**
 * Takes `<stateDir>/<name>.pid` with an exclusive create. A file whose pid is dead is stale and
 * replaced; a live one refuses with AlreadyRunningError (or is stopped, with `replace`).
 */
export async function acquirePidLock(
  stateDir: string,
  record: Omit<PidRecord, "pid" | "startedAt"> & Partial<Pick<PidRecord, "pid" | "startedAt">>,
  opts: AcquireOptions = {},
): Promise<PidLock> {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const path = pidPath(stateDir, record.name);
  const full: PidRecord = { pid: process.pid, startedAt: new Date().toISOString(), ...record };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, `${JSON.stringify(full)}\n`);
      closeSync(fd);
      let released = false;
      return {
        path,
        record: full,
        update(extra) {
          if (released || readPidRecord(path)?.pid !== full.pid) return;
          Object.assign(full, extra);
          atomicWriteFile(path, `${JSON.stringify(full)}\n`);
        },
        release() {
          if (released) return;
          released = true;
          // Only remove the file if it is still ours (a --replace may have taken it).
          if (readPidRecord(path)?.pid === full.pid) {
            try {
              unlinkSync(path);
            } catch {}
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const existing = readPidRecord(path);
    if (existing && existing.pid !== process.pid && isAlive(existing.pid)) {
      if (!opts.replace) throw new AlreadyRunningError(existing);
      await stopPid(existing.pid, opts.replaceGraceMs ?? 30_000);
    }
    try {
      unlinkSync(path);
    } catch {}
  }
  throw new ClawcallError("E_ALREADY_RUNNING", `could not take ${path}`);
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL. Resolves once the pid is gone. */
export async function stopPid(pid: number, graceMs: number): Promise<"stopped" | "killed" | "gone"> {
  if (!isAlive(pid)) return "gone";
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return "gone";
  }
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    if (!isAlive(pid)) return "stopped";
    await sleep(50);
  }
  try {
    process.kill(pid, "SIGKILL");
  } catch {}
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(20);
  return "killed";
}
