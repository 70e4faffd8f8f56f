import { lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "dotenv";
import { describe, expect, it } from "vitest";
import { applyEnvUpdates, formatEnvValue, updateEnvFile } from "../../src/cli/env-file.js";
import { clean, duration, usdc } from "../../src/cli/format.js";
import { describeError } from "../../src/cli/relay-errors.js";
import { checkEmail, normalizeE164 } from "../../src/cli/validate.js";
import {
  ClawcallError,
  ConfigError,
  DeadlineError,
  RelayHttpError,
  RelayTransportError,
} from "../../src/errors.js";

/** The CLI's pure helpers: .env editing, E.164, error lines. */

const KEY = "0f0e0d0c-1111-4222-8333-444455556666";

describe("applyEnvUpdates", () => {
  it("replaces keys in place, keeps comments and others, appends new keys", () => {
    const before = "# top\nA=1\nCLAWCALL_API_KEY=old # note\n\n  export CLAWCALL_EMAIL='x@y.z'\nB=2";
    const after = applyEnvUpdates(before, {
      CLAWCALL_API_KEY: KEY,
      CLAWCALL_EMAIL: "me@example.com",
      NEW: "v",
    });
    expect(after).toBe(
      `# top\nA=1\nCLAWCALL_API_KEY=${KEY}\n\n  export CLAWCALL_EMAIL=me@example.com\nB=2\nNEW=v\n`,
    );
    expect(parse(after)).toMatchObject({
      A: "1",
      B: "2",
      CLAWCALL_API_KEY: KEY,
      CLAWCALL_EMAIL: "me@example.com",
    });
  });

  it("replaces every copy of a duplicated key, so a later one cannot win", () => {
    const after = applyEnvUpdates("K=1\nX=2\nK=3\n", { K: "new" });
    expect(after).toBe("K=new\nX=2\nK=new\n");
    expect(parse(after).K).toBe("new");
  });

  it("keeps CRLF files CRLF, and handles empty files and missing final newlines", () => {
    expect(applyEnvUpdates("A=1\r\nB=2\r\n", { B: "3" })).toBe("A=1\r\nB=3\r\n");
    expect(applyEnvUpdates("", { A: "1" })).toBe("A=1\n");
    expect(applyEnvUpdates("A=1", { B: "2" })).toBe("A=1\nB=2\n");
    // A commented-out key is a comment, not a key.
    expect(applyEnvUpdates("# CLAWCALL_API_KEY=x\n", { CLAWCALL_API_KEY: "y" })).toBe(
      "# CLAWCALL_API_KEY=x\nCLAWCALL_API_KEY=y\n",
    );
  });

  it("quotes values dotenv would misread, and refuses line breaks", () => {
    expect(formatEnvValue("a b#c")).toBe('"a b#c"');
    expect(parse(`V=${formatEnvValue("a b#c")}\n`).V).toBe("a b#c");
    expect(formatEnvValue('say "hi"')).toBe(`'say "hi"'`);
    expect(() => formatEnvValue("a\nb")).toThrow();
  });

  it("updateEnvFile writes mode 0600 even over a world-readable file", () => {
    const dir = mkdtempSync(join(tmpdir(), "cc-env-"));
    const p = join(dir, ".env");
    writeFileSync(p, "A=1\n", { mode: 0o644 });
    updateEnvFile(p, { CLAWCALL_API_KEY: KEY });
    expect(readFileSync(p, "utf8")).toBe(`A=1\nCLAWCALL_API_KEY=${KEY}\n`);
    expect(statSync(p).mode & 0o777).toBe(0o600);
    // A symlinked .env is edited where it points.
    const link = join(dir, "link.env");
    symlinkSync(p, link);
    updateEnvFile(link, { B: "2" });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(p, "utf8")).toBe(`A=1\nCLAWCALL_API_KEY=${KEY}\nB=2\n`);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("validation", () => {
  it("E.164: +, nonzero country code, 8-15 digits; separators dropped", () => {
    expect(normalizeE164("+1 (415) 555-0100")).toBe("+14155550100");
    expect(normalizeE164("+49.30.1234567")).toBe("+49301234567");
    expect(normalizeE164("+12345678")).toBe("+12345678");
    expect(normalizeE164("+123456789012345")).toBe("+123456789012345");
    for (const bad of [
      "14155550100",
      "+0415555010",
      "+1234567",
      "+1234567890123456",
      "+1 415 CALL NOW",
      "",
      "++14155550100",
    ]) {
      expect(() => normalizeE164(bad)).toThrow(/E\.164/);
    }
    expect(checkEmail(" me@example.com ")).toBe("me@example.com");
    expect(() => checkEmail("me@")).toThrow();
  });
});

describe("describeError", () => {
  const where = { apiUrl: "https://api.clawcall.online", email: "me@example.com" };
  const http = (status: number, relayMessage: string, retryAfterMs?: number) =>
    new RelayHttpError({ status, relayMessage, endpoint: "x", ...(retryAfterMs ? { retryAfterMs } : {}) });
  const transport = (code: ConstructorParameters<typeof RelayTransportError>[0]["code"], status?: number) =>
    new RelayTransportError({ code, endpoint: "x", message: "boom", ...(status ? { status } : {}) });

  it.each([
    [http(401, "Invalid API key"), /rejected your API key .*register --email me@example\.com/, 77],
    [
      http(403, "Outbound calls require Pro tier or above"),
      /^Pro tier required — see `clawcall billing checkout pro`/,
      1,
    ],
    [
      http(403, "Multi-agent support requires Team tier"),
      /^Team tier required — see `clawcall billing checkout team`/,
      1,
    ],
    [http(429, "Monthly minute limit reached"), /^monthly minute limit reached — /, 1],
    [http(429, "slow", 2500), /try again in 3 s$/, 1],
    [http(404, "Schedule not found"), /no such schedule/, 1],
    [http(404, "Unknown or expired call_sid"), /that call is over or unknown/, 1],
    [http(404, "User not found"), /no account for this key/, 1],
    [http(400, "No personal phone number registered. POST /api/v1/account/phone first"), /--set-phone/, 1],
    [http(400, "cron is required"), /^the relay refused the request: cron is required$/, 1],
    [
      http(402, "Insufficient amount: received 1.00 USDC, expected 9.00 USDC."),
      /^payment not verified: Insufficient/,
      1,
    ],
    [http(409, "Transaction already used"), /verified once/, 1],
    [http(409, "Agent name taken"), /^the relay refused: Agent name taken — it conflicts with/, 1],
    [http(403, "Team tier allows up to 5 agents"), /^Team tier allows up to 5 agents — remove one first/, 1],
    [
      http(403, "Webhook push requires Team tier"),
      /^Team tier required — see `clawcall billing checkout team`/,
      1,
    ],
    [http(404, "Agent not found"), /^no such agent on this account \(Agent not found\) — check the id/, 1],
    [
      http(400, "Cannot remove the primary agent. Downgrade your account instead."),
      /^Cannot remove the primary agent\. .* — the primary agent is the account's first one/,
      1,
    ],
    [http(503, "Payments not configured on this server"), /does not take payments/, 1],
    [http(500, "Twilio down"), /^the relay failed \(HTTP 500: Twilio down\)/, 1],
    [http(418, "teapot"), /^the relay answered HTTP 418: teapot$/, 1],
    [transport("E_TRANSPORT_CONNECT"), /^could not reach the relay at https:\/\/api\.clawcall\.online/, 1],
    [transport("E_TRANSPORT_RESET"), /was cut off/, 1],
    [transport("E_TRANSPORT_TIMEOUT"), /did not answer in time/, 1],
    [transport("E_TRANSPORT_BAD_BODY", 502), /unavailable \(HTTP 502/, 1],
    [transport("E_TRANSPORT_BAD_BODY", 500), /internal error \(HTTP 500 page\)/, 1],
    [transport("E_TRANSPORT_BAD_BODY", 404), /does not look like a ClawCall relay/, 1],
    [transport("E_TRANSPORT_BAD_BODY", 200), /cannot read \(HTTP 200, boom\)/, 1],
    [transport("E_TRANSPORT_ABORTED"), /^cancelled$/, 1],
    [transport("E_TRANSPORT"), /^could not send the request/, 1],
    [new DeadlineError("relay x", 0), /gave up waiting/, 1],
    [
      new ConfigError(["CLAWCALL_API_KEY: bad", "LOG_LEVEL: bad"]),
      /CLAWCALL_API_KEY: bad; LOG_LEVEL: bad/,
      78,
    ],
    [new ClawcallError("E_INVALID_INPUT", "nope"), /^nope$/, 64],
    [new ClawcallError("E_INVALID_CALL_SID", "bad sid"), /^bad sid$/, 64],
    [new ClawcallError("E_ALREADY_RUNNING", "busy"), /^busy$/, 75],
  ])("%s → one line", (err, line, exit) => {
    const r = describeError(err, where)!;
    expect(r.line).toMatch(line);
    expect(r.line).not.toContain("\n");
    expect(r.exit).toBe(exit);
  });

  it("leaves bugs alone", () => {
    expect(describeError(new Error("bug"))).toBeUndefined();
  });

  it("never lets relay text break the line or reach the terminal raw", () => {
    const r = describeError(http(400, "bad\n\u001b]0;pwned\u0007 thing"), where)!;
    expect(r.line).toBe("the relay refused the request: bad ]0;pwned thing");
  });
});

describe("format", () => {
  it("clean, duration, usdc", () => {
    expect(clean("a\u0000b\r\nc\u2028d", 100)).toBe("a b c d");
    expect(clean("x".repeat(20), 10)).toBe(`${"x".repeat(9)}…`);
    expect(duration(42)).toBe("0:42");
    expect(duration(3723)).toBe("1:02:03");
    expect(duration(null)).toBe("-");
    expect(usdc(9 + 2 * 0.05)).toBe("9.1");
    expect(usdc(29)).toBe("29");
  });
});
