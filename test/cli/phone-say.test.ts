/**
 * `clawcall say` and `clawcall phone` as real processes (the built bin) against an in-process sandbox
 * with a tiny fake agent that long-polls the sandbox relay with the demo key.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_DEMO_API_KEY } from "../../src/config/index.js";
import { buildSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { clockEnv } from "../helpers/proc.js";

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/clawcall.js");
const AUTH = { Authorization: `Bearer ${SANDBOX_DEMO_API_KEY}` };

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ReturnType<typeof spawn>>();
let stateDir: string;

/** Runs the built CLI with a clean environment (no key, a temp state dir, cwd outside the repo). */
function clawcall(
  args: string[],
  opts: { env?: Record<string, string>; stdin?: string } = {},
): Promise<Result> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "",
    CLAWCALL_STATE_DIR: stateDir,
    LOG_LEVEL: "silent",
    ...clockEnv(),
  };
  Object.assign(env, opts.env);
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: stateDir,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
  else child.stdin.end();
  return new Promise((res) => {
    child.on("close", (code) => {
      children.delete(child);
      res({ code, stdout, stderr });
    });
  });
}

/** Answers "You said: …" (slowly when asked to be slow); ends the call when told goodbye. */
function startFakeAgent(url: string) {
  const ac = new AbortController();
  const seen: string[] = [];
  const loop = (async () => {
    while (!ac.signal.aborted) {
      try {
        const r = await fetch(`${url}/api/v1/calls/listen?timeout=20`, { headers: AUTH, signal: ac.signal });
        const m = (await r.json()) as { call_sid?: string; message?: string };
        if (!m.call_sid || m.message === undefined) continue;
        seen.push(m.message);
        const slow = /slow/i.test(m.message);
        setTimeout(
          () => {
            void fetch(`${url}/api/v1/calls/respond/${encodeURIComponent(m.call_sid!)}`, {
              method: "POST",
              headers: { ...AUTH, "Content-Type": "application/json" },
              body: JSON.stringify({
                response: `You said: ${m.message}`,
                end_call: /goodbye/i.test(m.message!),
              }),
            }).catch(() => {});
          },
          slow ? 1_500 : 20,
        );
      } catch {
        if (!ac.signal.aborted) await new Promise((r) => setTimeout(r, 50));
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

/** A port nothing listens on. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe("clawcall say / clawcall phone against the sandbox", () => {
  let sb: Sandbox;
  let url: string;
  let agent: ReturnType<typeof startFakeAgent>;
  let silent: Sandbox;
  let silentUrl: string;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, "dist/cli/commands/say.js"))) {
      throw new Error("dist/ is missing the say command: run `npm run build` first (npm test does)");
    }
    stateDir = mkdtempSync(join(tmpdir(), "clawcall-phone-say-"));
    sb = buildSandbox({ timeScale: 20, runSchedules: false });
    ({ url } = await sb.listen(0));
    agent = startFakeAgent(url);
    // A second sandbox where no agent ever answers.
    silent = buildSandbox({ timeScale: 20, runSchedules: false });
    ({ url: silentUrl } = await silent.listen(0));
  });

  afterAll(async () => {
    for (const c of children) c.kill("SIGKILL");
    await agent?.stop();
    await sb?.close();
    await silent?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it("say prints the spoken answer and the latency, then exits 0", async () => {
    const r = await clawcall(["say", "What time is it?"], { env: { CLAWCALL_API_URL: url } });
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
    const r = await clawcall(["say", "--json", "a slow question"], { env: { CLAWCALL_API_URL: url } });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: true, said: "a slow question", answer: "You said: a slow question" });
    expect(out.call_sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(typeof out.latency_ms).toBe("number");
    expect(out.fillers.length).toBeGreaterThanOrEqual(1);
    expect(typeof out.fillers[0].text).toBe("string");
  });

  it("say exits non-zero with a clear line when nothing answers within --timeout-ms", async () => {
    const r = await clawcall(["say", "--timeout-ms", "2000", "anyone there?"], {
      env: { CLAWCALL_API_URL: silentUrl },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^clawcall say: no answer within 2000 ms( \(\d+ fillers? heard\))?: is the listener running\?/,
    );
    expect(r.stdout).not.toContain("agent:");
  });

  it("say says so when the sandbox is not running", async () => {
    const port = await freePort();
    const r = await clawcall(["say", "hello"], { env: { CLAWCALL_SANDBOX_PORT: String(port) } });
    expect(r.code).toBe(69);
    expect(r.stderr).toContain(
      `the sandbox relay is not running at http://127.0.0.1:${port}: start it with \`npm start\``,
    );
  });

  it("say refuses a live relay: it has no phone simulator", async () => {
    const r = await clawcall(["say", "hello"], {
      env: { CLAWCALL_API_KEY: "11111111-2222-4333-8444-555555555555" },
    });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain("only works against the local sandbox relay");
    expect(r.stderr).toContain("CLAWCALL_API_KEY is set");
  });

  it("phone holds a two-turn conversation from piped stdin and exits when the call ends", async () => {
    const r = await clawcall(["phone"], {
      env: { CLAWCALL_API_URL: url },
      stdin: "Hello there\nslow: what is on my calendar?\n",
    });
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
    const bye = await clawcall(["phone"], { env: { CLAWCALL_API_URL: url }, stdin: "goodbye\n" });
    expect(bye.code).toBe(0);
    expect(bye.stdout).toContain("[ends the call]");
    expect(bye.stdout).toContain("call ended: the agent ended the call");

    const hush = await clawcall(["phone"], { env: { CLAWCALL_API_URL: url }, stdin: "/silence\n/hangup\n" });
    expect(hush.code).toBe(0);
    expect(hush.stdout).toContain("agent: Are you still there?");
    expect(hush.stdout).toContain("call ended");
  });
});
