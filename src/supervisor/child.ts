import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Writable } from "node:stream";
import { DEFAULT_LOG_ROTATION, type LogRotation, openLogFile } from "./log-file.js";

/** How `up` runs one of its programs (sandbox, bridge, listener). */
export interface ChildSpec {
  name: "sandbox" | "bridge" | "listener";
  /** Script path relative to the package root, run with this Node binary. */
  script: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Matched against each stdout line (pino `msg` or plain text) to learn the URL it listens on. */
  readyPattern?: RegExp;
}

export interface ChildEvents {
  /** A log line worth showing a person (warn and above, or plain text). */
  onNotice(name: string, line: string): void;
}

const PINO_LEVELS: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};

/** A plain output line as a pino-shaped JSON line (stderr at error level: it is where crashes go). */
export function plainAsJson(service: string, stream: "stdout" | "stderr", line: string): string {
  return JSON.stringify({
    level: stream === "stderr" ? 50 : 30,
    time: Date.now(),
    service,
    stream,
    msg: line,
  });
}

/**
 * One running child: output appended to `<logDir>/<name>.log` (rotated by size), notable lines passed on, and a
 * promise for the URL its ready line names.
 */
export class RunningChild {
  readonly proc: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly ready: Promise<string>;
  readonly startedAt = Date.now();
  /** Settles once the log file is flushed and closed after the child's output ended. */
  readonly logClosed: Promise<void>;
  #log: Writable;

  constructor(
    root: string,
    spec: ChildSpec,
    logDir: string,
    events: ChildEvents,
    rotation: LogRotation = DEFAULT_LOG_ROTATION,
  ) {
    mkdirSync(logDir, { recursive: true, mode: 0o700 });
    this.#log = openLogFile(logDir, spec.name, rotation);
    this.proc = spawn(process.execPath, [join(root, spec.script), ...spec.args], {
      env: spec.env,
      stdio: ["ignore", "pipe", "pipe"],
      cwd: process.cwd(),
      // Own process group: a terminal's Ctrl-C reaches only `up`, which then stops the children in
      // order (listener first, while the relay is still there to finish its open poll).
      detached: process.platform !== "win32",
    });
    let resolveReady!: (url: string) => void;
    let rejectReady!: (err: Error) => void;
    this.ready = new Promise<string>((res, rej) => {
      resolveReady = res;
      rejectReady = rej;
    });
    this.ready.catch(() => {});
    this.exited = new Promise((resolve) => {
      this.proc.once("exit", (code, signal) => {
        rejectReady(new Error(`${spec.name} exited (${signal ?? `code ${code}`}) before it was ready`));
        resolve({ code, signal });
      });
    });
    this.logClosed = new Promise((resolve) => this.#log.once("close", () => resolve()));
    // Both pipes drain before "close"; ending the log on "exit" could cut the last lines.
    this.proc.once("close", () => this.#log.end());

    const handle = (stream: "stdout" | "stderr", line: string) => {
      let msg = line;
      let level: string | undefined;
      try {
        const j = JSON.parse(line) as { msg?: unknown; level?: unknown; err?: { message?: unknown } };
        if (typeof j.msg === "string") msg = j.msg;
        level = typeof j.level === "number" ? (PINO_LEVELS[j.level] ?? "info") : "info";
        if (j.err && typeof j.err.message === "string" && level !== "info") msg = `${msg}: ${j.err.message}`;
      } catch {}
      // One format per file: a plain line (a usage error, a crash's stack trace) is kept as a JSON line.
      this.#log.write(`${level === undefined ? plainAsJson(spec.name, stream, line) : line}\n`);
      if (spec.readyPattern) {
        const m = spec.readyPattern.exec(msg);
        if (m) resolveReady(m[1] ?? msg);
      }
      if (level === undefined) {
        // Plain text: a human banner, or a crash's stack trace on stderr.
        if (line.trim() !== "") events.onNotice(spec.name, line);
      } else if (level === "warn" || level === "error" || level === "fatal") {
        events.onNotice(spec.name, `${level}: ${msg}`);
      }
    };
    if (this.proc.stdout) createInterface({ input: this.proc.stdout }).on("line", (l) => handle("stdout", l));
    if (this.proc.stderr) createInterface({ input: this.proc.stderr }).on("line", (l) => handle("stderr", l));
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    if (!this.alive) return;
    this.proc.kill("SIGTERM");
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
