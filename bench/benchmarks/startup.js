// @ts-check
/**
 * 5. Start to healthy: spawn → first 200 from `GET /health` for the bridge (fresh state dir each
 * time), against spawn → first 200 of the bare `node:http` server script. Runs alternate.
 */
import { request } from "undici";
import { childEnv, startServer, tempDir } from "../lib/procs.js";
import { startBridge } from "../lib/stack.js";
import { pairedRatios, spread, verdict } from "../lib/stats.js";

/**
 * @param {"bridge" | "bare"} which
 */
async function once(which) {
  const s =
    which === "bridge"
      ? await startBridge()
      : await startServer("bare", "bench/lib/bare-server.js", [], childEnv({}), { cwd: tempDir() });
  try {
    for (let i = 0; i < 200; i++) {
      try {
        const res = await request(`${s.url}/health`, { headersTimeout: 2_000, bodyTimeout: 2_000 });
        await res.body.text();
        if (res.statusCode === 200) {
          const at = performance.now();
          return { which, toLogMs: s.listeningAt - s.proc.spawnedAt, toHealthyMs: at - s.proc.spawnedAt };
        }
      } catch {}
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`${which}: /health never answered 200`);
  } finally {
    await s.proc.stop();
  }
}

/** @param {{ quick: boolean, runs?: number, log: (s: string) => void }} ctx */
export async function benchStartup(ctx) {
  const runs = ctx.runs ?? (ctx.quick ? 3 : 10);
  /** @type {any[]} */
  const bridge = [];
  /** @type {any[]} */
  const bare = [];
  // One unmeasured start of each first: the OS file cache holds the modules afterwards, as it would
  // on a machine that has run the bridge before.
  await once("bridge");
  await once("bare");
  for (let i = 0; i < runs; i++) {
    /** @type {("bridge" | "bare")[]} */
    const order = i % 2 === 0 ? ["bridge", "bare"] : ["bare", "bridge"];
    for (const w of order) {
      const r = await once(w);
      (w === "bridge" ? bridge : bare).push(r);
    }
    ctx.log(
      `  run ${i + 1}/${runs}: bridge ${bridge.at(-1).toHealthyMs.toFixed(0)} ms, bare ${bare.at(-1).toHealthyMs.toFixed(0)} ms`,
    );
  }
  const b = spread(bridge.map((r) => r.toHealthyMs));
  const n = spread(bare.map((r) => r.toHealthyMs));
  return {
    title: "Start to healthy",
    settings: { runs, stateDir: "fresh per start", modelMode: "off" },
    targets: [
      {
        what: "bridge: spawn → first 200 from /health",
        target: "≤ 500 ms",
        measured: b,
        unit: " ms",
        baseline: n,
        ratio: spread(
          pairedRatios(
            bridge.map((r) => r.toHealthyMs),
            bare.map((r) => r.toHealthyMs),
          ),
        ),
        verdict: verdict(b.median, "<=", 500),
      },
    ],
    tables: [
      {
        title: "ms, median [min–max]",
        columns: ["server", 'spawn → "listening on" line', "spawn → first 200"],
        rows: [
          ["bridge", spread(bridge.map((r) => r.toLogMs)), b],
          ["bare node:http", spread(bare.map((r) => r.toLogMs)), n],
        ],
      },
    ],
    notes: [
      "The bare server is the floor: starting Node itself and binding a port. The bridge also loads its modules, takes its pid lock, reads its config and binds.",
    ],
    raw: { bridge, bare },
  };
}
