import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  AlreadyRunningError,
  acquirePidLock,
  isAlive,
  listPidRecords,
  pidPath,
} from "../../src/state/pidlock.js";
import { tempDir } from "../helpers/proc.js";

const DEAD_PID = 2 ** 22 + 4321;

describe("pid locks", () => {
  it("a second copy is refused with the running pid and the way to stop it", async () => {
    const dir = tempDir();
    const lock = await acquirePidLock(dir, { name: "bridge", port: 4747 });
    // Our own pid counts as another live copy here: the file is taken.
    writeFileSync(pidPath(dir, "bridge"), JSON.stringify({ ...lock.record, pid: process.ppid }));
    await expect(acquirePidLock(dir, { name: "bridge" })).rejects.toSatisfy(
      (e) =>
        e instanceof AlreadyRunningError && e.record.pid === process.ppid && /clawcall stop/.test(e.message),
    );
    lock.release();
    // release() leaves a file that is no longer ours alone.
    expect(existsSync(pidPath(dir, "bridge"))).toBe(true);
  });

  it("every program's refusal names `npm start -- --replace` and its own --replace the same way", async () => {
    const direct: Record<string, string> = {
      up: "clawcall up --replace",
      bridge: "node bridge/phone-agent-server.js --replace",
      listener: "node listener/clawcall-listener.js --replace",
      sandbox: "clawcall sandbox --replace",
    };
    for (const [name, own] of Object.entries(direct)) {
      const dir = tempDir();
      writeFileSync(
        pidPath(dir, name),
        JSON.stringify({ name, pid: process.ppid, startedAt: "2031-05-06T09:30:00.000Z" }),
      );
      const e = await acquirePidLock(dir, { name }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(AlreadyRunningError);
      expect((e as Error).message).toMatch(
        new RegExp(
          // The start in this machine's words and zone ("May 6, 2031, 9:30 AM"), not a raw ISO stamp.
          `is already running \\(pid ${process.ppid}, since May [67], 2031, \\d{1,2}:\\d{2}\\s[AP]M\\); stop it with \`clawcall stop\`, or take over with \`npm start -- --replace\` \\(started on its own: \`${own.replace(/\./g, "\\.")}\`\\)$`,
        ),
      );
    }
  });

  it("replaces a stale pid file and removes its own on release", async () => {
    const dir = tempDir();
    writeFileSync(
      pidPath(dir, "listener"),
      JSON.stringify({ name: "listener", pid: DEAD_PID, startedAt: "x" }),
    );
    expect(listPidRecords(dir)).toEqual([expect.objectContaining({ alive: false })]);
    const lock = await acquirePidLock(dir, { name: "listener", keyId: "abc" });
    expect(JSON.parse(readFileSync(join(dir, "listener.pid"), "utf8"))).toMatchObject({
      pid: process.pid,
      keyId: "abc",
    });
    lock.release();
    expect(existsSync(pidPath(dir, "listener"))).toBe(false);
  });

  it("knows live and dead pids", () => {
    expect(isAlive(process.pid)).toBe(true);
    expect(isAlive(DEAD_PID)).toBe(false);
    expect(isAlive(0)).toBe(false);
    expect(isAlive(-1)).toBe(false);
  });
});
