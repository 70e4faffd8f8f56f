/**
 * Whether the phone's model (its "main brain") can be reached, from what model calls actually did.
 * A caller whose question cannot reach the model is told so plainly, with what the phone can still
 * do, instead of a generic "try again later" they would keep trying; `/health` and `clawcall
 * doctor` say the same thing in the same words.
 */
import type { ModelMode } from "../config/index.js";
import type { ClawcallError } from "../errors.js";
import type { GatewayFacts } from "./model/index.js";

/**
 * Failures that mean the model server is not there for us: nothing listens, it refuses or errors,
 * the endpoint is switched off, it hangs before answering, the CLI is missing. A busy gate, our own
 * deadline, a shutdown or an odd reply say nothing about reachability.
 */
const UNREACHABLE = new Set([
  "E_MODEL_TRANSPORT",
  "E_MODEL_HTTP",
  "E_MODEL_DISABLED",
  "E_MODEL_STALLED",
  "E_CLI_MISSING",
]);

export interface BrainOptions {
  mode: ModelMode;
  /** The gateway's probe (gateway mode), read when no model call has said anything yet. */
  gateway(): GatewayFacts;
  now(): number;
}

export class Brain {
  readonly #o: BrainOptions;
  /** The last model call that said something about reachability. */
  #last: { ok: true; at: number } | { ok: false; at: number; code: string } | undefined;

  constructor(o: BrainOptions) {
    this.#o = o;
  }

  /** A model call answered. */
  noteOk(): void {
    this.#last = { ok: true, at: this.#o.now() };
  }

  /** A model call failed; only failures that mean "not reachable" change the answer. */
  noteError(err: unknown): void {
    const code = (err as ClawcallError | undefined)?.code;
    if (code && UNREACHABLE.has(code)) this.#last = { ok: false, at: this.#o.now(), code };
  }

  /** False when the model cannot be reached, true when it answered last, null when nothing is known. */
  reachable(): boolean | null {
    if (this.#o.mode === "off") return false;
    if (this.#last) return this.#last.ok;
    return this.#o.gateway().reachable;
  }

  /** Why a model question got no answer, for its fallback line: no model, not reachable, or a passing failure. */
  whyNoAnswer(): "off" | "unreachable" | "failed" {
    if (this.#o.mode === "off") return "off";
    return this.reachable() === false ? "unreachable" : "failed";
  }

  /** One sentence for `/health` and `clawcall doctor`. */
  note(): string {
    if (this.#o.mode === "off") {
      return "the phone model is off (CLAWCALL_PHONE_MODEL_MODE=off): callers get fast answers only";
    }
    const r = this.reachable();
    if (r === null) return "no model call yet";
    if (r) return "the model answered the last call";
    const why = this.#last && !this.#last.ok ? ` (${this.#last.code})` : "";
    return `the phone can't reach its model${why}: callers hear "I can't reach my main brain right now" and get fast answers only`;
  }
}
