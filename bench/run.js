// @ts-check
/**
 * `npm run bench` (build, then `node bench/run.js [--only a,b] [--quick] [--runs N] [--no-write]`).
 * Runs the benchmarks of issue 7 against the built code in dist/, each with its baseline in the same
 * run, and writes bench/results.json and bench/results.md. Not part of `npm test`.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { BENCHMARKS, parseOptions, USAGE } from "./lib/options.js";
import { cleanup, killAllSync, ROOT } from "./lib/procs.js";
import { renderMarkdown } from "./lib/report.js";

/** Hard ceiling per benchmark; each one bounds its own loops well below this. */
const BENCH_TIMEOUT_MS = 6 * 60_000;

/** @type {Record<string, () => Promise<(ctx: any) => Promise<any>>>} */
const MODULES = {
  bridge: async () => (await import("./benchmarks/bridge.js")).benchBridge,
  turn: async () => (await import("./benchmarks/turn.js")).benchTurn,
  concurrency: async () => (await import("./benchmarks/concurrency.js")).benchConcurrency,
  memory: async () => (await import("./benchmarks/memory.js")).benchMemory,
  startup: async () => (await import("./benchmarks/startup.js")).benchStartup,
  router: async () => (await import("./benchmarks/router.js")).benchRouter,
  outage: async () => (await import("./benchmarks/outage.js")).benchOutage,
  speech: async () => (await import("./benchmarks/speech.js")).benchSpeech,
};

function gitCommit() {
  try {
    const sha = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no", "src"], {
      cwd: ROOT,
      encoding: "utf8",
    }).trim();
    return dirty ? `${sha} (src/ has uncommitted changes)` : sha;
  } catch {
    return "unknown";
  }
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

/** How many full runs `results.json` remembers (headline values only). */
const HISTORY = 10;

/**
 * Adds this run's headline values (each target's measured median and verdict) to the history of
 * full runs, newest last.
 * @param {any} results
 * @param {string[]} ran benchmarks run this time
 */
function appendHistory(results, ran) {
  /** @type {Record<string, { measured: number | string | null, verdict: string }>} */
  const values = {};
  for (const name of ran) {
    for (const t of results.benchmarks[name]?.targets ?? []) {
      const m = t.measured;
      values[`${name}: ${t.what}`] = {
        measured: typeof m === "number" || typeof m === "string" ? m : (m?.median ?? null),
        verdict: t.verdict,
      };
    }
  }
  const entry = {
    at: results.generatedAt,
    commit: results.machine.commit,
    load: results.machine.loadStart,
    values,
  };
  return [...(results.history ?? []), entry].slice(-HISTORY);
}

async function main() {
  let opts;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${/** @type {Error} */ (err).message}\n${USAGE}\n`);
    return 64;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!existsSync(join(ROOT, "dist/bridge/server.js"))) {
    process.stderr.write("bench: dist/ is missing; run `npm run build` (or `npm run bench`)\n");
    return 1;
  }
  const jsonPath = join(ROOT, "bench/results.json");
  const mdPath = join(ROOT, "bench/results.md");
  /** @type {any} */
  let results = { benchmarks: {} };
  if (existsSync(jsonPath)) {
    try {
      results = JSON.parse(readFileSync(jsonPath, "utf8"));
      results.benchmarks ??= {};
    } catch {
      results = { benchmarks: {} };
    }
  }
  if (opts.render) {
    writeFileSync(mdPath, renderMarkdown(results));
    process.stdout.write("rewrote bench/results.md from bench/results.json\n");
    return 0;
  }
  const started = performance.now();
  const machine = {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model?.trim() ?? "?",
    memGb: Math.round(totalmem() / 2 ** 30),
    commit: gitCommit(),
    loadStart: load(),
    loadEnd: "",
  };
  const log = (/** @type {string} */ s) => process.stdout.write(`${s}\n`);
  log(
    `clawcall bench (${opts.quick ? "quick" : "full"}): ${opts.only.join(", ")}; load ${machine.loadStart}`,
  );
  let failed = 0;
  for (const name of opts.only) {
    const t0 = performance.now();
    const loadBefore = load();
    log(`\n== ${name} (load ${loadBefore})`);
    /** @type {NodeJS.Timeout | undefined} */
    let timer;
    try {
      const fn = await /** @type {() => Promise<(ctx: any) => Promise<any>>} */ (MODULES[name])();
      const r = await Promise.race([
        fn({ quick: opts.quick, runs: opts.runs, log }),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${name} took over ${BENCH_TIMEOUT_MS / 1000} s`)),
            BENCH_TIMEOUT_MS,
          );
        }),
      ]);
      r.measuredAt = new Date().toISOString();
      r.mode = opts.quick ? "quick" : "full";
      r.seconds = (performance.now() - t0) / 1000;
      r.load = `${loadBefore.split(" ")[0]} → ${load().split(" ")[0]}`;
      results.benchmarks[name] = r;
      for (const t of r.targets ?? []) log(`  -> ${t.what}: ${t.verdict}`);
    } catch (err) {
      failed++;
      log(`  !! ${name} failed: ${/** @type {Error} */ (err)?.stack ?? err}`);
    } finally {
      clearTimeout(timer);
      await cleanup();
    }
    log(`   (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  machine.loadEnd = load();
  results.machine = machine;
  results.mode = opts.quick ? "quick" : "full";
  results.generatedAt = new Date().toISOString();
  results.order = BENCHMARKS.filter((b) => results.benchmarks[b]);
  results.seconds = (performance.now() - started) / 1000;
  if (!opts.quick && opts.write) results.history = appendHistory(results, opts.only);
  const md = renderMarkdown(results);
  if (opts.write) {
    writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(mdPath, md);
    log(`\nwrote bench/results.md and bench/results.json (${results.seconds.toFixed(0)} s)`);
  } else {
    log(`\n${md}`);
  }
  return failed > 0 ? 1 : 0;
}

process.on("exit", killAllSync);
for (const sig of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
  process.on(sig, () => {
    killAllSync();
    process.exit(130);
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`bench: ${err?.stack ?? err}\n`);
    killAllSync();
    process.exitCode = 1;
  },
);
