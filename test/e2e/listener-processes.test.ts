/**
 * The whole runtime as separate processes: the sandbox relay (`clawcall sandbox`), the real bridge
 * (`bridge/phone-agent-server.js`, model off: fast intents only) and the real listener, driven
 * through the sandbox's simulation API over HTTP only — a real phone conversation end to end.
 */
import { join } from "node:path";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { fakePath, writeFakeOpenclaw } from "../helpers/bridge-fakes.js";
import {
  killAll,
  listenerEnv,
  removeTempDirs,
  spawnNode,
  startedAt,
  startListener,
  tempDir,
} from "../helpers/listener-proc.js";
import { baseEnv } from "../helpers/proc.js";

afterEach(async () => {
  await killAll();
  removeTempDirs();
});

// biome-ignore lint/suspicious/noExplicitAny: simulation API replies are checked field by field
async function api(base: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await request(`${base}${path}`, {
    method: method as "GET",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    headersTimeout: 60_000,
  });
  return res.body.json();
}

describe("sandbox + bridge + listener as processes", () => {
  it("holds a real conversation: greeting, the time, goodbye and hang-up", async () => {
    const dir = tempDir();
    const base = baseEnv({ PATH: fakePath(writeFakeOpenclaw(dir).binDir) });
    const sandbox = spawnNode("bin/clawcall.js", ["sandbox", "--port", "0", "--time-scale", "20"], {
      ...base,
      CLAWCALL_STATE_DIR: join(dir, "sandbox-state"),
    });
    const relayUrl = await startedAt(sandbox, /sandbox relay listening on (http:\/\/127\.0\.0\.1:\d+)/);

    const state = join(dir, "state");
    const bridge = spawnNode("bridge/phone-agent-server.js", [], {
      ...base,
      CLAWCALL_STATE_DIR: state,
      CLAWCALL_API_URL: relayUrl,
      CLAWCALL_AGENT_PORT: "0",
      CLAWCALL_PHONE_MODEL_MODE: "off",
      CLAWCALL_TIMEZONE: "Europe/Berlin",
      OPENCLAW_WORKSPACE_DIR: join(dir, "workspace"),
    });
    const bridgeUrl = await startedAt(bridge, /listening on (http:\/\/127\.0\.0\.1:\d+)/);

    const listener = await startListener(
      listenerEnv({
        ...base,
        CLAWCALL_STATE_DIR: state,
        CLAWCALL_API_URL: relayUrl,
        CLAWCALL_AGENT_URL: bridgeUrl,
        CLAWCALL_SANDBOX_TIME_SCALE: "20",
        LOG_LEVEL: "info",
      }),
    );
    expect(listener.logs.some((l) => l.msg === "Agent mode: HTTP")).toBe(true);

    const { call_sid: sid } = await api(relayUrl, "POST", "/sandbox/calls", { manual_silence: true });
    expect(sid).toMatch(/^CA[0-9a-f]{32}$/);
    const g = await api(relayUrl, "GET", `/sandbox/calls/${sid}/wait?type=gather&timeout_ms=10000`);
    expect(g.event.type).toBe("gather");

    const heard: { said: string; text: string; end_call: boolean }[] = [];
    let after = g.event.index as number;
    for (const said of ["Hi there", "What time is it?", "Goodbye"]) {
      expect((await api(relayUrl, "POST", `/sandbox/calls/${sid}/say`, { text: said })).captured).toBe(true);
      const r = await api(
        relayUrl,
        "GET",
        `/sandbox/calls/${sid}/wait?type=answer_spoken&after=${after}&timeout_ms=15000`,
      );
      expect(r.event, `no answer to ${said}`).toBeDefined();
      heard.push({ said, text: r.event.text, end_call: r.event.end_call });
      after = r.event.index;
    }
    // Real answers from the bridge's fast path, in order, each to its own question.
    expect(heard[0]!.text).toMatch(/^(Hi|Hello)\b/);
    expect(heard[1]!.text).toMatch(/^It's (?:\d{1,2}(?::\d\d)? [AP]M|noon|midnight) on /);
    expect(heard[2]!.end_call).toBe(true);
    for (const h of heard) expect(h.text).not.toMatch(/^Sorry, I (ran into|lost)/);
    const hang = await api(
      relayUrl,
      "GET",
      `/sandbox/calls/${sid}/wait?type=hangup&after=${after}&timeout_ms=10000`,
    );
    expect(hang.event.type).toBe("hangup");

    // The listener answered all three turns through the bridge, with one poll open at a time.
    const stats = await api(relayUrl, "GET", "/sandbox/stats?endpoint=listen");
    // biome-ignore lint/suspicious/noExplicitAny: stats rows
    const polls = stats.requests.filter((p: any) => p.ended_t !== null);
    for (let i = 1; i < polls.length; i++)
      expect(polls[i].t).toBeGreaterThanOrEqual(polls[i - 1].ended_t - 1);
    await listener.waitForLog((l) => l.msg === "turn answered" && l.endCall === true, 5_000);

    // Clean stop of everything, each with exit 0.
    for (const c of [listener, bridge, sandbox]) c.kill("SIGTERM");
    const exits = await Promise.all([listener.exited, bridge.exited, sandbox.exited]);
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
  });
});
