import { spawn } from "node:child_process";
import { ClawcallError } from "../errors.js";

export interface RunResult {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

export interface RunOptions {
  /** Hard deadline; the whole process group is killed when it passes. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Bytes of stdout kept (the rest is dropped, the process keeps running). Default 4 MiB. */
  maxOutputBytes?: number;
  env?: NodeJS.ProcessEnv;
}

/** Kill functions of commands still running (their own process groups outlive us otherwise). */
const liveGroups = new Set<() => void>();

/**
 * Kills every command `spawnCommand` started that is still running, with its process group. The
 * bridge calls it on close; `killRunningCommandsOnExit` makes it run on process exit too.
 */
export function killRunningCommands(): number {
  const n = liveGroups.size;
  for (const kill of [...liveGroups]) kill();
  liveGroups.clear();
  return n;
}
/**
 * Kills what is still running when the process exits (not on SIGKILL, which nothing survives to
 * handle: the CLI deadlines are then the only bound). The bridge's entry point installs it; returns
 * the removal.
 */
export function killRunningCommandsOnExit(): () => void {
  const onExit = () => {
    killRunningCommands();
  };
  process.once("exit", onExit);
  return () => process.off("exit", onExit);
}

/** Runs a command with an argument array. Injected into the bridge so tests can replace it. */
export type CommandRunner = (bin: string, args: readonly string[], opts: RunOptions) => Promise<RunResult>;

/**
 * The real runner: `spawn` with an argument array and no shell (caller speech is passed as a plain
 * argument and never interpreted), its own process group, a deadline that kills the group, and
 * capped output. A missing binary rejects with E_CLI_MISSING; any exit code resolves (OpenClaw can
 * exit non-zero on config warnings while stdout still holds the answer).
 */
export const spawnCommand: CommandRunner = (bin, args, opts) =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const max = opts.maxOutputBytes ?? 4 * 1024 * 1024;
    const posix = process.platform !== "win32";
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(bin, [...args], {
        shell: false,
        detached: posix,
        stdio: ["ignore", "pipe", "pipe"],
        windowsHide: true,
        env: opts.env ?? process.env,
      });
    } catch (err) {
      reject(toCliError(bin, err));
      return;
    }
    const out: Buffer[] = [];
    const errOut: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let timedOut = false;
    let settled = false;

    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        if (posix) process.kill(-child.pid, "SIGKILL");
        else child.kill("SIGKILL");
      } catch {
        try {
          child.kill("SIGKILL");
        } catch {}
      }
    };
    liveGroups.add(killGroup);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, opts.timeoutMs);
    timer.unref?.();
    const onAbort = () => killGroup();
    opts.signal?.addEventListener("abort", onAbort, { once: true });

    child.stdout?.on("data", (b: Buffer) => {
      if (outBytes < max) out.push(b);
      outBytes += b.length;
    });
    child.stderr?.on("data", (b: Buffer) => {
      if (errBytes < 64 * 1024) errOut.push(b);
      errBytes += b.length;
    });
    child.on("error", (err) => {
      liveGroups.delete(killGroup);
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      reject(toCliError(bin, err));
    });
    child.on("close", (code, signal) => {
      liveGroups.delete(killGroup);
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      // A grandchild may still hold the group; make sure nothing outlives a timeout.
      if (timedOut) killGroup();
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString("utf8").slice(0, max),
        stderr: Buffer.concat(errOut).toString("utf8"),
        timedOut,
        ms: performance.now() - started,
      });
    });
    if (opts.signal?.aborted) killGroup();
  });

function toCliError(bin: string, err: unknown): ClawcallError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "EACCES" || code === "ENOTDIR") {
    return new ClawcallError("E_CLI_MISSING", `${bin} is not installed or not executable (${code})`, {
      cause: err,
    });
  }
  return new ClawcallError("E_CLI_FAILED", `${bin} could not start: ${(err as Error).message}`, {
    cause: err,
  });
}
