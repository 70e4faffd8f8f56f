/**
 * Secrets: a full conversation with the sandbox relay, the bridge and the listener as processes at
 * LOG_LEVEL=debug, with a freshly registered (so recognisable) API key, a recognisable bridge token,
 * gateway token and OpenAI key — including relay faults (HTML 502s, a reset after the relay stored an
 * answer), a model server that echoes the caller's credential back in its 401 error (as OpenAI's
 * "Incorrect API key provided: …" does), a key rotation that makes the running listener get a 401,
 * and `clawcall account` / `status` / `doctor` with the good and the rejected key. None of the
 * secrets, nor any 16-character piece of one, may appear in any process's stdout or stderr, or in
 * any file the processes leave in the state dir.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { baseEnv, killAll, type Proc, runCliAsync, startNode } from "../helpers/proc.js";

const BRIDGE_TOKEN = "brtok-S3CRET-7f3a9c1e5b2d4f6a";
const GATEWAY_TOKEN = "gwtok-S3CRET-0d4e8b2a6c1f3e5d";
const OPENAI_KEY = "sk-S3CRET-openai-9b1d3f5a7c2e4d6f";
const EMAIL = "secrets-suite@example.com";
const PHONE = "+15555550199";

const dir = mkdtempSync(join(tmpdir(), "clawcall-secrets-"));
const procs: Proc[] = [];
const cliOutputs: { args: string[]; text: string }[] = [];
let model: Server | undefined;
afterAll(async () => {
  killAll();
  await new Promise<void>((r) => (model ? model.close(() => r()) : r()));
  rmSync(dir, { recursive: true, force: true });
});

/**
 * An OpenAI-compatible server (and OpenClaw gateway): answers normally, but a message containing
 * "trigger error" gets a 401 whose text carries the credential it was sent — a careless upstream.
 */
function startModel(): Promise<{ url: string; auth: string[] }> {
  const auth: string[] = [];
  model = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const a = String(req.headers.authorization ?? "");
      auth.push(a);
      const send = (status: number, j: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(j));
      };
      if (req.url === "/health") return send(200, { ok: true, status: "live" });
      if (req.url?.endsWith("/models"))
        return send(200, { object: "list", data: [{ id: "openclaw/default" }] });
      if (body.includes("trigger error"))
        return send(401, {
          error: {
            message: `Incorrect API key provided: ${a.replace(/^Bearer /, "")}. You can find your API key at https://example.com.`,
            type: "invalid_request_error",
            code: "invalid_api_key",
          },
        });
      send(200, {
        id: "c1",
        object: "chat.completion",
        choices: [{ index: 0, message: { role: "assistant", content: "Paris is the capital of France." } }],
      });
    });
  });
  return new Promise((resolve) =>
    model!.listen(0, "127.0.0.1", () =>
      resolve({ url: `http://127.0.0.1:${(model!.address() as AddressInfo).port}`, auth }),
    ),
  );
}

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await request(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
}
async function get(url: string): Promise<Record<string, unknown>> {
  const res = await request(url);
  return (await res.body.json()) as Record<string, unknown>;
}

function start(script: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const p = startNode(script, args, env);
  procs.push(p);
  return p;
}

async function cli(args: string[], env: NodeJS.ProcessEnv) {
  const r = await runCliAsync(args, env, dir, 30_000);
  cliOutputs.push({ args, text: `${r.stdout}\n${r.stderr}` });
  return r;
}

/** Every 16-character piece of a secret (and the secret itself): a truncated leak is a leak too. */
function pieces(secret: string): string[] {
  const out = [secret];
  for (let i = 0; i + 16 <= secret.length; i++) out.push(secret.slice(i, i + 16));
  return out;
}

