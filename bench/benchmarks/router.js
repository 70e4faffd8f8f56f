// @ts-check
/**
 * 6. Intent router: precision and recall per intent on the labelled utterances
 * (test/fixtures/utterances-dev.jsonl, the bridge's own test/bridge/fixtures/utterances-bridge.jsonl,
 * and issue 16's tuning and held-out parts in test/fixtures/router/; held-out misses are never printed),
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
  const tuning = load("test/fixtures/router/tuning.jsonl");
  const tuningExtra = load("test/fixtures/router/tuning-extra.jsonl");
  const tuning3 = load("test/fixtures/router/tuning-3.jsonl");
  const tuning4 = load("test/fixtures/router/tuning-4.jsonl");
  const heldout = load("test/fixtures/router/heldout.jsonl");
  const heldout2 = load("test/fixtures/router/heldout-2.jsonl");
  /** Each caller's router knows its own agent's name: the held-out callers use these. */
  const agents = ["Nova", "Pinchy", "Juniper", "Max", "Claw", "Atlas", "Echo", "Sage"];
  const named = new Map(
    agents.map((n) => {
      const r = new IntentRouter();
      r.setAgentName(n);
      return [n.toLowerCase(), r];
    }),
  );
  /** @param {string} text */
  const routerFor = (text) => {
    const hit = agents.find((n) => new RegExp(`\\b${n}\\b`, "i").test(text));
    return hit ? /** @type {IntentRouter} */ (named.get(hit.toLowerCase())) : router;
  };
  /** @type {[string, { text: string, intent: string }[], boolean][]} name, cases, misses shown */
  const all = [
    ["utterances-dev.jsonl", dev, true],
    ["utterances-bridge.jsonl (the bridge's own)", own, true],
    ["issue 16 tuning part", tuning, true],
    ["issue 16 tuning part 2", tuningExtra, true],
    ["issue 16 tuning part 3", tuning3, true],
    ["issue 16 tuning part 4", tuning4, true],
    // Nobody reads the held-out misses while changing the router: only the table is printed.
    ["issue 16 held-out part", heldout, false],
    ["issue 16 held-out part 2", heldout2, false],
    ["combined", [...dev, ...own], false],
  ];
  const evals = all.map(([name, cases, showMisses]) => ({
    name,
    n: cases.length,
    showMisses,
    ...precisionRecall(
      cases.map((c) => ({
        expected: c.intent,
        got: routerFor(c.text).route(c.text).intent?.name ?? "none",
        text: c.text,
      })),
      labels,
    ),
  }));

  // Speed: every utterance of every set, repeated (bounded by count).
  const texts = [
    ...dev,
    ...own,
    ...tuning,
    ...tuningExtra,
    ...tuning3,
    ...tuning4,
    ...heldout,
    ...heldout2,
  ].map((c) => c.text);
  const reps = ctx.quick ? 50 : 300;
  for (let i = 0; i < 20; i++) for (const t of texts) router.route(t);
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) for (const t of texts) router.route(t);
  const usPerRoute = ((performance.now() - t0) * 1000) / (reps * texts.length);
  ctx.log(`  ${texts.length} utterances, ${usPerRoute.toFixed(2)} µs per route`);

  const targets = evals
    .filter((e) => e.name !== "combined")
    .flatMap((e) => {
      const minRecall = e.name.startsWith("issue 16") ? 0.95 : 0.9;
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
          target: `≥ ${minRecall * 100} %`,
          measured: `${pct(e.overall.recall)} (worst ${pct(worstR)})`,
          verdict: verdict(Math.min(e.overall.recall, worstR), ">=", minRecall),
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
        .filter((e) => e.showMisses)
        .flatMap((e) =>
          e.misses.map(
            (m) =>
              `${e.name} miss: ${JSON.stringify(/** @type {any} */ (m).text)} expected ${m.expected}, routed ${m.got}`,
          ),
        ),
    ],
    raw: evals.map((e) => ({
      name: e.name,
      n: e.n,
      overall: e.overall,
      rows: e.rows,
      ...(e.showMisses ? { misses: e.misses } : {}),
    })),
  };
}
