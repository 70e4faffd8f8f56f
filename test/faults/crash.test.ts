/**
 * Crash safety: the listener (a real process) is SIGKILLed at seeded random points of 20 turns and
 * restarted each time (sometimes killed again while it is still starting). Whatever the kill point —
 * before the poll picks the message up, with the poll open on the relay (which then pops the next
 * message into a dead socket), while the bridge works, between the bridge's answer and `respond`,
 * after `respond` but before the journal's `done` — the caller must hear the answer to what they
 * said or the apology, never nothing and never another turn's answer, while the relay still holds
 * the slot (300 s of phone time; 30 s here).
 *
 * Knobs: CRASH_SEED (kill points, bridge delays), CRASH_DUMP=<file> (results, events, every
 * listener's log).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PHRASES } from "../../src/listener/speech.js";
import type { CallEvent } from "../../src/sandbox/index.js";
import {
  type Child,
  type FakeBridge,
  killAll,
  listenerEnv,
  type RunningSandbox,
  spawnNode,
  startFakeBridge,
  startSandbox,
} from "../helpers/listener-proc.js";
import { mulberry32 } from "./chaos-proxy.js";

const SEED = Number(process.env.CRASH_SEED ?? 20_2026);
const TURNS = 20;
const CALLS = 3;
const SCALE = 10;
const APOLOGIES = new Set<string>(Object.values(PHRASES));

let rs: RunningSandbox | undefined;
let bridge: FakeBridge | undefined;
const dir = mkdtempSync(join(tmpdir(), "clawcall-crash-"));
afterAll(async () => {
  await killAll();
  await rs?.close();
  await bridge?.close();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const started: Child[] = [];

/** Starts the listener and waits only for its start line: the next kill may come at any moment. */
async function start(env: NodeJS.ProcessEnv): Promise<Child> {
  const c = spawnNode("listener/clawcall-listener.js", [], env);
  started.push(c);
  await Promise.race([
    c.waitForLog(/^Agent mode: HTTP$/),
    c.exited.then((e) => {
      throw new Error(`listener exited early (${e.code}): ${c.stderr.join("\n")}`);
    }),
  ]);
  return c;
}

async function sigkill(c: Child): Promise<void> {
  c.kill("SIGKILL");
  await c.exited;
}

describe("crash safety", () => {
  it(`SIGKILL at random points of ${TURNS} turns: every caller hears the answer or the apology`, async () => {
    rs = await startSandbox({ timeScale: SCALE });
    bridge = await startFakeBridge(0);
    const sim = rs.sb.sim;
    const env = listenerEnv({
      CLAWCALL_API_URL: rs.url,
      CLAWCALL_AGENT_URL: bridge.url,
      CLAWCALL_STATE_DIR: join(dir, "state"),
      CLAWCALL_SANDBOX_TIME_SCALE: String(SCALE),
      // A crashed listener's orphaned poll stays open on the relay for up to this long (2 s of phone
      // time, 200 ms here): short enough to find a kill with the poll open, long enough not to be paced.
      CLAWCALL_POLL_TIMEOUT_S: "2",
      LOG_LEVEL: "info",
    });
    const rng = mulberry32(SEED);
    const events = (sid: string) => sim.call(sid).events as CallEvent[];

    let listener = await start(env);
    const sids: string[] = [];
    for (let i = 0; i < CALLS; i++) {
      const { sid } = sim.startCall({ manual_silence: true });
      expect(await sim.waitFor(sid, "gather", { timeoutMs: 10_000 })).not.toBeNull();
      sids.push(sid);
    }

    const results: {
      turn: number;
      sid: string;
      text: string;
      heard: string | null;
      killAt: number;
      ms: number;
    }[] = [];
    for (let turn = 0; turn < TURNS; turn++) {
      // A random call: sometimes the one that just spoke (its last answer moments ago), sometimes not.
      const sid = sids[Math.floor(rng() * CALLS)]!;
      const text = `turn ${turn} token ${Math.floor(rng() * 1e9).toString(36)}`;
      bridge.delayMs = Math.floor(rng() * 300);
      const killAt = Math.floor(rng() * 600);
      const restartAfter = Math.floor(rng() * 300);
      const killAgain = rng() < 0.3 ? Math.floor(rng() * 500) : undefined;

      const before = events(sid).length - 1;
      const t0 = Date.now();
      const said = sim.say(sid, text);
      if (!said.captured)
        throw new Error(
          `turn ${turn}: the caller could not speak\n${events(sid)
            .slice(-12)
            .map((e) => JSON.stringify(e))
            .join("\n")}\n${listener.logs
            .slice(-20)
            .map((l) => JSON.stringify(l))
            .join("\n")}`,
        );
      await sleep(killAt);
      await sigkill(listener);
      await sleep(restartAfter);
      listener = await start(env);
      if (killAgain !== undefined) {
        // Killed again while its restart sweep may still be running.
        await sleep(killAgain);
        await sigkill(listener);
        listener = await start(env);
      }
      const ans = await sim.waitFor(sid, "answer_spoken", { after: before, timeoutMs: 25_000 });
      results.push({ turn, sid, text, heard: ans ? String(ans.text) : null, killAt, ms: Date.now() - t0 });
      // Left in the filler loop: this call cannot go on (reported below).
      if (!ans) break;
      // The caller listens to the answer before the next turn.
      await sleep(Number(ans.duration_ms ?? 0));
    }
    // Late apologies and retries have time to show themselves before the final checks.
    await sleep(1_000);

    const answered = results.filter((r) => r.heard === `You said: ${r.text}`);
    const apologised = results.filter((r) => r.heard !== null && APOLOGIES.has(r.heard));
    const silent = results.filter((r) => r.heard === null);
    const wrong = results.filter(
      (r) => r.heard !== null && r.heard !== `You said: ${r.text}` && !APOLOGIES.has(r.heard),
    );
    console.log(
      `crash summary ${JSON.stringify({
        seed: SEED,
        turns: results.length,
        answered: answered.length,
        apologised: apologised.length,
        silent: silent.length,
        wrong: wrong.length,
        slowestMs: Math.max(...results.map((r) => r.ms)),
      })}`,
    );
    if (process.env.CRASH_DUMP) {
      const { writeFileSync } = await import("node:fs");
      writeFileSync(
        process.env.CRASH_DUMP,
        JSON.stringify(
          {
            results,
            calls: sids.map((sid) => ({ sid, events: events(sid) })),
            stats: sim.stats(),
            logs: started.map((c) => c.logs),
          },
          null,
          1,
        ),
      );
    }
    const show = (rs: typeof results) =>
      rs
        .map((r) => `turn ${r.turn} (${r.sid.slice(-6)}, kill at ${r.killAt} ms): ${JSON.stringify(r.heard)}`)
        .join("\n");
    expect(silent, `callers left in the filler loop:\n${show(silent)}`).toEqual([]);
    expect(wrong, `answers to another turn:\n${show(wrong)}`).toEqual([]);

    // Over the whole run no call ever heard an answer to anything but its latest question.
    for (const sid of sids) {
      let last: string | undefined;
      for (const e of events(sid)) {
        if (e.type === "caller_said") last = String(e.text);
        if (e.type === "answer_spoken" && !APOLOGIES.has(String(e.text)))
          expect(e.text, `${sid}: answer spoken into the wrong turn`).toBe(`You said: ${last}`);
      }
    }
  }, 150_000);
});
