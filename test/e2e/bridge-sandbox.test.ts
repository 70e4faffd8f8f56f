import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { bridgeTempDir } from "../helpers/bridge-fakes.js";
import {
  type BridgeProc,
  bridgeEnv,
  callSid,
  eventually,
  http,
  killAllBridges,
  say,
  startBridge,
} from "../helpers/bridge-proc.js";
import { seedOwnerCalls } from "../helpers/sandbox.js";

/** The bridge against the real sandbox relay (no API key: the demo key, pro tier). */
describe("bridge with the sandbox relay", () => {
  let sb: Sandbox;
  let b: BridgeProc;

  beforeAll(async () => {
    sb = buildSandbox({ timeScale: 20, runSchedules: false });
    const { url } = await sb.listen(0);
    // callSid(1) is the owner's own call on the shared number: minutes are theirs to hear.
    seedOwnerCalls(sb, [callSid(1)]);
    const dir = bridgeTempDir();
    b = await startBridge(
      bridgeEnv({
        CLAWCALL_STATE_DIR: join(dir, "state"),
        CLAWCALL_API_URL: url,
        CLAWCALL_AGENT_NAME: "Pinchy",
        PATH: "/nonexistent",
      }),
    );
    await eventually(async () => (await http(`${b.url}/health`)).json.sources.account.state === "ok");
  });
  afterAll(async () => {
    await killAllBridges();
    await sb.close();
  });

  it("calls the user back through the sandbox when a notify task finishes", async () => {
    const before = sb.sim.outbound().length;
    const created = await http(`${b.url}/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Nightly backup", notify: true }),
    });
    expect(created.status).toBe(201);
    // No call is live (no caller turn yet), so the bridge calls back right away.
    const patched = await http(`${b.url}/tasks/${created.json.task.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ status: "done", result: "Backed up 3 GB." }),
    });
    expect(patched.json.task.status).toBe("done");
    await eventually(() => sb.sim.outbound().length > before, 10_000, 100);
    await eventually(async () => (await http(`${b.url}/health`)).json.pending_deliveries === 0);
  });

  it("reads minutes from the sandbox account", async () => {
    const r = await say(b.url, "how many minutes do I have left", callSid(1));
    expect(r.json.intent).toBe("minutes");
    expect(r.json.response).toMatch(/^You have \d+ minutes? left this month, out of \d+\.$/);
  });
});
