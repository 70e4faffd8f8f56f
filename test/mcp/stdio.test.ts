import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { killAll, runCliAsync, startNode } from "../helpers/proc.js";
import { childEnv, removeTempDirs, tempDir } from "./helpers.js";

/** The process itself: stdout carries nothing but JSON-RPC, bad config exits 78, closing stdin ends it. */

afterEach(killAll);
afterAll(removeTempDirs);

const env = (stateDir = tempDir()) =>
  childEnv({
    CLAWCALL_STATE_DIR: stateDir,
    // Nothing listens on port 9: every relay call fails fast, which is what this test wants.
    CLAWCALL_API_URL: "http://127.0.0.1:9",
    // …and no bridge there either (not the default 4747, where a developer's bridge may run).
    CLAWCALL_AGENT_URL: "http://127.0.0.1:9",
    CLAWCALL_TIMEZONE: "UTC",
    LOG_LEVEL: "debug",
  });

describe("clawcall mcp as a process", { timeout: 60_000 }, () => {
  it("writes only JSON-RPC lines to stdout, answers every request, and exits 0 when stdin closes", async () => {
    const stateDir = tempDir();
    const p = startNode("bin/clawcall.js", ["mcp"], env(stateDir), tempDir());
    const send = (msg: object) => p.proc.stdin?.write(`${JSON.stringify(msg)}\n`);
    send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
    });
    await p.waitFor(/"id":1/);
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
    send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    // A relay that is down, and arguments of the wrong type: both are results, not crashes.
    send({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "get_account", arguments: {} } });
    send({
      jsonrpc: "2.0",
      id: 4,
      method: "tools/call",
      params: { name: "call_me", arguments: { message: 7 } },
    });
    send({ jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "call_me" } });
    // No bridge runs: the task tools say how to start it, and the reserved cap slot is given back.
    send({
      jsonrpc: "2.0",
      id: 6,
      method: "tools/call",
      params: { name: "register_task", arguments: { title: "x" } },
    });
    for (const id of [3, 4, 5, 6]) await p.waitFor(new RegExp(`"id":${id}[,}]`));
    p.proc.stdin?.end();
    const exit = await p.exited;
    expect(exit).toEqual({ code: 0, signal: null });

    // biome-ignore lint/suspicious/noExplicitAny: raw protocol messages
    const parsed = p.out.map((line) => JSON.parse(line) as { jsonrpc: string; id?: number; result?: any });
    for (const m of parsed) expect(m.jsonrpc).toBe("2.0");
    // Requests run concurrently: the failing relay call may answer last.
    const messages = [...parsed].sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
    expect(messages.map((m) => m.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(messages[0]?.result.serverInfo.name).toBe("clawcall");
    expect(messages[1]?.result.tools).toHaveLength(12);
    expect(messages[2]?.result).toMatchObject({ isError: true });
    expect(messages[2]?.result.content[0].text).toMatch(/^E_TRANSPORT_CONNECT: could not reach the relay/);
    expect(messages[3]?.result).toMatchObject({ isError: true });
    expect(messages[4]?.result).toMatchObject({ isError: true });
    expect(messages[5]?.result).toMatchObject({ isError: true });
    expect(messages[5]?.result.content[0].text).toMatch(
      /^E_BRIDGE_UNREACHABLE: the clawcall bridge is not answering at http:\/\/127\.0\.0\.1:\d+ .*start it with `clawcall up`/,
    );
    expect(JSON.parse(readFileSync(join(stateDir, "mcp-spend.json"), "utf8")).used).toBe(0);
    // The log (debug level here) went to stderr.
    expect(p.err.some((l) => l.includes("clawcall mcp: serving on stdio"))).toBe(true);
  });

  it("a bad CLAWCALL_MCP_DAILY_CALL_CAP stops it at start with one line and exit 78", async () => {
    for (const bad of ["ten", "-1", "1001"]) {
      const r = await runCliAsync(["mcp"], { ...env(), CLAWCALL_MCP_DAILY_CALL_CAP: bad }, tempDir());
      expect(r.code, bad).toBe(78);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toEqual([
        expect.stringMatching(
          new RegExp(`^config error: CLAWCALL_MCP_DAILY_CALL_CAP: expected .* \\(got "${bad}"\\)$`),
        ),
      ]);
    }
  });

  it("is listed by `clawcall help` and has usage", async () => {
    const help = await runCliAsync(["help"], env(), tempDir());
    expect(help.stdout).toMatch(/^ {2}mcp {8}serve the phone as tools to any MCP client/m);
    const usage = await runCliAsync(["mcp", "--help"], env(), tempDir());
    expect(usage.code).toBe(0);
    expect(usage.stdout).toContain("CLAWCALL_MCP_DAILY_CALL_CAP");
  });
});
