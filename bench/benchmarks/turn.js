// @ts-check
/**
 * 2. Turn overhead: message queued in the sandbox relay → answer stored, minus the agent's own time;
 * and pickup latency (queued → the relay writes it into the listener's long poll). Real calls on the
 * sandbox relay (a process, 20× phone time, long polls unscaled), driven through its simulation API.
 *
 * Variants, run interleaved with a fresh relay each:
 *  - ours + instant fake bridge: the listener's own overhead (the fake's few µs count against us);
 *  - sequential baseline + the same fake bridge: a minimal poll → agent → respond loop (no journal,
 *    no dispatcher): the floor of the relay round trip;
 *  - ours + the real bridge on a fast intent ("what is your name"): the bridge's handler time, read
 *    from its debug log per turn, is subtracted.
 */
import { converse, hangup, startCall, turnTimings } from "../lib/calls.js";
import {
  startBridge,
  startFakeBridge,
  startListener,
  startSandbox,
  startSequentialListener,
} from "../lib/stack.js";
import { latency, pairedRatios, spread, verdict } from "../lib/stats.js";

const TIME_SCALE = 20;

/**
 * @param {"ours" | "sequential" | "ours+bridge"} variant
 * @param {{ calls: number, turns: number }} size
 */
async function oneRun(variant, size) {
  const sandbox = await startSandbox({ timeScale: TIME_SCALE, threads: 8, scaleListen: false });
  /** @type {Map<string, number[]>} */
  const handlerMs = new Map();
  try {
    let agentUrl;
    if (variant === "ours+bridge") {
      const b = await startBridge({ apiUrl: sandbox.url, logLevel: "debug" });
      b.proc.onLine((line) => {
        if (!line.includes('"turn answered"')) return;
        try {
          const j = JSON.parse(line);
          const list = handlerMs.get(j.callSid) ?? [];
          list.push(Number(j.ms));
          handlerMs.set(j.callSid, list);
        } catch {}
      });
      agentUrl = b.url;
    } else {
      agentUrl = (await startFakeBridge(0)).url;
    }
    if (variant === "sequential") await startSequentialListener({ sandbox, agentUrl, maxRunMs: 120_000 });
    else await startListener({ sandbox, agentUrl, timeScale: TIME_SCALE });

    const calls = await Promise.all(Array.from({ length: size.calls }, () => startCall(sandbox.api)));
    await Promise.all(calls.map((c) => converse(sandbox.api, c, size.turns, () => "what is your name")));
    const sids = calls.map((c) => c.sid);
    const timings = await turnTimings(sandbox.api, sids);
    await Promise.all(sids.map((s) => hangup(sandbox.api, s)));
    const expected = size.calls * size.turns;
    if (timings.length !== expected)
      throw new Error(`${variant}: ${timings.length} of ${expected} turns timed`);
    const agent = (/** @type {{ sid: string, k: number }} */ t) =>
      variant === "ours+bridge" ? (handlerMs.get(t.sid)?.[t.k] ?? Number.NaN) : 0;
    const overhead = timings.map((t) => t.stored - t.queued - agent(t));
    const pickup = timings.map((t) => t.pickedUp - t.queued);
    const inListener = timings.map((t) => t.respondArrived - t.pickedUp - agent(t));
    const agentMs = timings.map(agent);
    if (overhead.some((x) => !Number.isFinite(x))) throw new Error(`${variant}: a turn has no handler time`);
    return {
      variant,
      turns: timings.length,
      overhead: latency(overhead),
      pickup: latency(pickup),
      inListener: latency(inListener),
      agentMs: latency(agentMs),
    };
  } finally {
    await sandbox.api.close();
    // Every process of this run goes (a killed listener's open poll would swallow a message of the next run).
    const { killAll } = await import("../lib/procs.js");
    await killAll();
  }
}

