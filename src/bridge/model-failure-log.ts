/**
 * How a failed model call is logged. Trying the sandbox with no model server yet (nothing listens
 * where the model should be, or the openclaw CLI is not installed) is an expected state: it is said
 * once at info with the fix, then at debug until a model call answers again. Every other failure
 * is a real one and stays a warning each time.
 */
import type { Config } from "../config/index.js";
import type { Logger } from "../log.js";

/** A model server that is simply not there while the runtime runs against the sandbox relay. */
export function isExpectedAbsence(sandbox: boolean, err: unknown): boolean {
  if (!sandbox) return false;
  const e = err as { code?: string; message?: string } | undefined;
  if (e?.code === "E_CLI_MISSING") return true;
  return e?.code === "E_MODEL_TRANSPORT" && /ECONNREFUSED/.test(e.message ?? "");
}

/** The one line that says how to give the phone its model, for the configured mode. */
export function modelFix(config: Config): string {
  const m = config.model;
  if (m.mode === "openai") return `start the server at OPENAI_BASE_URL (${m.openaiBaseUrl ?? "unset"})`;
  if (m.mode === "local") return "install OpenClaw (npm install -g openclaw) or set CLAWCALL_OPENCLAW_BIN";
  return `start the OpenClaw gateway (\`openclaw gateway\`, expected at ${m.gatewayUrl}) or set CLAWCALL_PHONE_MODEL_MODE=openai|local|off; \`clawcall doctor\` checks it`;
}

export class ModelFailureLog {
  readonly #log: Logger;
  readonly #sandbox: boolean;
  readonly #fix: string;
  /** The expected state was said (until a model call answers again). */
  #told = false;

  constructor(o: { log: Logger; sandbox: boolean; fix: string }) {
    this.#log = o.log;
    this.#sandbox = o.sandbox;
    this.#fix = o.fix;
  }

  /** A model call failed; `what` is the message for a real failure. */
  failed(err: unknown, what: string, fields: Record<string, unknown> = {}): void {
    const e = err as { code?: string; message?: string } | undefined;
    const f = { ...fields, code: e?.code ?? "E_MODEL", err: e?.message ?? String(err) };
    if (!isExpectedAbsence(this.#sandbox, err)) this.#log.warn(f, what);
    else if (this.#told) this.#log.debug(f, what);
    else {
      this.#told = true;
      this.#log.info(
        f,
        `no model server yet (expected while trying the sandbox): callers get fast answers only; ${this.#fix}`,
      );
    }
  }

  /** A model call answered: a later absence is news again. */
  answered(): void {
    this.#told = false;
  }
}
