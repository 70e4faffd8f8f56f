import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readPreviousRun } from "../../src/listener/main.js";
import { statusPath } from "../../src/listener/status.js";
import { makeTempDir } from "../helpers/temp-dirs.js";

describe("readPreviousRun", () => {
  it("none without a status file, clean or crashed from its state, unknown when unreadable", () => {
    const dir = makeTempDir("clawcall-previous-run-");
    expect(readPreviousRun(dir)).toBe("none");
    writeFileSync(statusPath(dir), JSON.stringify({ state: "stopped" }));
    expect(readPreviousRun(dir)).toBe("clean");
    writeFileSync(statusPath(dir), JSON.stringify({ state: "running" }));
    expect(readPreviousRun(dir)).toBe("crashed");
    writeFileSync(statusPath(dir), "{ half a status");
    expect(readPreviousRun(dir)).toBe("unknown");
    // A status path that cannot be read as a file (here a directory) is not "none".
    const odd = makeTempDir("clawcall-previous-run-");
    mkdirSync(join(odd, "listener.status.json"));
    expect(readPreviousRun(odd)).toBe("unknown");
  });
});
