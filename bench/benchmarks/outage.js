// @ts-check
/**
 * 7. Relay outage: a 20 s outage between the listener and the sandbox relay (bench/lib/outage-proxy.js:
 * HTML 502 pages and resets, and the open poll cut while the relay keeps holding it). One call is in
 * progress and its caller speaks during the outage, so the cut poll swallows that utterance. Measured
 * for our listener and for the sequential reference-style listener (bench/sequential-listener.js: a
 * fixed 3 s sleep after any error), runs interleaved:
 * - requests per second the listener sends during the outage (polls, history reads, answers);
 * - resume: from the end of the outage to the next poll that reaches the relay;
 * - the swallowed caller: from the end of the outage to an answer (or the apology) stored for them.
 */
import { say as sayTurn, startCall, waitEvent } from "../lib/calls.js";
import { startOutageProxy } from "../lib/outage-proxy.js";
import { killAll, sleep } from "../lib/procs.js";
import { startFakeBridge, startListener, startSandbox, startSequentialListener } from "../lib/stack.js";
import { spread, verdict } from "../lib/stats.js";

/** How long after the outage we wait for the swallowed caller to hear something (the relay's slot lasts 300 s). */
const HEARD_WAIT_MS = 12_000;

/**
 * Resume depends on where the outage's end falls within a backoff wait: each run adds a random
 * 0–2.5 s to the outage, so the runs sample that phase instead of repeating one.
 */
const PHASE_SPREAD_MS = 2_500;

/**
 * @param {"ours" | "sequential"} variant
 * @param {number} outageMs
 */
async function oneRun(variant, outageMs) {
  const sandbox = await startSandbox({ timeScale: 1, threads: 16, scaleListen: false, manualSilence: true });
  const proxy = await startOutageProxy(sandbox.url);
  try {
    const bridge = await startFakeBridge(0);
    const relay = { url: proxy.url, api: sandbox.api };
    if (variant === "ours") await startListener({ sandbox: relay, agentUrl: bridge.url });
    else await startSequentialListener({ sandbox: relay, agentUrl: bridge.url, maxRunMs: 300_000 });
    const call = await startCall(sandbox.api);
    const first = await sayTurn(sandbox.api, call.sid, "hello before the outage", call.after);
    const listening = await waitEvent(sandbox.api, call.sid, "gather", first.index);
    // A poll is open on the relay again (the one the outage cuts).
    await sleep(300);

    const from = performance.now();
    proxy.down();
    const said = await sandbox.api.post(`/sandbox/calls/${call.sid}/say`, { text: "are you still there" });
    if (!said.captured) throw new Error(`${variant}: the caller could not speak`);
    await sleep(outageMs + Math.random() * PHASE_SPREAD_MS);
    proxy.up();
    const to = performance.now();
    const backAt = Date.now();

    const resumeDeadline = to + 30_000;
    let resume = Number.NaN;
    while (performance.now() < resumeDeadline) {
      const p = proxy.log.find((r) => r.t >= to && r.forwarded && r.path.startsWith("/api/v1/calls/listen"));
      if (p) {
        resume = p.t - to;
        break;
      }
      await sleep(10);
    }
    const ev = await sandbox.api.get(
      `/sandbox/calls/${call.sid}/wait?type=agent_responded&after=${listening.index}&timeout_ms=${HEARD_WAIT_MS}`,
    );
    const heardMs = ev.event ? Math.max(0, ev.event.t - backAt) : null;
    const during = proxy.log.filter((r) => r.t >= from && r.t < to);
    return {
      variant,
      outageS: (to - from) / 1000,
      requests: during.length,
      perSecond: (during.length * 1000) / (to - from),
      polls: during.filter((r) => r.path.startsWith("/api/v1/calls/listen")).length,
      history: during.filter((r) => r.path.startsWith("/api/v1/calls/history")).length,
      resumeMs: resume,
      heardMs,
    };
  } finally {
    await proxy.close();
    await sandbox.api.close();
    await killAll();
  }
}

