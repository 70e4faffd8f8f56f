import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TaskRegistry } from "../../src/bridge/task-registry.js";
import { bridgeTempDir } from "../helpers/bridge-fakes.js";

describe("TaskRegistry", () => {
  it("creates, updates and persists tasks atomically", () => {
    const dir = bridgeTempDir();
    let now = Date.parse("2026-11-26T09:00:00Z");
    const reg = new TaskRegistry(dir, () => now);
    const t = reg.create({ title: "Deploy", notify: true });
    expect(t).toMatchObject({ status: "running", notify: true, endedAt: null, source: "api" });
    now += 60_000;
    const u = reg.update(t.id, { progress: "half way" });
    expect(u?.finished).toBe(false);
    const d = reg.update(t.id, { status: "done", result: "ok" });
    expect(d?.finished).toBe(true);
    expect(d?.task.endedAt).toBe("2026-11-26T09:01:00.000Z");
    expect(reg.update(t.id, { status: "done" })?.finished).toBe(false);
    expect(reg.update("nope", { status: "done" })).toBeUndefined();
    const again = new TaskRegistry(dir, () => now);
    expect(again.get(t.id)).toMatchObject({
      title: "Deploy",
      status: "done",
      result: "ok",
      progress: "half way",
    });
  });

  it("prunes finished tasks after a week", () => {
    const dir = bridgeTempDir();
    let now = Date.parse("2026-11-01T09:00:00Z");
    const reg = new TaskRegistry(dir, () => now);
    reg.create({ title: "Old", status: "done" });
    now += 8 * 86_400_000;
    reg.create({ title: "New" });
    expect(reg.list().map((t) => t.title)).toEqual(["New"]);
  });

  it("tolerates a corrupt file", () => {
    const dir = bridgeTempDir();
    writeFileSync(`${dir}/tasks.json`, "{not json");
    expect(new TaskRegistry(dir).list()).toEqual([]);
  });
});
