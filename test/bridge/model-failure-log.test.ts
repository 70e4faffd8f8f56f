import { describe, expect, it } from "vitest";
import { isExpectedAbsence, ModelFailureLog } from "../../src/bridge/model-failure-log.js";
import { ClawcallError } from "../../src/errors.js";
import { createLogger } from "../../src/log.js";

/** A ModelFailureLog whose lines are kept as { level, msg }. */
function failureLog(sandbox: boolean) {
  const lines: { level: number; msg: string }[] = [];
  const log = createLogger({
    level: "debug",
    service: "bridge",
    destination: { write: (l: string) => lines.push(JSON.parse(l)) },
  });
  return { lines, failures: new ModelFailureLog({ log, sandbox, fix: "start the gateway" }) };
}

const refused = new ClawcallError(
  "E_MODEL_TRANSPORT",
  "model server: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:18789",
);
const broken = new ClawcallError("E_MODEL_HTTP", "the model server answered 500");

describe("failed model calls in the log", () => {
  it("an absent model while trying the sandbox: once at info with the fix, then debug until one answers", () => {
    const { lines, failures } = failureLog(true);
    failures.failed(refused, "model call failed");
    failures.failed(refused, "model call failed");
    expect(lines.map((l) => l.level)).toEqual([30, 20]);
    expect(lines[0]!.msg).toBe(
      "no model server yet (expected while trying the sandbox): callers get fast answers only; start the gateway",
    );
    failures.answered();
    failures.failed(refused, "model call failed");
    expect(lines.map((l) => l.level)).toEqual([30, 20, 30]);
  });

  it("real failures stay warnings every time, in the sandbox and with a live relay", () => {
    const sandbox = failureLog(true);
    sandbox.failures.failed(broken, "model call failed");
    sandbox.failures.failed(broken, "model call failed");
    expect(sandbox.lines.map((l) => [l.level, l.msg])).toEqual([
      [40, "model call failed"],
      [40, "model call failed"],
    ]);
    const live = failureLog(false);
    live.failures.failed(refused, "model call failed");
    expect(live.lines.map((l) => l.level)).toEqual([40]);
    expect(isExpectedAbsence(true, new ClawcallError("E_CLI_MISSING", "openclaw is not installed"))).toBe(
      true,
    );
    expect(isExpectedAbsence(false, refused)).toBe(false);
  });
});
