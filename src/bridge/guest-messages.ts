/**
 * Messages callers other than the owner left with the agent, kept in `<stateDir>/guest-messages.json`
 * (bounded) until the owner hears them at the start of their next call; `clawcall status` lists them.
 * Guest speech is untrusted: it is stored and spoken as a quotation, never acted on.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Logger } from "../log.js";
import { atomicWriteJson } from "../state/atomic.js";

export interface GuestMessage {
  id: string;
  /** ISO time it was left. */
  at: string;
  /** The caller's number in E.164, when the relay gave one. */
  from: string | null;
  callSid: string;
  text: string;
  /** ISO time the owner was told; null while new. */
  toldAt: string | null;
}

/** Kept at most (told ones go first), and per call (a caller cannot flood the owner). */
const MAX_KEPT = 50;
const MAX_PER_CALL = 5;
const MAX_CHARS = 500;

export function guestMessagesPath(stateDir: string): string {
  return join(stateDir, "guest-messages.json");
}

/** The messages on disk (for `clawcall status`); empty when there is no readable file. */
export function readGuestMessages(stateDir: string): GuestMessage[] {
  try {
    const doc = JSON.parse(readFileSync(guestMessagesPath(stateDir), "utf8")) as { items?: unknown };
    if (!Array.isArray(doc.items)) return [];
    return doc.items.filter(
      (m): m is GuestMessage => typeof m?.text === "string" && typeof m?.at === "string",
    );
  } catch {
    return [];
  }
}

export class GuestMessages {
  readonly #path: string;
  readonly #log: Logger;
  readonly #now: () => number;
  #items: GuestMessage[];

  constructor(o: { stateDir: string; logger: Logger; now: () => number }) {
    this.#path = guestMessagesPath(o.stateDir);
    this.#log = o.logger;
    this.#now = o.now;
    this.#items = readGuestMessages(o.stateDir);
  }

  get all(): readonly GuestMessage[] {
    return this.#items;
  }

  get unread(): GuestMessage[] {
    return this.#items.filter((m) => m.toldAt === null);
  }

  /** Stores a message; false when this call already left its share. */
  add(callSid: string, from: string | undefined, text: string): boolean {
    if (this.#items.filter((m) => m.callSid === callSid).length >= MAX_PER_CALL) return false;
    this.#items.push({
      id: randomUUID(),
      at: new Date(this.#now()).toISOString(),
      from: from ?? null,
      callSid,
      text: text.slice(0, MAX_CHARS),
      toldAt: null,
    });
    while (this.#items.length > MAX_KEPT) {
      const told = this.#items.findIndex((m) => m.toldAt !== null);
      this.#items.splice(Math.max(told, 0), 1);
    }
    this.#save();
    this.#log.info({ callSid, from: from ? `…${from.slice(-4)}` : null }, "a caller left a message");
    return true;
  }

  /** The new messages, marked as told (the caller of this speaks them now). */
  takeUnread(): GuestMessage[] {
    const fresh = this.unread;
    if (fresh.length === 0) return fresh;
    const at = new Date(this.#now()).toISOString();
    for (const m of fresh) m.toldAt = at;
    this.#save();
    return fresh;
  }

  #save(): void {
    try {
      mkdirSync(dirname(this.#path), { recursive: true, mode: 0o700 });
      atomicWriteJson(this.#path, { version: 1, items: this.#items });
    } catch (err) {
      this.#log.error({ err }, "could not save callers' messages");
    }
  }
}