/** @param {{ quick: boolean, runs?: number, log: (s: string) => void }} ctx */
export async function benchTurn(ctx) {
  const runs = ctx.runs ?? (ctx.quick ? 1 : 3);
  const size = ctx.quick ? { calls: 2, turns: 10 } : { calls: 4, turns: 25 };
  /** @type {Record<string, any[]>} */
  const byVariant = { ours: [], sequential: [], "ours+bridge": [] };
  for (let i = 0; i < runs; i++) {
    /** @type {("ours" | "sequential" | "ours+bridge")[]} */
    const order = i % 2 === 0 ? ["ours", "sequential", "ours+bridge"] : ["ours+bridge", "sequential", "ours"];
    for (const v of order) {
      const r = await oneRun(v, size);
      /** @type {any[]} */ (byVariant[v]).push(r);
      ctx.log(
        `  ${v.padEnd(11)} run ${i + 1}/${runs}: ${r.turns} turns, overhead p50 ${r.overhead.p50.toFixed(2)} ms p99 ${r.overhead.p99.toFixed(2)} ms, pickup p50 ${r.pickup.p50.toFixed(2)} ms`,
      );
    }
  }
  const s = (/** @type {string} */ v, /** @type {string} */ what, /** @type {string} */ q) =>
    spread(/** @type {any[]} */ (byVariant[v]).map((r) => r[what][q]));
  const ours = byVariant.ours ?? [];
  const seq = byVariant.sequential ?? [];
  const ratio = spread(
    pairedRatios(
      ours.map((r) => r.overhead.p50),
      seq.map((r) => r.overhead.p50),
    ),
  );
  /** @param {string} v */
  const rows = (v) => [
    [v, "queued → stored − agent", s(v, "overhead", "p50"), s(v, "overhead", "p90"), s(v, "overhead", "p99")],
    [
      v,
      "pickup: queued → poll answered",
      s(v, "pickup", "p50"),
      s(v, "pickup", "p90"),
      s(v, "pickup", "p99"),
    ],
    [
      v,
      "in listener: poll answered → respond arrives − agent",
      s(v, "inListener", "p50"),
      s(v, "inListener", "p90"),
      s(v, "inListener", "p99"),
    ],
    ...(v === "ours+bridge"
      ? [
          [
            v,
            "agent: bridge handler `ms`",
            s(v, "agentMs", "p50"),
            s(v, "agentMs", "p90"),
            s(v, "agentMs", "p99"),
          ],
        ]
      : []),
  ];
  const p50Ours = s("ours", "overhead", "p50");
  const p50Bridge = s("ours+bridge", "overhead", "p50");
  return {
    title: "Turn overhead through the sandbox relay",
    settings: {
      runs,
      callsPerRun: size.calls,
      turnsPerCall: size.turns,
      timeScale: TIME_SCALE,
      scaleListen: false,
      relayThreads: 8,
      utterance: "what is your name",
    },
    targets: [
      {
        what: "turn overhead p50 (instant fake bridge)",
        target: "≤ 5 ms",
        measured: p50Ours,
        unit: " ms",
        baseline: s("sequential", "overhead", "p50"),
        ratio,
        verdict: verdict(p50Ours.median, "<=", 5),
        note: "baseline: a minimal sequential poll/agent/respond loop",
      },
      {
        what: "turn overhead p50 (real bridge, fast intent)",
        target: "≤ 5 ms",
        measured: p50Bridge,
        unit: " ms",
        baseline: s("sequential", "overhead", "p50"),
        ratio: spread(
          pairedRatios(
            (byVariant["ours+bridge"] ?? []).map((r) => r.overhead.p50),
            seq.map((r) => r.overhead.p50),
          ),
        ),
        verdict: verdict(p50Bridge.median, "<=", 5),
      },
      {
        what: "pickup latency p50 (queued → poll answered)",
        target: "(part of the above)",
        measured: s("ours", "pickup", "p50"),
        unit: " ms",
        baseline: s("sequential", "pickup", "p50"),
        verdict: "info",
      },
    ],
    tables: [
      {
        title: "Per-turn latency in ms (median [min–max] of each run's percentile)",
        columns: ["listener", "interval", "p50", "p90", "p99"],
        rows: [...rows("ours"), ...rows("ours+bridge"), ...rows("sequential")],
      },
    ],
    notes: [
      "Timestamps come from the relay process itself (call events and the request log, on a sub-millisecond clock), so the two ends of each interval are read on one clock.",
      "The phone side runs 20× faster to make turns quick; nothing on the measured path is scaled (the long poll holds 10 s as on the real relay, and the answer comes back within the relay's 12 s wait).",
    ],
    raw: byVariant,
  };
}
