// @ts-check
/**
 * 1. Bridge fast path over loopback HTTP against a bare `node:http` server answering a fixed JSON
 * body: throughput and p50/p99 latency at 1 and 16 connections. Runs alternate bridge/bare (ABBA…)
 * so the machine's noise falls on both; ratios are taken per pair.
 */
import { runLoad } from "../lib/load.js";
import { startBare, startBridge } from "../lib/stack.js";
import { fmt, pairedRatios, spread, verdict } from "../lib/stats.js";

/** @param {{ quick: boolean, runs?: number, log: (s: string) => void }} ctx */
export async function benchBridge(ctx) {
  const runs = ctx.runs ?? (ctx.quick ? 2 : 5);
  const durationMs = ctx.quick ? 1_000 : 3_000;
  const warmupMs = ctx.quick ? 300 : 700;
  const levels = [1, 16];
  const sids = Array.from({ length: 16 }, (_, i) => `CA${(0xb0b0000 + i).toString(16).padStart(32, "0")}`);
  const bodies = sids.map((sid) => JSON.stringify({ call_sid: sid, message: "what is your name" }));

  const bridge = await startBridge();
  const bare = await startBare();
  /** @type {Record<string, { bridge: any[], bare: any[] }>} */
  const byLevel = {};
  try {
    for (const c of levels) {
      byLevel[c] = { bridge: [], bare: [] };
      for (let i = 0; i < runs; i++) {
        const order = i % 2 === 0 ? ["bridge", "bare"] : ["bare", "bridge"];
        for (const which of order) {
          const server = which === "bridge" ? bridge : bare;
          const r = await runLoad({
            url: server.url,
            serverPid: server.proc.pid,
            path: "/clawcall/message",
            body: (w) => /** @type {string} */ (bodies[w % bodies.length]),
            connections: c,
            durationMs,
            warmupMs,
          });
          if (r.errors > 0 || r.non200 > 0)
            throw new Error(`${which}: ${r.errors} errors, ${r.non200} non-200`);
          /** @type {any} */ (byLevel[c])[which].push(r);
          ctx.log(
            `  ${which.padEnd(6)} ${String(c).padStart(2)} conn run ${i + 1}/${runs}: ${Math.round(r.rps)} req/s, p50 ${r.latency.p50.toFixed(3)} ms, p99 ${r.latency.p99.toFixed(3)} ms`,
          );
        }
      }
    }
  } finally {
    await Promise.all([bridge.proc.stop(), bare.proc.stop()]);
  }

  /** @param {number} c */
  const summary = (c) => {
    const l = /** @type {{ bridge: any[], bare: any[] }} */ (byLevel[c]);
    const rps = (/** @type {any[]} */ xs) => xs.map((r) => r.rps);
    const p = (/** @type {any[]} */ xs, /** @type {string} */ k) => xs.map((r) => r.latency[k]);
    return {
      connections: c,
      bridgeRps: spread(rps(l.bridge)),
      bareRps: spread(rps(l.bare)),
      rpsRatio: spread(pairedRatios(rps(l.bridge), rps(l.bare))),
      bridgeP50: spread(p(l.bridge, "p50")),
      bareP50: spread(p(l.bare, "p50")),
      bridgeP99: spread(p(l.bridge, "p99")),
      bareP99: spread(p(l.bare, "p99")),
      p99Ratio: spread(pairedRatios(p(l.bridge, "p99"), p(l.bare, "p99"))),
      bridgeCpuUs: spread(l.bridge.map((r) => r.serverCpuUs)),
      bareCpuUs: spread(l.bare.map((r) => r.serverCpuUs)),
      cpuRatio: spread(
        pairedRatios(
          l.bridge.map((r) => r.serverCpuUs),
          l.bare.map((r) => r.serverCpuUs),
        ),
      ),
      handlerMsP50: spread(l.bridge.map((r) => r.handlerMs?.p50 ?? Number.NaN)),
      handlerMsP99: spread(l.bridge.map((r) => r.handlerMs?.p99 ?? Number.NaN)),
      requests: l.bridge.reduce((a, r) => a + r.requests, 0) + l.bare.reduce((a, r) => a + r.requests, 0),
    };
  };
  const s1 = summary(1);
  const s16 = summary(16);

  return {
    title: "Bridge fast path over loopback HTTP",
    settings: { runs, durationMs, warmupMs, levels, body: bodies[0], client: "undici Pool, pipelining 1" },
    targets: [
      {
        what: "throughput, 1 connection",
        target: "≥ 60 % of bare node:http",
        measured: s1.bridgeRps,
        unit: " req/s",
        baseline: s1.bareRps,
        ratio: s1.rpsRatio,
        verdict: verdict(s1.rpsRatio.median, ">=", 0.6),
      },
      {
        what: "throughput, 16 connections",
        target: "≥ 60 % of bare node:http",
        measured: s16.bridgeRps,
        unit: " req/s",
        baseline: s16.bareRps,
        ratio: s16.rpsRatio,
        verdict: verdict(s16.rpsRatio.median, ">=", 0.6),
      },
      {
        what: "p99 latency, 1 connection",
        target: "≤ 2 ms",
        measured: s1.bridgeP99,
        unit: " ms",
        baseline: s1.bareP99,
        ratio: s1.p99Ratio,
        verdict: verdict(s1.bridgeP99.median, "<=", 2),
      },
    ],
    tables: [
      {
        title: "Per connection level (median [min–max] over runs)",
        columns: [
          "connections",
          "server",
          "req/s",
          "p50 ms",
          "p99 ms",
          "server CPU µs/req",
          "handler `ms` p50",
          "handler `ms` p99",
        ],
        rows: [s1, s16].flatMap((s) => [
          [
            s.connections,
            "bridge",
            s.bridgeRps,
            s.bridgeP50,
            s.bridgeP99,
            s.bridgeCpuUs,
            s.handlerMsP50,
            s.handlerMsP99,
          ],
          [s.connections, "bare node:http", s.bareRps, s.bareP50, s.bareP99, s.bareCpuUs, null, null],
          [s.connections, "ratio bridge/bare", s.rpsRatio, null, s.p99Ratio, s.cpuRatio, null, null],
        ]),
      },
    ],
    notes: [
      `The load generator (one Node process, undici) shares the 2 cores with the server under test, and at 16 connections it is the bottleneck for the bare server, so the throughput ratio understates the server-side difference. The server's own CPU per request (user + system from /proc/<pid>/stat over each run) shows it directly: at 16 connections ${fmt(s16.bridgeCpuUs.median)} µs for the bridge against ${fmt(s16.bareCpuUs.median)} µs for the bare server (×${fmt(s16.cpuRatio.median)}), i.e. with the client off the machine the bridge would serve about ${Math.round(100 / s16.cpuRatio.median)} % of what the bare server could (${100 / s16.cpuRatio.median >= 60 ? "still above" : "below"} the 60 % target). The difference is the bridge's work per request: Host and content-type checks, reading and parsing the JSON body, routing, the reply object and its headers.`,
      "Handler `ms` is the bridge's own measurement in each reply: routing, the intent's answer and the reply object, after the body was read.",
    ],
    summary: { c1: s1, c16: s16 },
    raw: byLevel,
  };
}
