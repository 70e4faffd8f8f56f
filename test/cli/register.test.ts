import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SHARED_NUMBER } from "../../src/sandbox/index.js";
import { hits, type RunningSandbox, relayRequests, startSandbox } from "../helpers/sandbox.js";
import { refusedUrl } from "../helpers/scripted-server.js";
import { runCli, tempCwd } from "./run-cli.js";

/** `clawcall register` in process against the sandbox: .env editing, key rotation, validation first. */

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
let relay: RunningSandbox;
let cwd: string;
const envFile = () => join(cwd, ".env");
const readEnv = () => readFileSync(envFile(), "utf8");
const keyIn = (text: string) => /^CLAWCALL_API_KEY=(.*)$/m.exec(text)?.[1];

const userByEmail = (email: string) => relay.sb.core.store.t.users.find((u) => u.email === email);
const agentOf = (email: string) => relay.sb.core.store.oldestAgent(userByEmail(email)!.id)!;

beforeEach(async () => {
  relay = await startSandbox({ logBodies: true });
  cwd = tempCwd();
});
afterEach(async () => {
  await relay.close();
});

describe("clawcall register", () => {
  it("writes the key and email to .env with mode 0600, keeping every other line", async () => {
    writeFileSync(
      envFile(),
      "# my settings\nOPENAI_API_KEY=sk-local\nCLAWCALL_EMAIL=old@example.com\n\nexport CLAWCALL_AGENT_PORT=4848 # port\n",
      { mode: 0o644 },
    );
    const r = await runCli(["register", "--phone", "+1 (415) 555-0100", "--email", "Me@Example.com"], {
      cwd,
      env: { CLAWCALL_API_URL: relay.url },
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const text = readEnv();
    const key = keyIn(text)!;
    expect(key).toMatch(UUID);
    expect(text).toBe(
      `# my settings\nOPENAI_API_KEY=sk-local\nCLAWCALL_EMAIL=me@example.com\n\nexport CLAWCALL_AGENT_PORT=4848 # port\nCLAWCALL_API_KEY=${key}\n`,
    );
    expect(statSync(envFile()).mode & 0o777).toBe(0o600);
    // The number to call, from where, and what to do next; never the key.
    expect(r.stdout).toContain(SHARED_NUMBER);
    expect(r.stdout).toContain("from +14155550100");
    expect(r.stdout).toMatch(/Next: run `clawcall up`/);
    expect(r.stdout).not.toContain(key);
    // The phone went out normalised to E.164.
    expect(hits(relay.sb, "POST", "/api/v1/register")[0]!.json).toEqual({
      email: "Me@Example.com",
      phone_number: "+14155550100",
    });
    expect(userByEmail("me@example.com")!.phone_number).toBe("+14155550100");
  });

  it("creates .env when there is none, and --show-key prints the key", async () => {
    const r = await runCli(["register", "--phone", "+447700900123", "--show-key", "--name", "Jarvis"], {
      cwd,
      env: { CLAWCALL_API_URL: relay.url },
    });
    expect(r.code).toBe(0);
    const key = keyIn(readEnv())!;
    expect(r.stdout).toContain(`API key: ${key}`);
    // No --email: the relay's made-up address is stored, because it is the only way to recover.
    expect(readEnv()).toMatch(/^CLAWCALL_EMAIL=agent-[0-9a-f]{12}@clawcall\.app$/m);
    expect(r.stdout).toMatch(/made up agent-/);
    expect(statSync(envFile()).mode & 0o777).toBe(0o600);
    expect(hits(relay.sb, "POST", "/api/v1/register")[0]!.json.agent_name).toBe("Jarvis");
    expect(agentOf(/^CLAWCALL_EMAIL=(.*)$/m.exec(readEnv())![1]!).name).toBe("Jarvis");
  });

  it("--email of an existing account rotates the key: the old one gets 401, the new one works", async () => {
    await runCli(["register", "--phone", "+14155550100", "--email", "me@example.com"], {
      cwd,
      env: { CLAWCALL_API_URL: relay.url },
    });
    const oldKey = keyIn(readEnv())!;
    writeFileSync(envFile(), `${readEnv()}# keep me\n`);

    const r = await runCli(["register", "--email", "me@example.com"], {
      cwd,
      env: { CLAWCALL_API_URL: relay.url },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Re-registered me@example\.com .*new API key.*old one no longer works/);
    const text = readEnv();
    const newKey = keyIn(text)!;
    expect(newKey).toMatch(UUID);
    expect(newKey).not.toBe(oldKey);
    expect(text.match(/CLAWCALL_API_KEY=/g)).toHaveLength(1);
    expect(text).toContain("CLAWCALL_EMAIL=me@example.com");
    expect(text).toContain("# keep me");
    // Rotation without --phone keeps the phone on the account.
    expect(hits(relay.sb, "POST", "/api/v1/register")[1]!.json).toEqual({ email: "me@example.com" });
    expect(userByEmail("me@example.com")!.phone_number).toBe("+14155550100");

    const stale = await runCli(["account"], {
      cwd,
      env: { CLAWCALL_API_URL: relay.url, CLAWCALL_API_KEY: oldKey },
    });
    expect(stale.code).toBe(77);
    expect(stale.stderr).toMatch(/the relay rejected your API key/);
    const fresh = await runCli(["account"], { cwd, env: { CLAWCALL_API_URL: relay.url } });
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toContain("me@example.com");
  });

  it("says so when the relay has no number to give out", async () => {
    relay.sb.sim.setSharedNumber(null);
    const r = await runCli(["register", "--phone", "+14155550100"], {
      cwd,
      env: { CLAWCALL_API_URL: relay.url },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no phone number to give out yet/);
  });

  it("--json prints the relay's answer without the key", async () => {
    const r = await runCli(["register", "--phone", "+14155550100", "--json"], {
      cwd,
      env: { CLAWCALL_API_URL: relay.url },
    });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out.api_key).toBe("(saved to .env)");
    expect(out.phone_number).toBe(SHARED_NUMBER);
    expect(r.stdout).not.toContain(keyIn(readEnv())!);
  });

  it("warns when CLAWCALL_API_KEY in the environment shadows the new key in .env", async () => {
    const existing = relay.sb.sim.addAccount({ email: "me@example.com" });
    const r = await runCli(["register", "--email", "me@example.com"], {
      cwd,
      env: { CLAWCALL_API_URL: relay.url, CLAWCALL_API_KEY: existing.api_key },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/also set in your environment and wins over \.env/);
  });

  it.each([
    [["register", "--phone", "4155550100"], /E\.164/],
    [["register", "--phone", "+0123456789"], /E\.164/],
    [["register", "--phone", "+1234567"], /E\.164/],
    [["register", "--phone", "+1234567890123456"], /E\.164/],
    [["register", "--phone", "+1415555abcd"], /E\.164/],
    [["register"], /--phone is required/],
    [["register", "--email", "not-an-email"], /not an email address/],
    [["register", "--phone", "+14155550100", "--bogus"], /Unknown option/],
    [["register", "extra"], /unexpected argument/],
  ])("%j is refused locally with exit 64 and no request", async (args, why) => {
    const r = await runCli(args, { cwd, env: { CLAWCALL_API_URL: relay.url } });
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(why);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(relayRequests(relay.sb)).toHaveLength(0);
  });

  it("refuses to replace an existing key with a new account unless --email or --force", async () => {
    const existing = relay.sb.sim.addAccount({ email: "me@example.com" });
    writeFileSync(envFile(), `CLAWCALL_API_KEY=${existing.api_key}\nCLAWCALL_EMAIL=me@example.com\n`);
    const r = await runCli(["register", "--phone", "+14155550100"], {
      cwd,
      env: { CLAWCALL_API_URL: relay.url },
    });
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/already has CLAWCALL_API_KEY .*clawcall register --email me@example\.com/);
    expect(relayRequests(relay.sb)).toHaveLength(0);
    const forced = await runCli(["register", "--phone", "+14155550100", "--force"], {
      cwd,
      env: { CLAWCALL_API_URL: relay.url },
    });
    expect(forced.code).toBe(0);
    expect(keyIn(readEnv())).not.toBe(existing.api_key);
  });

  it("an unreachable relay is one line, exit 1, and .env is untouched", async () => {
    writeFileSync(envFile(), "FOO=1\n");
    const r = await runCli(["register", "--phone", "+14155550100"], {
      cwd,
      env: { CLAWCALL_API_URL: await refusedUrl() },
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(
      /^clawcall register: could not reach the relay at http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(readEnv()).toBe("FOO=1\n");
  });
});
