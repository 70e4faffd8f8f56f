import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LIVE_RELAY_URL, loadConfig, SANDBOX_DEMO_API_KEY } from "../../src/config/index.js";
import { ConfigError } from "../../src/errors.js";
import { DEFAULT_PHONE_TIMEOUT_MS } from "../../src/listener/timings.js";
import { AGENT_WAIT_MS } from "../../src/relay/deadlines.js";

const KEY = "0f0e0d0c-1111-4222-8333-444455556666";

describe("config", () => {
  it("defaults to the sandbox relay when no key is set", () => {
    const c = loadConfig({ env: {}, dotenv: false });
    expect(c.relay.sandbox).toBe(true);
    expect(c.relay.apiKey).toBe(SANDBOX_DEMO_API_KEY);
    expect(c.relay.apiUrl).toBe("http://127.0.0.1:4750");
    expect(c.bridge).toEqual({ host: "127.0.0.1", port: 4747, token: undefined, metrics: false });
    expect(c.model.mode).toBe("gateway");
    // Below the relay's 12 s filler point, by the pickup-and-post margin.
    expect(c.model.phoneTimeoutMs).toBe(DEFAULT_PHONE_TIMEOUT_MS);
    expect(c.model.phoneTimeoutMs).toBeLessThan(AGENT_WAIT_MS);
    expect(c.model.warmUp).toEqual({ enabled: true, intervalMs: 15_000 });
    expect(c.listener.maxTurns).toBe(32);
    expect(c.speech).toEqual({ words: 50, recordingNotice: "This call may be recorded." });
    expect(
      loadConfig({ env: { CLAWCALL_RECORDING_NOTICE: "OFF" }, dotenv: false }).speech.recordingNotice,
    ).toBe(undefined);
    expect(Object.isFrozen(c.relay)).toBe(true);
  });

  it("uses the live relay with a key, and real variables win over .env", () => {
    const dir = mkdtempSync(join(tmpdir(), "cc-config-"));
    writeFileSync(join(dir, ".env"), `CLAWCALL_API_KEY=${KEY}\nCLAWCALL_AGENT_PORT=5000\n# comment\n`);
    const c = loadConfig({ env: { CLAWCALL_AGENT_PORT: "6000" }, cwd: dir });
    expect(c.relay.sandbox).toBe(false);
    expect(c.relay.apiUrl).toBe(LIVE_RELAY_URL);
    expect(c.bridge.port).toBe(6000);
  });

  it.each([
    ["CLAWCALL_AGENT_PORT", "abc"],
    ["CLAWCALL_AGENT_PORT", "70000"],
    ["CLAWCALL_PHONE_MODEL_MODE", "magic"],
    ["CLAWCALL_PHONE_TIMEOUT_MS", "-5"],
    ["CLAWCALL_PHONE_TIMEOUT_MS", "25000"],
    ["CLAWCALL_WARMUP", "sometimes"],
    ["CLAWCALL_METRICS", "yes"],
    ["CLAWCALL_WARMUP_INTERVAL_MS", "10"],
    ["CLAWCALL_TIMEZONE", "Mars/Olympus"],
    ["CLAWCALL_API_URL", "ftp://example"],
    ["CLAWCALL_MAX_TURNS", "0"],
    ["CLAWCALL_POLL_TIMEOUT_S", "60"],
    ["LOG_LEVEL", "loud"],
    ["CLAWCALL_EMAIL", "not-an-email"],
    ["CLAWCALL_SPEECH_WORDS", "fifty"],
    ["CLAWCALL_SPEECH_WORDS", "5"],
    ["CLAWCALL_RECORDING_NOTICE", "12345"],
  ])("rejects %s=%s with a line naming it", (name, value) => {
    try {
      loadConfig({ env: { [name]: value }, dotenv: false });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const lines = (err as ConfigError).lines;
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^${name}: `));
    }
  });

  it("refuses a phone deadline past the relay's filler point, saying why in one line", () => {
    expect(() => loadConfig({ env: { CLAWCALL_PHONE_TIMEOUT_MS: "25000" }, dotenv: false })).toThrow(
      /CLAWCALL_PHONE_TIMEOUT_MS: expected at most 11500: the relay plays a filler 12000 ms after the caller spoke/,
    );
    const c = loadConfig({
      env: {
        CLAWCALL_PHONE_TIMEOUT_MS: "11500",
        CLAWCALL_WARMUP: "off",
        CLAWCALL_WARMUP_INTERVAL_MS: "30000",
        CLAWCALL_METRICS: "on",
      },
      dotenv: false,
    });
    expect(c.bridge.metrics).toBe(true);
    expect(c.model.phoneTimeoutMs).toBe(11_500);
    expect(c.model.warmUp).toEqual({ enabled: false, intervalMs: 30_000 });
  });

  it("never echoes a bad key back", () => {
    try {
      loadConfig({ env: { CLAWCALL_API_KEY: "super-secret-not-a-uuid" }, dotenv: false });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).lines[0]).toMatch(/^CLAWCALL_API_KEY: /);
      expect((err as ConfigError).message).not.toContain("super-secret");
    }
  });

  it("a process with two bad variables prints two lines and exits 78", () => {
    const script = `import("${join(process.cwd(), "dist/config/index.js")}").then(m => m.loadConfigOrExit({dotenv:false}))`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      env: { PATH: process.env.PATH, CLAWCALL_AGENT_PORT: "x", CLAWCALL_MAX_TURNS: "y" },
      encoding: "utf8",
    });
    expect(r.status).toBe(78);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain("CLAWCALL_AGENT_PORT");
    expect(lines[1]).toContain("CLAWCALL_MAX_TURNS");
  });
});
