/**
 * CLI mode (no CLAWCALL_AGENT_URL): the listener runs `openclaw agent` — here a fake one first on
 * PATH — with caller speech as plain argument data. Shell metacharacters never run. Also: third-party
 * completions are never answered to the relay, in either mode.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SANDBOX_DEMO_API_KEY } from "../../src/config/index.js";
import { createRelayClient } from "../../src/relay/index.js";
import type { CallEvent } from "../../src/sandbox/index.js";
import { writeFakeOpenclaw } from "../helpers/listener-fake-openclaw.js";
import {
  eventually,
  type FakeBridge,
  killAll,
  listenerEnv,
  type RunningSandbox,
  removeTempDirs,
  startFakeBridge,
  startListener,
  startSandbox,
  tempDir,
} from "../helpers/listener-proc.js";

let rs: RunningSandbox | undefined;
let bridge: FakeBridge | undefined;
afterEach(async () => {
  await killAll();
  removeTempDirs();
  await rs?.close();
  await bridge?.close();
  rs = undefined;
  bridge = undefined;
});

const sim = () => rs!.sb.sim;
const events = (sid: string) => sim().call(sid).events as CallEvent[];

async function newCall(): Promise<string> {
  const { sid } = sim().startCall({ manual_silence: true });
  expect(await sim().waitFor(sid, "gather", { timeoutMs: 10_000 })).not.toBeNull();
  return sid;
}

async function turn(sid: string, text: string): Promise<CallEvent> {
  const before = events(sid).length - 1;
  expect(sim().say(sid, text)).toEqual({ captured: true });
  const ans = await sim().waitFor(sid, "answer_spoken", { after: before, timeoutMs: 20_000 });
  expect(ans).not.toBeNull();
  return ans!;
}

describe("listener in CLI mode (fake openclaw on PATH)", () => {
  it("answers through `openclaw agent`, and caller speech full of shell metacharacters never runs", async () => {
    rs = await startSandbox();
    const dir = tempDir();
    const binDir = join(dir, "bin");
    writeFakeOpenclaw(binDir);
    const argvLog = join(dir, "argv.ndjson");
    const canary = join(dir, "canary");
    const l = await startListener(
      listenerEnv({
        CLAWCALL_API_URL: rs.url,
        CLAWCALL_STATE_DIR: join(dir, "state"),
        PATH: `${binDir}:${process.env.PATH}`,
        FAKE_OPENCLAW_LOG: argvLog,
      }),
    );
    expect(l.logs.some((x) => x.msg === "Agent mode: CLI")).toBe(true);
    const sid = await newCall();
    // CLI mode speaks through the one shaper: the answer ends on a full sentence.
    expect((await turn(sid, "hello there")).text).toBe("You said: hello there.");

    const attacks = [
      `$(touch ${canary})`,
      `\`touch ${canary}\``,
      `nothing; touch ${canary}; rm -rf ${dir}/state`,
      `"; touch ${canary}; echo "`,
      `'; touch ${canary}; echo '`,
      `| touch ${canary} & touch ${canary} && touch ${canary}`,
      `--help $(touch ${canary}) > ${canary}`,
      `%PATH% ^& touch ${canary} \${IFS}touch\${IFS}${canary}`,
    ];
    for (const attack of attacks) {
      const heard = await turn(sid, attack);
      expect(heard.text).toContain("You said:");
      expect(heard.text).toContain("touch");
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(canary)).toBe(false);
    expect(existsSync(join(dir, "state"))).toBe(true);

    // Each message reached openclaw intact, as a single argument after --message.
    const calls = readFileSync(argvLog, "utf8")
      .trim()
      .split("\n")
      .map((x) => JSON.parse(x) as string[]);
    expect(calls.length).toBe(attacks.length + 1);
    for (const [i, attack] of attacks.entries()) {
      const args = calls[i + 1]!;
      expect(args.slice(0, 3)).toEqual(["agent", "--session-id", sid]);
      expect(args[args.indexOf("--message") + 1]).toContain(`«${attack.trim()}»`);
      expect(args.at(-1)).toBe("--json");
    }
  });

  it("uses CLAWCALL_OPENCLAW_BIN, ends the call on the sentinel, and apologises when openclaw fails", async () => {
    rs = await startSandbox();
    const dir = tempDir();
    const bin = writeFakeOpenclaw(join(dir, "elsewhere"));
    const e = listenerEnv({
      CLAWCALL_API_URL: rs.url,
      CLAWCALL_STATE_DIR: join(dir, "state"),
      CLAWCALL_OPENCLAW_BIN: bin,
      FAKE_OPENCLAW_MODE: "endcall",
    });
    const l1 = await startListener(e);
    const sid = await newCall();
    const bye = await turn(sid, "that's all");
    expect(bye).toMatchObject({ text: "Goodbye for now!", end_call: true });
    expect(await sim().waitFor(sid, "hangup", { timeoutMs: 5_000 })).not.toBeNull();
    l1.kill("SIGTERM");
    expect((await l1.exited).code).toBe(0);

    const e2 = { ...e, FAKE_OPENCLAW_MODE: "garbage", CLAWCALL_STATE_DIR: join(dir, "state2") };
    await startListener(e2);
    const sid2 = await newCall();
    expect((await turn(sid2, "hi")).text).toBe(
      "Sorry, I ran into a problem with that. Could you say it again?",
    );
  });
});

describe("third-party completions", () => {
  it("go to the bridge as kind third_party_complete and are never answered to the relay", async () => {
    rs = await startSandbox();
    bridge = await startFakeBridge(0);
    bridge.behaviour = (hit) =>
      hit.kind === "third_party_open"
        ? { response: "Hi, I'd like to book a table for two.", end_call: true }
        : undefined;
    const l = await startListener(
      listenerEnv({
        CLAWCALL_API_URL: rs.url,
        CLAWCALL_AGENT_URL: bridge.url,
        CLAWCALL_STATE_DIR: join(tempDir(), "state"),
      }),
    );
    const relay = createRelayClient({ apiUrl: rs.url, apiKey: SANDBOX_DEMO_API_KEY });
    const job = await relay.thirdParty({ to_number: "+14155550123", objective: "Book a table", context: "" });
    await relay.close();
    sim().answer(job.call_sid, {});
    const completion = await eventually(
      () => bridge!.hits.find((h) => h.kind === "third_party_complete"),
      15_000,
    );
    expect(completion.call_sid).toBe(`notify-${job.job_id}`);
    expect(completion.message.startsWith("[THIRD PARTY COMPLETE]\n")).toBe(true);
    expect(bridge.hits.map((h) => h.kind)).toEqual(["third_party_open", "third_party_complete"]);
    await l.waitForLog("third-party completion handed to the agent (not answered to the relay)");
    await new Promise((r) => setTimeout(r, 300));
    const responds = sim().stats("respond");
    expect(responds.length).toBe(1);
    expect(responds.some((r) => r.path.includes("notify-"))).toBe(false);
  });
});
