// @ts-check
/**
 * 3. Concurrency: 20 simultaneous calls whose agent turn takes 2 s (a fake bridge that sleeps 2 s):
 * time from the first message queued to the last answer stored, for our listener and for the
 * sequential reference-style listener (bench/sequential-listener.js). The relay runs in real time
 * with 64 threads: the real relay's 8 threads would themselves hold up 20 webhooks waiting on answers.
 */
import { hangup, startCall } from "../lib/calls.js";
import { killAll } from "../lib/procs.js";
import { startFakeBridge, startListener, startSandbox, startSequentialListener } from "../lib/stack.js";
import { pairedRatios, spread, verdict } from "../lib/stats.js";

const CALLS = 20;
const AGENT_MS = 2_000;

/**
 * @param {"ours" | "sequential"} variant
 */
async function oneRun(variant) {
  const sandbox = await startSandbox({ timeScale: 1, threads: 64, scaleListen: false });
  try {
    const bridge = await startFakeBridge(AGENT_MS);
    const listener =
      variant === "ours"
        ? await startListener({ sandbox, agentUrl: bridge.url, timeScale: 1 })
        : await startSequentialListener({ sandbox, agentUrl: bridge.url, maxRunMs: 120_000 });
    void listener;
    const calls = await Promise.all(Array.from({ length: CALLS }, () => startCall(sandbox.api)));
    const texts = calls.map((c, i) => `hello from caller ${i} on ${c.sid.slice(-6)}`);
    await Promise.all(
      calls.map(async (c, i) => {
        const r = await sandbox.api.post(`/sandbox/calls/${c.sid}/say`, { text: texts[i] });
        if (!r.captured) throw new Error(`call ${c.sid} did not hear its caller`);
      }),
    );
    // The sequential listener needs ~40 s; both are bounded well above that.
    const deadline = performance.now() + 90_000;
    const answered = await Promise.all(
      calls.map(async (c) => {
        const left = Math.max(1_000, Math.round(deadline - performance.now()));
        const r = await sandbox.api.get(
          `/sandbox/calls/${c.sid}/wait?type=agent_responded&after=${c.after}&timeout_ms=${left}`,
        );
        if (!r.event) throw new Error(`${variant}: call ${c.sid} got no answer within 90 s`);
        return r.event;
      }),
    );
    const events = await Promise.all(calls.map((c) => sandbox.api.get(`/sandbox/calls/${c.sid}`)));
    const queuedAt = events.map(
      (e) => /** @type {any[]} */ (e.call.events).find((x) => x.type === "message_queued")?.t ?? Number.NaN,
    );
    const first = Math.min(...queuedAt);
    const storedAt = answered.map((e) => e.t);
    const wrong = answered.filter((e, i) => e.text !== `You said: ${texts[i]}`).length;
    await Promise.all(calls.map((c) => hangup(sandbox.api, c.sid)));
    const perCall = storedAt.map((t, i) => t - /** @type {number} */ (queuedAt[i]));
    return {
      variant,
      totalMs: Math.max(...storedAt) - first,
      queueSpreadMs: Math.max(...queuedAt) - first,
      perCallP50Ms: spread(perCall).median,
      perCallMaxMs: Math.max(...perCall),
      wrongAnswers: wrong,
    };
  } finally {
    await sandbox.api.close();
    await killAll();
  }
}

/** @param {{ quick: boolean, runs?: number, log: (s: string) => void }} ctx */
export async function benchConcurrency(ctx) {
  const oursRuns = ctx.runs ?? (ctx.quick ? 1 : 3);
  // The sequential listener takes ~40 s a run: fewer of them.
  const seqRuns = ctx.runs ? Math.min(ctx.runs, 2) : ctx.quick ? 1 : 2;
  /** @type {any[]} */
  const ours = [];
  /** @type {any[]} */
  const seq = [];
  for (let i = 0; i < Math.max(oursRuns, seqRuns); i++) {
    if (i < oursRuns) {
      const r = await oneRun("ours");
      ours.push(r);
      ctx.log(
        `  ours       run ${i + 1}: ${(r.totalMs / 1000).toFixed(2)} s, wrong answers ${r.wrongAnswers}`,
      );
    }
    if (i < seqRuns) {
      const r = await oneRun("sequential");
      seq.push(r);
      ctx.log(
        `  sequential run ${i + 1}: ${(r.totalMs / 1000).toFixed(2)} s, wrong answers ${r.wrongAnswers}`,
      );
    }
  }
  const oursS = spread(ours.map((r) => r.totalMs / 1000));
  const seqS = spread(seq.map((r) => r.totalMs / 1000));
  const wrong = [...ours, ...seq].reduce((a, r) => a + r.wrongAnswers, 0);
  return {
    title: "20 concurrent calls, agent turn 2 s",
    settings: { calls: CALLS, agentMs: AGENT_MS, oursRuns, seqRuns, timeScale: 1, relayThreads: 64 },
    targets: [
      {
        what: "all 20 answered (first queued → last stored)",
        target: "≤ 3 s (sequential ~40 s)",
        measured: oursS,
        unit: " s",
        baseline: seqS,
        ratio: spread(
          pairedRatios(
            ours.map((r) => r.totalMs),
            seq.map((r) => r.totalMs),
          ),
        ),
        verdict: wrong > 0 ? "miss" : verdict(oursS.median, "<=", 3),
      },
    ],
    tables: [
      {
        title: "Per run",
        columns: [
          "listener",
          "total s",
          "messages queued within ms",
          "per-call p50 ms",
          "per-call max ms",
          "wrong answers",
        ],
        rows: [...ours, ...seq].map((r) => [
          r.variant,
          r.totalMs / 1000,
          r.queueSpreadMs,
          r.perCallP50Ms,
          r.perCallMaxMs,
          r.wrongAnswers,
        ]),
      },
    ],
    notes: [
      "A wrong answer (an answer stored on another call than the one that asked) fails the target whatever the time.",
      "The sequential listener's callers past the sixth hear the relay's fillers (12 s wait) and get their answer from a later poll webhook; the time counted is when the relay stored it.",
    ],
    raw: { ours, sequential: seq },
  };
}
