/**
 * `clawcall phone` as a real process (it reads its lines from piped stdin) against an in-process sandbox
 * and a stand-in agent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { startEchoAgent } from "../helpers/echo-agent.js";
import { runCliProcess, tempCwd } from "./run-cli.js";

describe("clawcall phone against the sandbox", () => {
  let sb: Sandbox;
  let url: string;
  let agent: ReturnType<typeof startEchoAgent>;

  beforeAll(async () => {
    sb = buildSandbox({ timeScale: 20, runSchedules: false });
    ({ url } = await sb.listen(0));
    agent = startEchoAgent(sb, url);
  });

  afterAll(async () => {
    await agent?.stop();
    await sb?.close();
  });

  const phone = (stdin: string) =>
    runCliProcess(["phone"], { cwd: tempCwd(), env: { CLAWCALL_API_URL: url, LOG_LEVEL: "silent" }, stdin });

  it("phone holds a two-turn conversation from piped stdin and exits when the call ends", async () => {
    const r = await phone("Hello there\nslow: what is on my calendar?\n");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    const at = (s: string) => lines.findIndex((l) => l.includes(s));
    expect(at("agent: Hello! How can I help you today?")).toBeGreaterThan(0);
    expect(at("you: Hello there")).toBeGreaterThan(at("agent: Hello!"));
    expect(lines[at("You said: Hello there")]).toMatch(/^agent \(\d+\.\d s\): You said: Hello there$/);
    expect(lines.some((l) => /^ {2}… ".+" \(filler, \d+\.\d s\)$/.test(l))).toBe(true);
    expect(at("You said: slow: what is on my calendar?")).toBeGreaterThan(at("you: slow:"));
    expect(at("call ended: you hung up")).toBeGreaterThan(at("You said: slow:"));
  });

  it("phone ends when the agent ends the call, and /silence gets 'Are you still there?'", async () => {
    const bye = await phone("goodbye\n");
    expect(bye.code).toBe(0);
    expect(bye.stdout).toContain("[ends the call]");
    expect(bye.stdout).toContain("call ended: the agent ended the call");

    const hush = await phone("/silence\n/hangup\n");
    expect(hush.code).toBe(0);
    expect(hush.stdout).toContain("agent: Are you still there?");
    expect(hush.stdout).toContain("call ended");
  });
});
