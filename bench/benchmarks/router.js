// @ts-check
/**
 * 6. Intent router: precision and recall per intent on the labelled utterances
 * (test/fixtures/utterances-dev.jsonl, the bridge's own test/bridge/fixtures/utterances-bridge.jsonl,
 * and issue 16's tuning and held-out parts in test/fixtures/router/; held-out misses are never printed),
 * with the bridge's router module from dist/. The baseline in the same run is the router without its
 * classifier (patterns and vocabularies only), on the held-out parts. Also the speed per utterance.
 */
import { readdirSync, readFileSync } from "node:fs";
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
  const parts = readdirSync(join(ROOT, "test/fixtures/router")).filter((f) => f.endsWith(".jsonl"));
  /** tuning.jsonl, tuning-extra.jsonl, tuning-3.jsonl … in the order they were written. */
  const order = (/** @type {string} */ f) => (f.includes("extra") ? 2 : Number(/(\d+)/.exec(f)?.[1] ?? 1));
  const byOrder = (/** @type {RegExp} */ re) =>
    parts
      .filter((f) => re.test(f))
      .sort((a, b) => order(a) - order(b))
      .map((f) => /** @type {const} */ ([f, load(`test/fixtures/router/${f}`)]));
  const tunings = byOrder(/^tuning/);
  const heldouts = byOrder(/^heldout/);
  /** Each caller's router knows its own agent's name: the held-out callers use these. */
  const agents = ["Nova", "Pinchy", "Juniper", "Max", "Claw", "Atlas", "Echo", "Sage"];
  /** @param {import("../../dist/bridge/router.js").RouterOptions} options */
  const routers = (options) => {
    const named = new Map(
      agents.map((n) => {
        const r = new IntentRouter(INTENTS, options);
        r.setAgentName(n);
        return [n.toLowerCase(), r];
      }),
    );
    /** @param {string} text */
    return (text) => {
      const hit = agents.find((n) => new RegExp(`\\b${n}\\b`, "i").test(text));
      return /** @type {IntentRouter} */ (named.get((hit ?? "claw").toLowerCase()));
    };
  };
  const routerFor = routers({});
  const rulesOnlyFor = routers({ weights: false });
  /** @type {[string, { text: string, intent: string }[], boolean, (t: string) => IntentRouter][]} name, cases, misses shown, router */
  const all = [
    ["utterances-dev.jsonl", dev, true, routerFor],
    ["utterances-bridge.jsonl (the bridge's own)", own, true, routerFor],
    // The classifier is trained on these: they show what it learnt, not how it generalises.
    ...tunings.map(
      ([f, cases]) => /** @type {const} */ ([`issue 16 ${f} (trained on)`, cases, true, routerFor]),
    ),
    // Nobody reads the held-out misses while changing the router: only the table is printed.
    ...heldouts.flatMap(([f, cases]) => [
      /** @type {const} */ ([`issue 16 ${f} (held out)`, cases, false, routerFor]),
      /** @type {const} */ ([
        `issue 16 ${f} (held out), baseline without the classifier`,
        cases,
        false,
        rulesOnlyFor,
      ]),
    ]),
    ["combined", [...dev, ...own], false, routerFor],
  ];
  const evals = all.map(([name, cases, showMisses, pick]) => ({
    name,
    n: cases.length,
    showMisses,
    ...precisionRecall(
      cases.map((c) => ({
        expected: c.intent,
        got: pick(c.text).route(c.text).intent?.name ?? "none",
        text: c.text,
      })),
      labels,
    ),
  }));

  // Speed: every utterance of every set, repeated; about a million routes in all (a full run's
  // share of time does not grow with the data).
  const texts = [...dev, ...own, ...tunings.flatMap(([, c]) => c), ...heldouts.flatMap(([, c]) => c)].map(
    (c) => c.text,
  );
  const reps = Math.max(1, Math.round((ctx.quick ? 100_000 : 1_000_000) / texts.length));
  for (let i = 0; i < 3; i++) for (const t of texts) router.route(t);
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) for (const t of texts) router.route(t);
  const usPerRoute = ((performance.now() - t0) * 1000) / (reps * texts.length);
  // The baseline's speed: patterns and vocabularies only.
  const rulesOnly = new IntentRouter(INTENTS, { weights: false });
  for (let i = 0; i < 3; i++) for (const t of texts) rulesOnly.route(t);
  const t1 = performance.now();
  for (let i = 0; i < reps; i++) for (const t of texts) rulesOnly.route(t);
  const usRulesOnly = ((performance.now() - t1) * 1000) / (reps * texts.length);
  ctx.log(
    `  ${texts.length} utterances, ${usPerRoute.toFixed(2)} µs per route (${usRulesOnly.toFixed(2)} without the classifier)`,
  );

  const targets = evals
    .filter((e) => e.name !== "combined" && !e.name.includes("baseline") && !e.name.includes("trained on"))
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
      `Routing speed: ${usPerRoute.toFixed(2)} µs per utterance (normalise, patterns, vocabularies, then the classifier on a miss; all ${texts.length} utterances × ${reps}); ${usRulesOnly.toFixed(2)} µs without the classifier (${(usPerRoute / usRulesOnly).toFixed(1)}×).`,
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
