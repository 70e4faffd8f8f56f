import { afterAll, describe, expect, it } from "vitest";
import { listPidRecords } from "../../src/state/pidlock.js";
import { baseEnv, killAll, type Proc, runCliAsync, startNode, tempDir } from "../helpers/proc.js";

/**
 * Going live: with CLAWCALL_API_KEY set, `up` starts no sandbox and the listener serves that key.
 * A sandbox process stands in for api.clawcall.online (CLAWCALL_API_URL), reached only as a relay.
 */
describe("clawcall up with an API key (live mode)", () => {
  const stateDir = tempDir("clawcall-live-");
  let relay: Proc;
  afterAll(async () => {
    for (const r of listPidRecords(stateDir)) if (r.alive) process.kill(r.record.pid, "SIGKILL");
    killAll();
  });

  it("starts bridge and listener only, and the listener answers calls for the registered key", async () => {
    relay = startNode(
      "bin/clawcall.js",
      ["sandbox", "--port", "0", "--time-scale", "10"],
      baseEnv({ CLAWCALL_STATE_DIR: tempDir() }),
    );
    const relayUrl = (await relay.waitFor(/sandbox relay listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    // Register a new account like `clawcall register` does, from the demo caller's phone.
    const reg = (await (
      await fetch(`${relayUrl}/api/v1/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          email: "live@example.com",
          phone_number: "+15555550177",
          agent_name: "Kestrel",
        }),
      })
    ).json()) as { api_key: string; phone_number: string };

    const env = baseEnv({
      CLAWCALL_STATE_DIR: stateDir,
      CLAWCALL_API_KEY: reg.api_key,
      CLAWCALL_API_URL: relayUrl,
      CLAWCALL_AGENT_PORT: "0",
      CLAWCALL_POLL_TIMEOUT_S: "2",
      CLAWCALL_PHONE_MODEL_MODE: "off",
    });
    const up = await runCliAsync(["up", "--detach"], env, tempDir());
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(new RegExp(`relay\\s+live at ${relayUrl.replace(/[.:/]/g, "\\$&")}`));
    expect(up.stdout).not.toMatch(/softphone/);
    const names = listPidRecords(stateDir)
      .filter((r) => r.alive)
      .map((r) => r.record.name)
      .sort();
    expect(names).toEqual(["bridge", "listener", "up"]);

    // The registered phone calls the shared number; the agent answers with the account's name.
    const call = (await (
      await fetch(`${relayUrl}/sandbox/calls`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ from: "+15555550177" }),
      })
    ).json()) as { call_sid: string };
    await fetch(`${relayUrl}/sandbox/calls/${call.call_sid}/say`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "what is your name" }),
    });
    const spoken = (await (
      await fetch(`${relayUrl}/sandbox/calls/${call.call_sid}/wait?type=answer_spoken&timeout_ms=20000`)
    ).json()) as { event?: { text?: string } };
    expect(spoken.event?.text).toMatch(/Kestrel/);

    const stop = await runCliAsync(["stop"], env, tempDir());
    expect(stop.code).toBe(0);
    expect(listPidRecords(stateDir)).toEqual([]);
  }, 90_000);
});
