/**
 * Issue 13, item 9: the phone said "no scheduled calls" right after one was added. `clawcall schedule
 * add` / `rm` refresh the running bridge (best effort), and a "none" answer about schedules is never
 * given from data older than the bridge's refresh period. The bridge, the CLI and the sandbox relay
 * all run in this process; the bridge's clock is pinned.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { silentLogger } from "../../src/log.js";
import { type BridgeTasks, refreshBridgeContext } from "../../src/mcp/bridge-tasks.js";
import { buildMcpServer } from "../../src/mcp/server.js";
import { SpendGuard } from "../../src/mcp/spend-guard.js";
import { createRelayClient } from "../../src/relay/index.js";
import { closeBridgesAfterEach, testBridge } from "../bridge/in-process.js";
import { runCli, tempCwd } from "../cli/run-cli.js";
import { type RunningSandbox, seedOwnerCalls, startSandbox } from "../helpers/sandbox.js";
import { makeTempDir } from "../helpers/temp-dirs.js";

closeBridgesAfterEach();
let relay: RunningSandbox;
beforeEach(async () => {
  relay = await startSandbox();
});
afterEach(async () => {
  await relay.close();
});

const ASK = { call_sid: `CA${"5".repeat(32)}`, message: "what are my scheduled calls" };
const NONE = "I don't see any scheduled jobs or scheduled calls.";
const T0 = Date.UTC(2030, 2, 4, 9, 15);

function setup() {
  const acc = relay.sb.sim.addAccount({ email: "me@example.com", phone_number: "+14155550100", tier: "pro" });
  // The owner's own call on the shared number: private answers are theirs to hear.
  seedOwnerCalls(relay.sb, [ASK.call_sid], acc.agent_id);
  const clock = { now: T0 };
  const client = createRelayClient({ apiUrl: relay.url, apiKey: acc.api_key });
  const bridge = testBridge({ CLAWCALL_TIMEZONE: "UTC" }, { relay: client, now: () => clock.now });
  const cli = (url: string, ...args: string[]) =>
    runCli(args, {
      cwd: tempCwd(),
      env: { CLAWCALL_API_URL: relay.url, CLAWCALL_API_KEY: acc.api_key, CLAWCALL_AGENT_URL: url },
    });
  return { acc, clock, bridge, cli };
}

describe("a schedule added while the bridge runs", () => {
  it("`clawcall schedule add` and `rm` refresh the bridge: the next question hears the change", async () => {
    const { bridge, cli } = setup();
    const { url } = await bridge.listen();
    await bridge.context.refreshAll();
    expect((await bridge.handleMessage(ASK)).response).toBe(NONE);

    const add = await cli(url, "schedule", "add", "--cron", "0 8 * * *", "--label", "Morning briefing");
    expect(add.code).toBe(0);
    const after = await bridge.handleMessage(ASK);
    expect(after.response).toContain("Morning briefing");

    const id = relay.sb.core.store.t.schedules[0]!.id;
    expect((await cli(url, "schedule", "rm", id)).code).toBe(0);
    expect((await bridge.handleMessage(ASK)).response).toBe(NONE);
  });

  it("the MCP add_schedule and remove_schedule tools refresh the bridge too", async () => {
    const { acc, bridge } = setup();
    const { url } = await bridge.listen();
    await bridge.context.refreshAll();
    expect((await bridge.handleMessage(ASK)).response).toBe(NONE);
    const config = loadConfig({
      dotenv: false,
      env: { CLAWCALL_STATE_DIR: makeTempDir(), CLAWCALL_AGENT_URL: url, CLAWCALL_TIMEZONE: "UTC" },
    });
    const unused = async () => {
      throw new Error("unused");
    };
    const tasks: BridgeTasks = { url: () => url, list: async () => [], create: unused, update: unused };
    const [a, b] = InMemoryTransport.createLinkedPair();
    await buildMcpServer({
      config,
      relay: createRelayClient({ apiUrl: relay.url, apiKey: acc.api_key }),
      tasks,
      refreshBridge: () => refreshBridgeContext(config),
      guard: new SpendGuard({ stateDir: makeTempDir(), cap: 5, timeZone: "UTC", now: () => T0 }),
      now: () => T0,
      sleep: async () => true,
      pollMs: 1_000,
      log: silentLogger(),
      where: {},
    }).connect(a);
    const client = new Client({ name: "t", version: "1" });
    await client.connect(b);
    const call = async (name: string, args: Record<string, unknown>) =>
      (await client.callTool({ name, arguments: args })) as CallToolResult;

    const added = await call("add_schedule", { cron: "0 8 * * *", label: "Standup", timezone: "UTC" });
    expect(added.isError).toBeFalsy();
    expect((await bridge.handleMessage(ASK)).response).toContain("Standup");
    const id = (added.structuredContent as { id: string }).id;
    expect((await call("remove_schedule", { id })).isError).toBeFalsy();
    expect((await bridge.handleMessage(ASK)).response).toBe(NONE);
    await client.close();
  });

  it("with no bridge running the command still succeeds and says nothing about it", async () => {
    const { cli } = setup();
    const add = await cli("http://127.0.0.1:9", "schedule", "add", "--cron", "0 8 * * *", "--label", "Quiet");
    expect(add.code).toBe(0);
    expect(add.stderr).toBe("");
    expect(add.stdout).not.toMatch(/bridge/i);
  });

  it("a 'none' answer from data older than the refresh period waits for a refresh first", async () => {
    const { acc, clock, bridge } = setup();
    await bridge.context.refreshAll();
    expect((await bridge.handleMessage(ASK)).response).toBe(NONE);
    // Added behind the bridge's back (the web, another machine): no refresh request comes.
    const res = await fetch(`${relay.url}/api/v1/calls/schedule`, {
      method: "POST",
      headers: { authorization: `Bearer ${acc.api_key}`, "content-type": "application/json" },
      body: JSON.stringify({ cron: "0 8 * * *", label: "Evening review", task_context: "", timezone: "UTC" }),
    });
    expect(res.status).toBeLessThan(300);
    // Within the 60 s period the cached copy still answers; past it, the bridge looks again.
    clock.now = T0 + 30_000;
    expect((await bridge.handleMessage(ASK)).response).toBe(NONE);
    clock.now = T0 + 61_000;
    expect((await bridge.handleMessage(ASK)).response).toContain("Evening review");
  });
});
