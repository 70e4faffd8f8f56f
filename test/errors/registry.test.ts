import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ClawcallError,
  ConfigError,
  DeadlineError,
  ERROR_CODES,
  ERRORS,
  exitCodeFor,
  RelayHttpError,
  RelayTransportError,
} from "../../src/errors.js";
import { EXIT } from "../../src/exit-codes.js";

const SRC = join(import.meta.dirname, "../../src");

function sources(dir = SRC): { path: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith(".ts") ? [{ path: p.slice(SRC.length + 1), text: readFileSync(p, "utf8") }] : [];
  });
}

describe("the error registry", () => {
  it("holds every code the source uses", () => {
    const used = new Set<string>();
    for (const f of sources()) for (const m of f.text.matchAll(/"(E_[A-Z_]+)"/g)) used.add(m[1]!);
    const missing = [...used].filter((c) => !(c in ERRORS));
    expect(missing).toEqual([]);
  });

  it("gives each code a meaning, a decision and an exit code; the bridge's refusals an HTTP status", () => {
    for (const [code, e] of Object.entries(ERRORS)) {
      expect(e.message.length, code).toBeGreaterThan(5);
      expect(ERROR_CODES[code as keyof typeof ERRORS]).toBe(e.message);
      expect(Object.values(EXIT), code).toContain(e.exit);
      // The bridge's HTTP refusals, and only they, carry a status.
      if (e.decision === "reject_request") {
        expect("http" in e && e.http >= 400 && e.http < 600, code).toBe(true);
      } else expect("http" in e, code).toBe(false);
    }
  });

  it("maps errors to the exit code a person can act on", () => {
    const http = (status: number) => new RelayHttpError({ status, relayMessage: "x", endpoint: "account" });
    expect(exitCodeFor(http(401))).toBe(EXIT.KEY_REJECTED);
    expect(exitCodeFor(http(403))).toBe(EXIT.FAILURE);
    expect(exitCodeFor(new ConfigError(["CLAWCALL_AGENT_PORT: expected a port"]))).toBe(EXIT.CONFIG);
    expect(exitCodeFor(new ClawcallError("E_INVALID_INPUT", "bad number"))).toBe(EXIT.USAGE);
    expect(exitCodeFor(new ClawcallError("E_ALREADY_RUNNING", "pid 1"))).toBe(EXIT.ALREADY_RUNNING);
    expect(
      exitCodeFor(
        new RelayTransportError({ code: "E_TRANSPORT_RESET", endpoint: "listen", message: "reset" }),
      ),
    ).toBe(EXIT.FAILURE);
    expect(exitCodeFor(new DeadlineError("the turn", 12_000))).toBe(EXIT.FAILURE);
    expect(exitCodeFor(new Error("a bug"))).toBe(EXIT.FAILURE);
  });

  it("leaves no bare exit code in the source: each is named in exit-codes.ts", () => {
    const bare: string[] = [];
    for (const f of sources()) {
      if (f.path === "exit-codes.ts") continue;
      for (const m of f.text.matchAll(
        /(process\.exit\(|exitCode = |return |\? |: |= )(3|64|69|75|77|78)\b;?/g,
      )) {
        const line = f.text.slice(0, m.index).split("\n").length;
        const text = f.text.split("\n")[line - 1]!;
        // Only exit codes: skip sizes, CSS and other numbers that happen to match.
        const comment = /^\s*(\*|\/\/|\/\*)/.test(text);
        if (
          !comment &&
          /exit|code|return/i.test(text) &&
          !/\bpx\b|order:|grid|\* 1024|slice|padStart/.test(text)
        ) {
          bare.push(`${f.path}:${line}: ${text.trim()}`);
        }
      }
    }
    expect(bare).toEqual([]);
  });
});
