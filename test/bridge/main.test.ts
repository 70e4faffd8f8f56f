/** The bridge's entry point in this process: what a person can fix gets one line and an exit code. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/bridge/main.js";
import { EXIT } from "../../src/exit-codes.js";
import { tempDir } from "../helpers/proc.js";

async function run(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    env: { CLAWCALL_STATE_DIR: join(tempDir(), "state"), CLAWCALL_AGENT_PORT: "0", ...env },
    cwd: tempDir(),
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  });
  return { code, out: out.join(""), err: err.join("") };
}

describe("bridge main(argv, io)", () => {
  it("--help prints the usage and exits 0", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(EXIT.OK);
    expect(r.out).toMatch(/^usage: node bridge\/phone-agent-server\.js \[--replace\]/);
  });

  it("an unknown argument is a usage error (64) with the usage", async () => {
    const r = await run(["--bogus"]);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err).toMatch(/^clawcall bridge: .*--bogus/);
    expect(r.err).toContain("usage:");
  });

  it("a bad variable is one config line per problem (78)", async () => {
    const r = await run([], { CLAWCALL_AGENT_PORT: "not-a-port" });
    expect(r.code).toBe(EXIT.CONFIG);
    expect(r.err).toMatch(/^config error: CLAWCALL_AGENT_PORT/m);
  });

  it("a non-loopback bind without a token is refused (78)", async () => {
    const r = await run([], { CLAWCALL_AGENT_HOST: "0.0.0.0" });
    expect(r.code).toBe(EXIT.CONFIG);
    expect(r.err).toMatch(/refusing to listen on 0\.0\.0\.0: .*CLAWCALL_BRIDGE_TOKEN/);
  });

  it("a state dir it cannot use is one line naming the variable, not a stack trace (78)", async () => {
    const file = join(tempDir(), "not-a-dir");
    writeFileSync(file, "");
    const r = await run([], { CLAWCALL_STATE_DIR: file, LOG_LEVEL: "silent" });
    expect(r.code).toBe(EXIT.CONFIG);
    expect(r.err).toMatch(/^config error: CLAWCALL_STATE_DIR: cannot use .*not-a-dir: it is a file/);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.err.trim().split("\n")).toHaveLength(1);
  });
});
