import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { onStopSignals } from "../../src/process/stop-signals.js";

function fakeProcess() {
  const proc = new EventEmitter();
  const exits: number[] = [];
  return {
    proc: proc as unknown as Pick<NodeJS.Process, "on" | "off">,
    emitter: proc,
    exits,
    exit: (c: number) => exits.push(c),
  };
}

describe("onStopSignals", () => {
  it("first signal starts the graceful stop; a second one says its last words and exits 1", () => {
    const f = fakeProcess();
    const calls: string[] = [];
    onStopSignals({
      onFirst: (s) => calls.push(`first ${s}`),
      onSecond: (s) => calls.push(`second ${s}`),
      proc: f.proc,
      exit: f.exit,
    });
    f.emitter.emit("SIGTERM", "SIGTERM");
    expect(calls).toEqual(["first SIGTERM"]);
    expect(f.exits).toEqual([]);
    f.emitter.emit("SIGINT", "SIGINT");
    expect(calls).toEqual(["first SIGTERM", "second SIGINT"]);
    expect(f.exits).toEqual([1]);
  });

  it("removes its handlers once the stop is done", () => {
    const f = fakeProcess();
    const remove = onStopSignals({ onFirst: () => {}, proc: f.proc, exit: f.exit, exitCode: 130 });
    expect(f.emitter.listenerCount("SIGINT")).toBe(1);
    expect(f.emitter.listenerCount("SIGTERM")).toBe(1);
    f.emitter.emit("SIGINT", "SIGINT");
    f.emitter.emit("SIGINT", "SIGINT");
    expect(f.exits).toEqual([130]);
    remove();
    expect(f.emitter.listenerCount("SIGINT") + f.emitter.listenerCount("SIGTERM")).toBe(0);
  });
});
