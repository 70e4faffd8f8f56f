import { unlinkSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../log.js";
import { atomicWriteJson } from "../state/atomic.js";
import { realClock } from "../util/clock.js";

export interface ListenerStatus {
  pid: number;
  startedAt: string;
  mode: "HTTP" | "CLI";
  keyId: string;
  relay: string;
  state: "starting" | "running" | "stopping" | "stopped";
  polling: boolean;
  lastPollAt: string | null;
  turnsAnswered: number;
  inFlight: number;
  lastError: string | null;
  updatedAt: string;
}

/** How often the status file is rewritten: fresh enough for `clawcall status`, cheap (one small atomic write). */
export const STATUS_EVERY_MS = 2_000;

export function statusPath(stateDir: string): string {
  return join(stateDir, "listener.status.json");
}

/** Writes `<stateDir>/listener.status.json` for `clawcall status`, atomically, every few seconds. */
export class StatusWriter {
  readonly path: string;
  readonly #read: () => Omit<ListenerStatus, "updatedAt">;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #failed = false;

  readonly #now: () => number;

  constructor(
    stateDir: string,
    read: () => Omit<ListenerStatus, "updatedAt">,
    logger: Logger,
    now: () => number = realClock.now,
  ) {
    this.path = statusPath(stateDir);
    this.#read = read;
    this.#log = logger;
    this.#now = now;
  }

  start(everyMs = STATUS_EVERY_MS): void {
    this.write();
    this.#timer = setInterval(() => this.write(), everyMs);
    this.#timer.unref();
  }

  write(): void {
    try {
      atomicWriteJson(this.path, { ...this.#read(), updatedAt: new Date(this.#now()).toISOString() });
      this.#failed = false;
    } catch (err) {
      if (!this.#failed) this.#log.warn({ err: String(err) }, "could not write the status file");
      this.#failed = true;
    }
  }

  stop(remove = false): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (remove) {
      try {
        unlinkSync(this.path);
      } catch {}
    } else this.write();
  }
}
