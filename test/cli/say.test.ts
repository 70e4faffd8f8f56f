/**
 * `clawcall say` in process against an in-process sandbox, with a tiny fake agent that long-polls the
 * sandbox relay with the demo key (test/cli/phone.test.ts has `clawcall phone`).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { startEchoAgent } from "../helpers/echo-agent.js";
import { refusedUrl } from "../helpers/scripted-server.js";
import { runCli, tempCwd } from "./run-cli.js";

describe("clawcall say against the sandbox", () => {
  let sb: Sandbox;
  let url: string;
  let agent: ReturnType<typeof startEchoAgent>;
  let silent: Sandbox;
  let silentUrl: string;
  const cli = (args: string[], env: Record<string, string>) =>
    runCli(args, { cwd: tempCwd(), env: { LOG_LEVEL: "silent", ...env } });

  beforeAll(async () => {
    sb = buildSandbox({ timeScale: 20, runSchedules: false });
    ({ url } = await sb.listen(0));
    agent = startEchoAgent(sb, url);
    // A second sandbox where no agent ever answers.
    silent = buildSandbox({ timeScale: 20, runSchedules: false });
    ({ url: silentUrl } = await silent.listen(0));
  });

  afterAll(async () => {
    await agent?.stop();
    await sb?.close();
    await silent?.close();
  });

  it("say prints the spoken answer and the latency, then exits 0", async () => {
    const r = await cli(["say", "What time is it?"], { CLAWCALL_API_URL: url });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("you: What time is it?");
    expect(r.stdout).toContain("agent: You said: What time is it?");
    // The agent's latency, and the total with the simulated caller's ~1.5 s of speech (phone time).
    const m =
      /^answered (\d+) ms after you stopped speaking; about (\d+\.\d) s including the simulated speech$/m.exec(
        r.stdout,
      );
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m![2]) * 1000).toBeGreaterThanOrEqual(1_500 + Number(m![1]) - 50);
    expect(agent.seen).toContain("What time is it?");
    // The call was hung up afterwards.
    const calls = sb.sim.calls();
    expect(calls.every((c) => c.state === "ended")).toBe(true);
  });

  it("say --json reports the fillers heard while the agent was slow", async () => {
    const r = await cli(["say", "--json", "a slow question"], { CLAWCALL_API_URL: url });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: true, said: "a slow question", answer: "You said: a slow question" });
    expect(out.call_sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(typeof out.latency_ms).toBe("number");
    expect(out.speech_ms).toBeGreaterThanOrEqual(1_400);
    expect(out.total_ms).toBe(out.latency_ms + out.speech_ms);
    expect(out.fillers.length).toBeGreaterThanOrEqual(1);
    expect(typeof out.fillers[0].text).toBe("string");
  });

  it("say exits non-zero with a clear line when nothing answers within --timeout-ms", async () => {
    const r = await cli(["say", "--timeout-ms", "1000", "anyone there?"], { CLAWCALL_API_URL: silentUrl });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^clawcall say: no answer within 1000 ms( \(\d+ fillers? heard\))?: is the listener running\?/,
    );
    expect(r.stdout).not.toContain("agent:");
  });

  it("say says so when the sandbox is not running", async () => {
    const port = new URL(await refusedUrl()).port;
    const r = await cli(["say", "hello"], { CLAWCALL_SANDBOX_PORT: port });
    expect(r.code).toBe(69);
    expect(r.stderr).toContain(
      `the sandbox relay is not running at http://127.0.0.1:${port}: start it with \`npm start\``,
    );
  });

  it("say refuses a live relay: it has no phone simulator", async () => {
    const r = await cli(["say", "hello"], { CLAWCALL_API_KEY: "11111111-2222-4333-8444-555555555555" });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain("only works against the local sandbox relay");
    expect(r.stderr).toContain("CLAWCALL_API_KEY is set");
  });
});
