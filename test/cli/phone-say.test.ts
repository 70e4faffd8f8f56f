/**
 * `clawcall say` (in process) and `clawcall phone` (a real process: it reads stdin) against an in-process
 * sandbox with a tiny fake agent that long-polls the sandbox relay with the demo key.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_DEMO_API_KEY } from "../../src/config/index.js";
import { buildSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { refusedUrl } from "../helpers/scripted-server.js";
import { removeTempCwds, runCli, runCliProcess, tempCwd } from "./run-cli.js";

const AUTH = { Authorization: `Bearer ${SANDBOX_DEMO_API_KEY}` };

/**
 * Answers "You said: …"; a message with "slow" in it is answered only once the caller has heard a
 * filler. Ends the call when told goodbye.
 */
function startFakeAgent(sb: Sandbox, url: string) {
  const ac = new AbortController();
  const seen: string[] = [];
  const respond = (sid: string, message: string) =>
    fetch(`${url}/api/v1/calls/respond/${encodeURIComponent(sid)}`, {
      method: "POST",
      headers: { ...AUTH, "Content-Type": "application/json" },
      body: JSON.stringify({ response: `You said: ${message}`, end_call: /goodbye/i.test(message) }),
    }).catch(() => {});
  const loop = (async () => {
    while (!ac.signal.aborted) {
      try {
        const r = await fetch(`${url}/api/v1/calls/listen?timeout=20`, { headers: AUTH, signal: ac.signal });
        const m = (await r.json()) as { call_sid?: string; message?: string };
        if (!m.call_sid || m.message === undefined) continue;
        const { call_sid: sid, message } = m;
        seen.push(message);
        if (!/slow/i.test(message)) {
          void respond(sid, message);
          continue;
        }
        const after = sb.sim.call(sid).events_count - 1;
        void sb.sim.waitFor(sid, "filler", { after, timeoutMs: 20_000 }).then(() => respond(sid, message));
      } catch {
        // The sandbox closing under the poll; the loop ends with the abort.
        if (!ac.signal.aborted) await new Promise((r) => setImmediate(r));
      }
    }
  })();
  return {
    seen,
    async stop() {
      ac.abort();
      await loop;
    },
  };
}

describe("clawcall say / clawcall phone against the sandbox", () => {
  let sb: Sandbox;
  let url: string;
  let agent: ReturnType<typeof startFakeAgent>;
  let silent: Sandbox;
  let silentUrl: string;
  const cli = (args: string[], env: Record<string, string>) =>
    runCli(args, { cwd: tempCwd(), env: { LOG_LEVEL: "silent", ...env } });

  beforeAll(async () => {
    sb = buildSandbox({ timeScale: 20, runSchedules: false });
    ({ url } = await sb.listen(0));
    agent = startFakeAgent(sb, url);
    // A second sandbox where no agent ever answers.
    silent = buildSandbox({ timeScale: 20, runSchedules: false });
    ({ url: silentUrl } = await silent.listen(0));
  });

  afterAll(async () => {
    await agent?.stop();
    await sb?.close();
    await silent?.close();
    removeTempCwds();
  });

  it("say prints the spoken answer and the latency, then exits 0", async () => {
    const r = await cli(["say", "What time is it?"], { CLAWCALL_API_URL: url });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("you: What time is it?");
    expect(r.stdout).toContain("agent: You said: What time is it?");
    expect(r.stdout).toMatch(/^answered in \d+ ms$/m);
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
    expect(out.fillers.length).toBeGreaterThanOrEqual(1);
    expect(typeof out.fillers[0].text).toBe("string");
  });

  it("say exits non-zero with a clear line when nothing answers within --timeout-ms", async () => {
    const r = await cli(["say", "--timeout-ms", "2000", "anyone there?"], { CLAWCALL_API_URL: silentUrl });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^clawcall say: no answer within 2000 ms( \(\d+ fillers? heard\))?: is the listener running\?/,
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

  // `phone` reads its lines from stdin: a real process with piped input.
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
