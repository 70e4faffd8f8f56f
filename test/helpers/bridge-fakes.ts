import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import type { ModelBackend, ModelRequest } from "../../src/bridge/model/index.js";
import type { HistoryItem } from "../../src/relay/schemas.js";
import { makeTempDir } from "./temp-dirs.js";

export const FIXTURES = join(import.meta.dirname, "../fixtures");

/** A fresh temp dir, removed after the test file finishes. */
export function bridgeTempDir(prefix = "clawcall-bridge-"): string {
  return makeTempDir(prefix);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

function json(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export type ModelBehaviour = "normal" | "slow" | "disabled" | "failing" | "end_call";

/**
 * A fake OpenAI-compatible server (and OpenClaw gateway) on 127.0.0.1:0. `normal` answers
 * "MODEL: <last user message>" with markdown in it; `slow` waits `slowMs` first; `disabled` is the
 * gateway's switched-off endpoint (404 text/plain "Not Found"); `failing` is a 500; `end_call`
 * ends the reply with the [[END_CALL]] sentinel.
 */
export class FakeModelServer {
  behaviour: ModelBehaviour = "normal";
  slowMs = 3_000;
  readonly requests: RecordedRequest[] = [];
  port = 0;
  readonly #server: Server;
  readonly #sockets = new Set<import("node:net").Socket>();

  constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on("connection", (s) => {
      this.#sockets.add(s);
      s.on("close", () => this.#sockets.delete(s));
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.port = await listen(this.#server);
    return this;
  }

  chatRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith("/chat/completions"));
  }

  async #handle(req: IncomingMessage, res: ServerResponse) {
    const text = await readBody(req);
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    const path = req.url ?? "/";
    this.requests.push({ method: req.method ?? "GET", path, headers: req.headers, body });
    if (path === "/health") return json(res, 200, { ok: true, status: "live" });
    if (path === "/v1/models") {
      if (this.behaviour === "disabled") {
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
        return res.end("Not Found");
      }
      return json(res, 200, { object: "list", data: [{ id: "openclaw/default", object: "model" }] });
    }
    if (!path.endsWith("/chat/completions")) return json(res, 404, { error: { message: "no route" } });
    if (this.behaviour === "disabled") {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      return res.end("Not Found");
    }
    if (this.behaviour === "failing") {
      return json(res, 500, { error: { message: "upstream exploded", type: "server_error" } });
    }
    if (this.behaviour === "slow") await new Promise((r) => setTimeout(r, this.slowMs));
    const messages = (body as { messages?: { role: string; content: string }[] }).messages ?? [];
    const last = [...messages].reverse().find((m) => m.role === "user")?.content ?? "";
    const content =
      this.behaviour === "end_call"
        ? "Thanks, that is all I needed. Goodbye! [[END_CALL]]"
        : `**MODEL:** ${last.replace(/\s+/g, " ").slice(0, 200)} 🎉 see https://example.com/x`;
    json(res, 200, {
      id: "chatcmpl_test",
      object: "chat.completion",
      created: 1,
      model: (body as { model?: string }).model ?? "m",
      choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    });
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}

/**
 * When `test/fixtures/openclaw/tasks-list.json` was captured (its last event, epoch ms). The fake CLI
 * moves every epoch-ms time in it by (now − this), as if the tasks had just run.
 */
export const TASKS_CAPTURED_AT = 1_795_651_569_834;

/**
 * Writes a fake `openclaw` executable (a Node script) into `<dir>/bin/openclaw`. Its behaviour is
 * read from `<dir>/openclaw-mode` at each run (so a test can switch it) and every argv is appended
 * to `<dir>/openclaw-calls.jsonl`. Modes: `normal`, `hang` (`infer` never exits; a grandchild sleeps too and
 * writes its pid), `meta` (a reply full of shell metacharacters), `noisy` (log lines, then JSON, exit 1),
 * `garbage` (logs only, no JSON), `broken` (exit 2, nothing).
 */
export function writeFakeOpenclaw(dir: string): { bin: string; binDir: string; setMode(m: string): void } {
  const binDir = join(dir, "bin");
  mkdirSync(binDir, { recursive: true });
  const bin = join(binDir, "openclaw");
  const script = `#!/usr/bin/env node
const fs = require("node:fs");
const path = require("node:path");
const { spawn } = require("node:child_process");
const dir = ${JSON.stringify(dir)};
const fixtures = ${JSON.stringify(FIXTURES)};
const args = process.argv.slice(2);
let mode = "normal";
try { mode = fs.readFileSync(path.join(dir, "openclaw-mode"), "utf8").trim() || "normal"; } catch {}
fs.appendFileSync(path.join(dir, "openclaw-calls.jsonl"), JSON.stringify({ args, mode }) + "\\n");
const out = (s) => process.stdout.write(s);
if (mode === "hang" && args[0] === "infer") {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  fs.writeFileSync(path.join(dir, "grandchild.pid"), String(child.pid));
  setInterval(() => {}, 1000);
  return;
}
if (mode === "broken") process.exit(2);
if (args[0] === "cron" && args[1] === "list") { out(fs.readFileSync(path.join(fixtures, "openclaw/cron-list.json"), "utf8")); process.exit(0); }
if (args[0] === "tasks" && args[1] === "list") {
  // Rewritten against now, so the fixture's tasks stay "recent" on any day.
  const delta = Date.now() - ${TASKS_CAPTURED_AT};
  const doc = JSON.parse(fs.readFileSync(path.join(fixtures, "openclaw/tasks-list.json"), "utf8"));
  out(JSON.stringify(doc, (k, v) => (typeof v === "number" && v > 1e12 && v < 1e13 ? v + delta : v)));
  process.exit(0);
}
if (args[0] === "infer") {
  const prompt = args[args.indexOf("--prompt") + 1] || "";
  const caller = (prompt.match(/Caller: (.*)\\n\\nYour spoken reply:/) || [, "?"])[1];
  if (mode === "garbage") { out("[gateway] connecting...\\n[warn] something odd\\n"); process.exit(0); }
  if (mode === "meta") { out(JSON.stringify({ ok: true, outputs: [{ text: "Done: $(touch " + dir + "/pwned) ; \`touch " + dir + "/pwned2\` && echo hi | cat > " + dir + "/pwned3" }] })); process.exit(0); }
  if (mode === "noisy") { out("[config] warning: legacy key\\n"); out(JSON.stringify({ ok: true, outputs: [{ text: "CLI: " + caller }] }, null, 2)); process.exit(1); }
  out(JSON.stringify({ ok: true, capability: "model.run", transport: args.includes("--local") ? "local" : "gateway", outputs: [{ text: "CLI: " + caller, mediaUrl: null }] }));
  process.exit(0);
}
process.stderr.write("unknown command\\n");
process.exit(1);
`;
  writeFileSync(bin, script);
  chmodSync(bin, 0o755);
  const setMode = (m: string) => writeFileSync(join(dir, "openclaw-mode"), m);
  setMode("normal");
  return { bin, binDir, setMode };
}

/** PATH with the fake openclaw first and this Node's directory next (for `#!/usr/bin/env node`). */
export function fakePath(binDir: string): string {
  return [binDir, dirname(process.execPath), process.env.PATH ?? ""].join(":");
}

/**
 * A relay history entry for a call from the owner's phone to the shared number: the bridge's caller
 * check (src/bridge/caller-check.ts) treats it as the owner's, so private answers are allowed.
 */
export function ownerCall(callSid: string): HistoryItem {
  return {
    id: callSid,
    twilio_call_sid: callSid,
    direction: "inbound",
    call_type: "user_initiated",
    from_number: "+15555550100",
    to_number: "+15555550123",
    duration_seconds: null,
    status: "in-progress",
    started_at: null,
    ended_at: null,
  };
}

/** A model whose replies the test controls (default: echoes the utterance); records every request. */
export function scriptedModel(mode: ModelBackend["mode"] = "openai") {
  const requests: ModelRequest[] = [];
  let impl: (req: ModelRequest) => Promise<string> = async (req) => `echo: ${req.utterance}`;
  const model: ModelBackend = {
    mode,
    modelName: "scripted",
    complete: async (req) => {
      requests.push(req);
      return { text: await impl(req), via: "scripted" };
    },
    gateway: () => ({ reachable: null, chat_completions: null }),
    probe: async () => {},
    close: async () => {},
  };
  return { model, requests, set: (f: typeof impl) => (impl = f) };
}
