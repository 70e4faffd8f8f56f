import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type RunningSandbox, relayRequests, startSandbox } from "../helpers/sandbox.js";
import { body, refusedUrl, type ScriptedServer, startScriptedServer } from "../helpers/scripted-server.js";
import { runCli, runCliProcess, tempCwd } from "./run-cli.js";

/** Every failure a relay command meets prints one line with the next step and a meaningful exit code. */

let relay: RunningSandbox;
let cwd: string;
let key: string;
const env = (url = relay.url) => ({
  CLAWCALL_API_URL: url,
  CLAWCALL_API_KEY: key,
  CLAWCALL_EMAIL: "me@example.com",
});
function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

const scripted: ScriptedServer[] = [];
beforeEach(async () => {
  relay = await startSandbox({ logBodies: true });
  cwd = tempCwd();
  key = relay.sb.sim.addAccount({
    email: "me@example.com",
    phone_number: "+14155550100",
    tier: "pro",
  }).api_key;
});
afterEach(async () => {
  await relay.close();
  await Promise.all(scripted.splice(0).map((s) => s.close()));
});

describe("relay answers", () => {
  it("401 (a rotated or unknown key) → the recovery command, exit 77", async () => {
    key = "0f0e0d0c-1111-4222-8333-444455556666";
    const r = await runCli(["account"], { cwd, env: env() });
    expect(r.code).toBe(77);
    expect(r.stdout).toBe("");
    expect(oneLine(r.stderr)).toBe(
      "clawcall account: the relay rejected your API key (Invalid API key) — run `clawcall register --email me@example.com` to get a new one",
    );
  });

  it("401 without a known email says <you>", async () => {
    const r = await runCli(["history"], {
      cwd,
      env: { CLAWCALL_API_URL: relay.url, CLAWCALL_API_KEY: "0f0e0d0c-1111-4222-8333-444455556666" },
    });
    expect(oneLine(r.stderr)).toMatch(/run `clawcall register --email <you>` to get a new one$/);
  });

  it("an HTML 502 from the edge → unavailable, try again; exit 1", async () => {
    relay.sb.sim.addFault({ endpoint: "account", kind: "html502" });
    const r = await runCli(["account"], { cwd, env: env() });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(
      `clawcall account: the relay at ${relay.url} is unavailable (HTTP 502, an error page instead of JSON) — it may be restarting; try again in a minute`,
    );
  });

  it("an HTML 500 (the relay crashed on the request) and cut-off JSON", async () => {
    relay.sb.sim.addFault({ endpoint: "history", kind: "html500" });
    const a = await runCli(["history"], { cwd, env: env() });
    expect(a.code).toBe(1);
    expect(oneLine(a.stderr)).toMatch(/the relay failed with an internal error \(HTTP 500 page\)/);
    const cut = await startScriptedServer(body(200, '{"ok":true,"calls":[{"id'));
    scripted.push(cut);
    const b = await runCli(["history"], { cwd, env: env(cut.url) });
    expect(oneLine(b.stderr)).toMatch(/the relay sent an answer clawcall cannot read \(HTTP 200, /);
  });

  it("429 with Retry-After → when to try again", async () => {
    relay.sb.sim.addFault({ endpoint: "account", kind: "status429", retry_after_s: 30 });
    const r = await runCli(["account"], { cwd, env: env() });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(
      "clawcall account: the relay is limiting requests (Too Many Requests) — try again in 30 s",
    );
  });

  it("a JSON 5xx carries the relay's text", async () => {
    // Twilio refuses to dial a personal phone that is not a number; the relay passes its text on.
    key = relay.sb.sim.addAccount({
      email: "odd@example.com",
      phone_number: "call\nme",
      tier: "pro",
    }).api_key;
    const r = await runCli(["callback", "hi"], { cwd, env: env() });
    expect(oneLine(r.stderr)).toBe(
      "clawcall callback: the relay failed (HTTP 500: HTTP 400 error: Unable to create record: The 'To' number call me is not a valid phone number.) — try again in a minute",
    );
  });
});

describe("no answer", () => {
  it("connection refused → could not reach, exit 1", async () => {
    const url = await refusedUrl();
    const r = await runCli(["account"], { cwd, env: env(url) });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(
      `clawcall account: could not reach the relay at ${url} — check your network connection (and CLAWCALL_API_URL if you set it)`,
    );
  });

  it("a reset connection → cut off, exit 1", async () => {
    relay.sb.sim.addFault({ endpoint: "account", kind: "reset_before" });
    const r = await runCli(["account"], { cwd, env: env() });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(
      /the connection to the relay at .* was cut off — check your network and try again$/,
    );
  });

  it("no key and no sandbox running → how to start it", async () => {
    const port = new URL(await refusedUrl()).port;
    const r = await runCli(["account"], { cwd, env: { CLAWCALL_SANDBOX_PORT: port } });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(
      `clawcall account: the sandbox relay is not running at http://127.0.0.1:${port} — start it with \`clawcall up\`, or get a real number with \`clawcall register --phone +…\``,
    );
  });
});

describe("local problems", () => {
  it("a bad variable in .env → its line and exit 78 (the process exits before any command runs)", async () => {
    writeFileSync(join(cwd, ".env"), "CLAWCALL_API_KEY=not-a-uuid\n");
    const r = await runCliProcess(["account"], { cwd, env: { CLAWCALL_API_URL: relay.url } });
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/^config error: CLAWCALL_API_KEY: expected the UUID the relay issued$/m);
    expect(r.stderr).not.toContain("not-a-uuid");
    expect(relayRequests(relay.sb)).toHaveLength(0);
  });

  it("an unknown option or a missing value → exit 64", async () => {
    const a = await runCli(["account", "--frobnicate"], { cwd, env: env() });
    expect(a.code).toBe(64);
    const b = await runCli(["history", "--limit"], { cwd, env: env() });
    expect(b.code).toBe(64);
    expect(oneLine(b.stderr)).toMatch(/^clawcall history: .*--limit.* \(see `clawcall history --help`\)$/);
    expect(relayRequests(relay.sb)).toHaveLength(0);
  });

  it("--help prints usage and sends nothing", async () => {
    for (const cmd of [
      "register",
      "account",
      "voice",
      "callback",
      "schedule",
      "call",
      "history",
      "billing",
      "agents",
      "webhook",
    ]) {
      const r = await runCli([cmd, "--help"], { cwd, env: env() });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`clawcall ${cmd}`));
    }
    expect(relayRequests(relay.sb)).toHaveLength(0);
  });
});