function filesUnder(d: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe("secrets never reach logs or error messages", () => {
  it("a debug-level conversation with faults, a 401 and an echoing upstream; CLI account/status/doctor", async () => {
    const stateDir = join(dir, "state");
    const common = {
      LOG_LEVEL: "debug",
      CLAWCALL_STATE_DIR: stateDir,
      CLAWCALL_BRIDGE_TOKEN: BRIDGE_TOKEN,
      OPENCLAW_GATEWAY_TOKEN: GATEWAY_TOKEN,
      OPENAI_API_KEY: OPENAI_KEY,
      CLAWCALL_TIMEZONE: "Europe/Berlin",
      // No openclaw anywhere: the bridge's fallback lines, not a real CLI.
      PATH: `${join(dir, "empty-bin")}:${process.env.PATH}`.replace(/[^:]*openclaw[^:]*:?/g, ""),
    };

    // The sandbox relay as a process; register a new key with it.
    const sandbox = start(
      "bin/clawcall.js",
      ["sandbox", "--port", "0", "--time-scale", "20"],
      baseEnv(common),
    );
    const relayUrl = (await sandbox.waitFor(/sandbox relay listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    const reg = await post(`${relayUrl}/api/v1/register`, {
      email: EMAIL,
      phone_number: PHONE,
      agent_name: "Vault",
    });
    expect(reg.status).toBe(200);
    const apiKey = String(reg.json.api_key);
    expect(apiKey).toMatch(/^[0-9a-f-]{36}$/);
    const secrets = [apiKey, BRIDGE_TOKEN, GATEWAY_TOKEN, OPENAI_KEY];

    const m = await startModel();
    const withKey = (key: string, extra: Record<string, string> = {}) =>
      baseEnv({
        ...common,
        CLAWCALL_API_KEY: key,
        CLAWCALL_EMAIL: EMAIL,
        CLAWCALL_API_URL: relayUrl,
        ...extra,
      });

    // Bridge in gateway mode (the gateway token goes out on every model call).
    const bridgeEnv = (key: string, mode: string) =>
      withKey(key, {
        CLAWCALL_AGENT_PORT: "0",
        CLAWCALL_PHONE_MODEL_MODE: mode,
        OPENCLAW_GATEWAY_URL: m.url,
        OPENAI_BASE_URL: `${m.url}/v1`,
        CLAWCALL_AGENT_NAME: "Vault",
      });
    let bridge = start("bridge/phone-agent-server.js", [], bridgeEnv(apiKey, "gateway"));
    let bridgeUrl = (await bridge.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    const listenerEnv = (key: string) => withKey(key, { CLAWCALL_AGENT_URL: bridgeUrl });
    let listener = start("listener/clawcall-listener.js", [], listenerEnv(apiKey));
    await listener.waitFor(/Agent mode: HTTP/);

    // A conversation, from the registered phone.
    const call = await post(`${relayUrl}/sandbox/calls`, { from: PHONE, manual_silence: true });
    const sid = String(call.json.call_sid);
    let seen = -1;
    const next = async (type: string) => {
      const r = await get(
        `${relayUrl}/sandbox/calls/${sid}/wait?type=${type}&after=${seen}&timeout_ms=20000`,
      );
      const ev = r.event as { index: number; text?: string } | undefined;
      expect(ev, `no ${type} (${JSON.stringify(r)})`).toBeDefined();
      seen = ev!.index;
      return ev!;
    };
    await next("gather");
    const turn = async (text: string) => {
      expect((await post(`${relayUrl}/sandbox/calls/${sid}/say`, { text })).json.captured).toBe(true);
      return (await next("answer_spoken")).text;
    };
    expect(await turn("hello")).toBeTruthy();
    expect(await turn("what is the capital of France")).toContain("Paris");
    // The gateway refuses with the token in its error text: the caller hears a fallback line.
    expect(await turn("trigger error please")).not.toContain(GATEWAY_TOKEN);
    // Relay faults: HTML 502 pages on the poll, a reset after the relay stored an answer.
    await post(`${relayUrl}/sandbox/faults`, { endpoint: "listen", kind: "html502", count: 2 });
    expect(await turn("what is the capital of France again")).toContain("Paris");
    await post(`${relayUrl}/sandbox/faults`, { endpoint: "respond", kind: "reset_after", count: 1 });
    expect(await turn("and once more")).toBeTruthy();
    await post(`${relayUrl}/sandbox/faults`, { endpoint: "respond", kind: "html500", count: 1 });
    expect(await turn("one last question")).toBeTruthy();
    expect(m.auth).toContain(`Bearer ${GATEWAY_TOKEN}`);

    // The CLI with the good key.
    expect((await cli(["account"], withKey(apiKey))).code).toBe(0);
    await cli(["status"], withKey(apiKey, { CLAWCALL_AGENT_URL: bridgeUrl }));
    await cli(["doctor"], withKey(apiKey, { OPENCLAW_GATEWAY_URL: m.url }));
    await cli(["history", "--transcripts"], withKey(apiKey));

    // Rotate the key: the running listener gets a 401 and stops with its one line.
    const rot = await post(`${relayUrl}/api/v1/register`, { email: EMAIL });
    const newKey = String(rot.json.api_key);
    expect(newKey).not.toBe(apiKey);
    secrets.push(newKey);
    expect((await listener.exited).code).toBe(77);
    expect(listener.err.join("\n")).toContain("the relay rejected the API key");
    // The CLI with the rejected key: a 401, told in one line.
    expect((await cli(["account"], withKey(apiKey))).code).not.toBe(0);
    await cli(["doctor"], withKey(apiKey, { OPENCLAW_GATEWAY_URL: m.url }));

    // The bridge again, in openai mode with the new key; the upstream echoes the OpenAI key.
    bridge.kill("SIGTERM");
    await bridge.exited;
    // The stopped bridge wrote its status file (last error: the gateway's 401) one last time.
    const snapshots = filesUnder(stateDir).map((f) => ({
      where: `${f} (after the first bridge)`,
      text: readFileSync(f, "latin1"),
    }));
    bridge = start("bridge/phone-agent-server.js", [], bridgeEnv(newKey, "openai"));
    bridgeUrl = (await bridge.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    listener = start("listener/clawcall-listener.js", [], listenerEnv(newKey));
    await listener.waitFor(/Agent mode: HTTP/);
    expect(await turn("what is the capital of France, for real")).toContain("Paris");
    expect(await turn("trigger error now")).not.toContain(OPENAI_KEY);
    expect(m.auth).toContain(`Bearer ${OPENAI_KEY}`);
    // A request with a wrong bridge token is refused without echoing either token.
    const wrong = await request(`${bridgeUrl}/clawcall/message`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${BRIDGE_TOKEN}x` },
      body: JSON.stringify({ call_sid: sid, message: "hi" }),
    });
    expect(wrong.statusCode).toBe(401);
    const wrongText = await wrong.body.text();
    for (const s of secrets) expect(wrongText).not.toContain(s);
    await cli(["status"], withKey(newKey, { CLAWCALL_AGENT_URL: bridgeUrl }));
    await cli(["doctor"], withKey(newKey, { OPENCLAW_GATEWAY_URL: m.url }));

    // Stop everything cleanly so that shutdown lines are in the logs too.
    for (const p of [listener, bridge, sandbox]) p.kill("SIGTERM");
    await Promise.all([listener.exited, bridge.exited, sandbox.exited]);

    // ---- the check ----------------------------------------------------------------------------------
    const texts: { where: string; text: string }[] = [
      ...procs.map((p, i) => ({
        where: `process ${i} (${p.proc.spawnargs.slice(1, 3).join(" ")})`,
        text: [...p.out, ...p.err].join("\n"),
      })),
      ...cliOutputs.map((c) => ({ where: `clawcall ${c.args.join(" ")}`, text: c.text })),
      ...snapshots,
      ...filesUnder(stateDir).map((f) => ({ where: f, text: readFileSync(f, "latin1") })),
    ];
    const leaks: string[] = [];
    for (const { where, text } of texts)
      for (const s of secrets)
        for (const piece of pieces(s))
          if (text.includes(piece)) {
            const at = text.indexOf(piece);
            leaks.push(
              `${where}: ${JSON.stringify(text.slice(Math.max(0, at - 80), at + piece.length + 20))}`,
            );
            break;
          }
    console.log(
      `secrets summary ${JSON.stringify({
        processes: procs.length,
        cliRuns: cliOutputs.length,
        files: filesUnder(stateDir).length,
        lines: texts.reduce((n, t) => n + t.text.split("\n").length, 0),
        leaks: leaks.length,
      })}`,
    );
    expect(leaks).toEqual([]);
    // The logs really were at debug level (caller speech is logged only there).
    expect(procs.some((p) => p.out.some((l) => l.includes('"level":20')))).toBe(true);
  }, 120_000);
});
