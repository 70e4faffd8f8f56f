// @ts-check
/**
 * 6. Intent router: precision and recall per intent on the labelled utterances
 * (test/fixtures/utterances-dev.jsonl, and the bridge's own test/bridge/fixtures/utterances-bridge.jsonl),
 * with the bridge's router module from dist/. Also the router's own speed per utterance.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { INTENTS } from "../../dist/bridge/intents/index.js";
import { IntentRouter } from "../../dist/bridge/router.js";
import { ROOT } from "../lib/procs.js";
import { pct, precisionRecall, verdict } from "../lib/stats.js";

/**
 * @param {string} rel
 * @returns {{ text: string, intent: string }[]}
 */
function load(rel) {
  return readFileSync(join(ROOT, rel), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));
}

/** @param {{ quick: boolean, runs?: number, log: (s: string) => void }} ctx */
export async function benchRouter(ctx) {
  const router = new IntentRouter();
  // The bridge's own cases address the agent as "Claw" (as its unit test does).
  router.setAgentName("Claw");
  const labels = INTENTS.map((i) => /** @type {string} */ (i.name));
  const dev = load("test/fixtures/utterances-dev.jsonl");
  const own = load("test/bridge/fixtures/utterances-bridge.jsonl");
  /** @type {[string, { text: string, intent: string }[]][]} */
  const all = [
    ["utterances-dev.jsonl", dev],
    ["utterances-bridge.jsonl (the bridge's own)", own],
    ["combined", [...dev, ...own]],
  ];
  const evals = all.map(([name, cases]) => ({
    name,
    n: cases.length,
    ...precisionRecall(
      cases.map((c) => ({
        expected: c.intent,
        got: router.route(c.text).intent?.name ?? "none",
        text: c.text,
      })),
      labels,
    ),
  }));

  // Speed: every utterance of both sets, repeated (bounded by count).
  const texts = all[2]?.[1].map((c) => c.text) ?? [];
  const reps = ctx.quick ? 50 : 300;
  for (let i = 0; i < 20; i++) for (const t of texts) router.route(t);
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) for (const t of texts) router.route(t);
  const usPerRoute = ((performance.now() - t0) * 1000) / (reps * texts.length);
  ctx.log(`  ${texts.length} utterances, ${usPerRoute.toFixed(2)} µs per route`);

  const targets = evals
    .filter((e) => e.name !== "combined")
    .flatMap((e) => {
      const worstP = Math.min(...e.rows.filter((r) => r.tp + r.fp > 0).map((r) => r.precision));
      const worstR = Math.min(...e.rows.filter((r) => r.support > 0).map((r) => r.recall));
      return [
        {
          what: `${e.name}: precision (overall; worst intent)`,
          target: "≥ 98 %",
          measured: `${pct(e.overall.precision)} (worst ${pct(worstP)})`,
          verdict: e.overall.precision >= 0.98 && worstP >= 0.98 ? "pass" : "miss",
        },
        {
          what: `${e.name}: recall (overall; worst intent)`,
          target: "≥ 90 %",
          measured: `${pct(e.overall.recall)} (worst ${pct(worstR)})`,
          verdict: verdict(Math.min(e.overall.recall, worstR), ">=", 0.9),
        },
      ];
    });

  return {
    title: "Intent router",
    settings: { router: "dist/bridge/router.js", agentName: "Claw", intents: labels.length },
    targets,
    tables: evals.map((e) => ({
      title: `${e.name}: ${e.n} utterances (${e.n - e.rows.reduce((a, r) => a + r.support, 0)} labelled none), accuracy ${pct(e.overall.accuracy)}`,
      columns: ["intent", "support", "tp", "fp", "fn", "precision", "recall"],
      rows: [
        ...e.rows.map((r) => [
          r.label,
          r.support,
          r.tp,
          r.fp,
          r.fn,
          r.tp + r.fp === 0 ? "—" : pct(r.precision),
          r.support === 0 ? "—" : pct(r.recall),
        ]),
        [
          "**overall**",
          e.rows.reduce((a, r) => a + r.support, 0),
          e.overall.tp,
          e.overall.fp,
          e.overall.fn,
          pct(e.overall.precision),
          pct(e.overall.recall),
        ],
      ],
    })),
    notes: [
      `Routing speed: ${usPerRoute.toFixed(2)} µs per utterance (normalise + match, all ${texts.length} utterances × ${reps}).`,
      ...evals
        .filter((e) => e.name !== "combined")
        .flatMap((e) =>
          e.misses.map(
            (m) =>
              `${e.name} miss: ${JSON.stringify(/** @type {any} */ (m).text)} expected ${m.expected}, routed ${m.got}`,
          ),
        ),
    ],
    raw: evals.map((e) => ({ name: e.name, n: e.n, overall: e.overall, rows: e.rows, misses: e.misses })),
  };
}
