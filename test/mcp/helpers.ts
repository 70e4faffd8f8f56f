import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { baseEnv, ROOT } from "../helpers/proc.js";

/** `clawcall mcp` as a real child process driven by the SDK's own client over stdio. */

export const BIN = join(ROOT, "bin/clawcall.js");

/** Variables a child must inherit so the suite also runs under `TZ=… faketime …`. */
export function passThrough(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && (k === "TZ" || k === "LD_PRELOAD" || k.startsWith("FAKETIME"))) out[k] = v;
  }
  return out;
}

/** PATH/HOME, the pass-through variables, and `extra` (undefined values left out). */
export function childEnv(extra: Record<string, string | undefined>): Record<string, string> {
  const env = baseEnv({ ...passThrough(), ...extra });
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

const dirs: string[] = [];

export function tempDir(prefix = "clawcall-mcp-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export interface McpSession {
  client: Client;
  /** Lines the server wrote to stderr. */
  stderr: string[];
  /** Transport errors: a non-JSON line on stdout lands here. */
  errors: Error[];
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** Spawns `node bin/clawcall.js mcp` in a fresh working directory and connects the SDK client. */
export async function connectMcp(env: Record<string, string>): Promise<McpSession> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, "mcp"],
    env,
    cwd: tempDir("clawcall-mcp-cwd-"),
    stderr: "pipe",
  });
  const stderr: string[] = [];
  let partial = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    const parts = (partial + chunk.toString("utf8")).split("\n");
    partial = parts.pop() ?? "";
    stderr.push(...parts);
  });
  const errors: Error[] = [];
  const client = new Client({ name: "clawcall-test", version: "1.0.0" });
  client.onerror = (e) => errors.push(e);
  await client.connect(transport);
  return {
    client,
    stderr,
    errors,
    call: async (name, args = {}) =>
      (await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as CallToolResult,
    close: () => client.close(),
  };
}

/** The text of a result's first content block. */
export function text(r: CallToolResult): string {
  const c = r.content[0];
  return c?.type === "text" ? c.text : "";
}

/** Structured content of a successful result (fails the test with the error text otherwise). */
// biome-ignore lint/suspicious/noExplicitAny: test convenience
export function data(r: CallToolResult): any {
  if (r.isError) throw new Error(`tool error: ${text(r)}`);
  return r.structuredContent;
}
