/**
 * A flood of sockets that never send a request (or send garbage) and never read: under the usual
 * 1,024-descriptor limit the bridge must keep answering `/health` and give the descriptors back.
 * Before the connection guard, such peers held the bridge at its descriptor limit indefinitely.
 */
import { existsSync, readdirSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { eventually, http, killAllBridges, startIsolatedBridge } from "../helpers/bridge-proc.js";

const FD_LIMIT = 1024;
const FLOOD = 1_100;
const hasProc = existsSync("/proc/self/fd");

function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Opens `n` sockets that never read; every fourth one sends a line that is not HTTP. */
async function flood(port: number, n: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  const connected: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const s = connect(port, "127.0.0.1");
    s.on("error", () => {});
    sockets.push(s);
    connected.push(
      new Promise((resolve) => {
        s.once("connect", () => {
          if (i % 4 === 0) s.write("NOT HTTP AT ALL\r\n\r\n");
          resolve();
        });
        s.once("close", () => resolve());
      }),
    );
  }
  await Promise.all(connected);
  return sockets;
}

afterAll(killAllBridges);

describe.runIf(hasProc)("silent and garbage sockets", () => {
  it("keeps /health answering during the flood and returns the descriptors", {
    timeout: 60_000,
  }, async () => {
    const bridge = await startIsolatedBridge({}, { fdLimit: FD_LIMIT });
    const pid = bridge.proc.pid as number;
    expect((await http(`${bridge.url}/health`)).status).toBe(200);
    const baseline = openFds(pid);

    const sockets = await flood(bridge.port, FLOOD);
    try {
      // Generous bounds: the guard answers at once or after its 3 s first-request timeout.
      const health = await eventually(
        async () => (await http(`${bridge.url}/health`)).status === 200,
        20_000,
        200,
      );
      expect(health).toBe(true);
      const fds = await eventually(() => openFds(pid) <= baseline + 20, 30_000, 200);
      expect(fds).toBe(true);
      // The status file keeps being written (no EMFILE) and the bridge is still the same process.
      expect(bridge.proc.exitCode).toBeNull();
    } finally {
      for (const s of sockets) s.destroy();
    }
  });
});
