// @ts-check
/** Command-line options of `node bench/run.js` (pure: no I/O). */

export const BENCHMARKS = /** @type {const} */ ([
  "bridge",
  "turn",
  "concurrency",
  "memory",
  "startup",
  "router",
  "outage",
  "speech",
]);

export const USAGE = `Usage: node bench/run.js [--only a,b] [--quick] [--runs N] [--no-write] [--render]

Benchmarks: ${BENCHMARKS.join(", ")} (default: all, in that order).
  --only a,b   run only these (results of the others stay as they are in bench/results.json)
  --quick      fewer and shorter runs (a smoke run of the harness, not numbers to quote)
  --runs N     override the number of runs per benchmark (where it repeats)
  --no-write   print the results but do not touch bench/results.{md,json}
  --render     run nothing: rewrite bench/results.md from bench/results.json
  --help       this text`;

/**
 * @typedef {{ only: string[], quick: boolean, runs: number | undefined, write: boolean, render: boolean, help: boolean }} BenchOptions
 */

/**
 * @param {string[]} argv arguments after the script name
 * @returns {BenchOptions}
 */
export function parseOptions(argv) {
  /** @type {BenchOptions} */
  const o = { only: [...BENCHMARKS], quick: false, runs: undefined, write: true, render: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = /** @type {string} */ (argv[i]);
    const [flag, inline] = a.startsWith("--") && a.includes("=") ? a.split(/=(.*)/s, 2) : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--only": {
        const names = value()
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        const bad = names.filter((n) => !(/** @type {readonly string[]} */ (BENCHMARKS).includes(n)));
        if (bad.length > 0)
          throw new Error(`unknown benchmark: ${bad.join(", ")} (known: ${BENCHMARKS.join(", ")})`);
        // Keep the canonical order whatever order they were given in.
        o.only = BENCHMARKS.filter((b) => names.includes(b));
        break;
      }
      case "--quick":
        o.quick = true;
        break;
      case "--runs": {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1 || n > 50)
          throw new Error("--runs must be a whole number from 1 to 50");
        o.runs = n;
        break;
      }
      case "--no-write":
        o.write = false;
        break;
      case "--render":
        o.render = true;
        break;
      case "--help":
      case "-h":
        o.help = true;
        break;
      default:
        throw new Error(`unknown argument: ${a}`);
    }
  }
  return o;
}