/** @param {{ quick: boolean, runs?: number, log: (s: string) => void }} ctx */
export async function benchOutage(ctx) {
  const runs = ctx.runs ?? (ctx.quick ? 1 : 4);
  const outageMs = ctx.quick ? 5_000 : 20_000;
  /** @type {any[]} */
  const ours = [];
  /** @type {any[]} */
  const seq = [];
  const order = /** @type {const} */ (["ours", "sequential", "sequential", "ours"]);
  for (let i = 0; i < runs; i++) {
    for (const v of i % 2 === 0 ? order.slice(0, 2) : order.slice(2)) {
      const r = await oneRun(v, outageMs);
      (v === "ours" ? ours : seq).push(r);
      ctx.log(
        `  ${v.padEnd(10)} run ${i + 1}: ${r.requests} requests (${r.perSecond.toFixed(2)}/s, ${r.history} history), polling again after ${(r.resumeMs / 1000).toFixed(2)} s, swallowed caller ${r.heardMs === null ? "never answered" : `answered after ${(r.heardMs / 1000).toFixed(2)} s`}`,
      );
    }
  }
  const rate = spread(ours.map((r) => r.perSecond));
  const rateBase = spread(seq.map((r) => r.perSecond));
  const resume = ours.map((r) => r.resumeMs / 1000);
  const resumeBase = seq.map((r) => r.resumeMs / 1000);
  const resumeS = spread(resume);
  const resumeBaseS = spread(resumeBase);
  const heard = ours.map((r) => r.heardMs);
  const heardS = heard.every((h) => h !== null) ? spread(heard.map((h) => h / 1000)) : null;
  const worst = Math.max(...resume);
  return {
    title: `Relay outage of ${outageMs / 1000} s`,
    settings: {
      runs,
      outageMs,
      faults: "HTML 502 and resets; the open poll cut",
      baseline: "sequential listener",
    },
    targets: [
      {
        what: "requests per second during the outage",
        target: "≤ 0.5",
        measured: rate,
        unit: "/s",
        baseline: rateBase.median,
        ratio: rate.median / rateBase.median,
        verdict: verdict(rate.max, "<=", 0.5),
      },
      {
        what: "polling again after the outage (median)",
        target: "≤ 1.5 s",
        measured: resumeS,
        unit: " s",
        baseline: resumeBaseS.median,
        ratio: resumeS.median / resumeBaseS.median,
        verdict: verdict(resumeS.median, "<=", 1.5),
      },
      {
        what: "polling again after the outage (worst)",
        target: "≤ 2.5 s",
        measured: worst,
        unit: " s",
        baseline: resumeBaseS.max,
        ratio: worst / resumeBaseS.max,
        verdict: verdict(worst, "<=", 2.5),
      },
      {
        what: "the caller whose utterance the cut poll swallowed hears an answer or the apology",
        target: "≤ 5 s after the outage",
        measured: heardS ?? "never (some run)",
        unit: " s",
        baseline: seq.every((r) => r.heardMs === null) ? "never" : "sometimes",
        verdict: heardS ? verdict(heardS.max, "<=", 5) : "miss",
      },
    ],
    tables: [
      {
        title: "Per run",
        columns: [
          "listener",
          "outage s",
          "requests",
          "per s",
          "polls",
          "history reads",
          "resume s",
          "swallowed caller heard after s",
        ],
        rows: [...ours, ...seq].map((r) => [
          r.variant,
          r.outageS,
          r.requests,
          r.perSecond,
          r.polls,
          r.history,
          r.resumeMs / 1000,
          r.heardMs === null ? "never" : r.heardMs / 1000,
        ]),
      },
    ],
    notes: [
      `Each outage lasts ${outageMs / 1000} s plus a random 0–${PHASE_SPREAD_MS / 1000} s, so that its end falls at a different point of a backoff wait in each run (with a fixed length every run would measure the same phase). By construction our listener resumes within its backoff cap (2.3 s) and the sequential one within its 3 s sleep.`,
      "The sequential listener sleeps a fixed 3 s after every error, so it sends ~0.33 requests/s and resumes within 3 s; it never learns that a cut poll swallowed a message, so that caller hears fillers until the relay drops the call.",
      "Our listener backs off 1 s doubling to 2.3 s, each wait at least 90 % of its ceiling, and reads the call history for the lost-poll sweep only once a poll comes back (src/listener/timings.ts).",
    ],
    raw: { ours, seq },
  };
}
