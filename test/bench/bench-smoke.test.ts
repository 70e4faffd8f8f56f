/**
 * The benchmark harness's pure helpers (bench/lib/*.js): percentiles, spreads, ratios, verdicts,
 * precision/recall, option parsing and the results table. No timing assertions: numbers belong in
 * bench/results.md.
 */
import { describe, expect, it } from "vitest";
import { BENCHMARKS, parseOptions } from "../../bench/lib/options.js";
import { cell, renderMarkdown, table } from "../../bench/lib/report.js";
import {
  fmt,
  fmtSpread,
  latency,
  mean,
  median,
  pairedRatios,
  pct,
  percentile,
  precisionRecall,
  ratio,
  spread,
  verdict,
} from "../../bench/lib/stats.js";

describe("bench stats helpers", () => {
  it("percentile interpolates between closest ranks", () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([4, 1, 3, 2], 0)).toBe(1);
    expect(percentile([4, 1, 3, 2], 100)).toBe(4);
    expect(percentile([10], 99)).toBe(10);
    expect(
      percentile(
        Array.from({ length: 101 }, (_, i) => i),
        99,
      ),
    ).toBe(99);
    expect(percentile([1, 2, 3], 25)).toBe(1.5);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it("does not reorder its input", () => {
    const xs = [3, 1, 2];
    median(xs);
    latency(xs);
    expect(xs).toEqual([3, 1, 2]);
  });

  it("median, mean and spread", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([1, 2, 3, 10])).toBe(2.5);
    expect(mean([1, 2, 3, 6])).toBe(3);
    expect(spread([3, 1, 2, Number.NaN])).toEqual({ n: 3, median: 2, min: 1, max: 3, mean: 2 });
    expect(spread([]).n).toBe(0);
  });

  it("latency summarises one run", () => {
    const l = latency(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(l.n).toBe(1000);
    expect(l.p50).toBeCloseTo(500.5);
    expect(l.p99).toBeCloseTo(990.01);
    expect(l.max).toBe(1000);
  });

  it("ratio and paired ratios skip meaningless pairs", () => {
    expect(ratio(6, 3)).toBe(2);
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(Number.NaN, 1)).toBeNull();
    expect(pairedRatios([10, 20, 30], [5, 0, 10, 99])).toEqual([2, 3]);
  });

  it("verdict reads the target's direction", () => {
    expect(verdict(0.61, ">=", 0.6)).toBe("pass");
    expect(verdict(0.59, ">=", 0.6)).toBe("miss");
    expect(verdict(2, "<=", 2)).toBe("pass");
    expect(verdict(Number.NaN, "<=", 2)).toBe("miss");
  });

  it("precision and recall treat 'none' as no answer", () => {
    const r = precisionRecall(
      [
        { expected: "time", got: "time" },
        { expected: "time", got: "none" },
        { expected: "none", got: "greeting" },
        { expected: "greeting", got: "greeting" },
        { expected: "none", got: "none" },
      ],
      ["time", "greeting"],
    );
    const time = r.rows.find((x) => x.label === "time")!;
    const greeting = r.rows.find((x) => x.label === "greeting")!;
    expect(time).toMatchObject({ tp: 1, fp: 0, fn: 1, support: 2, precision: 1, recall: 0.5 });
    expect(greeting).toMatchObject({ tp: 1, fp: 1, fn: 0, support: 1, precision: 0.5, recall: 1 });
    expect(r.overall).toMatchObject({ tp: 2, fp: 1, fn: 1 });
    expect(r.overall.accuracy).toBeCloseTo(3 / 5);
    expect(r.misses).toHaveLength(2);
  });

  it("formats numbers for the tables", () => {
    expect(fmt(1234.4)).toBe("1234");
    expect(fmt(16)).toBe("16");
    expect(fmt(12.345)).toBe("12.3");
    expect(fmt(1.2345)).toBe("1.23");
    expect(fmt(0.01234)).toBe("0.012");
    expect(fmt(null)).toBe("—");
    expect(fmtSpread({ n: 3, median: 2.5, min: 1.25, max: 3, mean: 2 }, " ms")).toBe("2.50 ms [1.25–3]");
    expect(fmtSpread({ n: 1, median: 2.5, min: 2.5, max: 2.5, mean: 2.5 })).toBe("2.50");
    expect(pct(0.987)).toBe("98.7 %");
  });
});

describe("bench options", () => {
  it("defaults to every benchmark, full mode", () => {
    expect(parseOptions([])).toEqual({
      only: [...BENCHMARKS],
      quick: false,
      runs: undefined,
      write: true,
      render: false,
      help: false,
    });
  });

  it("selects benchmarks in canonical order and parses flags", () => {
    const o = parseOptions(["--only", "turn,bridge", "--quick", "--runs=2", "--no-write"]);
    expect(o).toEqual({
      only: ["bridge", "turn"],
      quick: true,
      runs: 2,
      write: false,
      render: false,
      help: false,
    });
    expect(parseOptions(["--render"]).render).toBe(true);
    expect(parseOptions(["--only=router"]).only).toEqual(["router"]);
  });

  it("refuses unknown names and bad values", () => {
    expect(() => parseOptions(["--only", "bridge,nope"])).toThrow(/unknown benchmark: nope/);
    expect(() => parseOptions(["--runs", "0"])).toThrow(/--runs/);
    expect(() => parseOptions(["--only"])).toThrow(/needs a value/);
    expect(() => parseOptions(["--fast"])).toThrow(/unknown argument/);
  });
});

describe("bench report", () => {
  it("renders cells and tables", () => {
    expect(cell(null)).toBe("—");
    expect(cell(0.5, "×")).toBe("0.50×");
    expect(cell({ n: 2, median: 10.5, min: 9.5, max: 11.5, mean: 10 }, " ms")).toBe("10.5 ms [9.50–11.5]");
    expect(cell("a|b")).toBe("a\\|b");
    expect(table(["a", "b"], [[1, "x"]])).toBe("| a | b |\n|---|---|\n| 1 | x |");
  });

  it("renders the targets table from results.json", () => {
    const md = renderMarkdown({
      mode: "quick",
      order: ["bridge"],
      machine: { cpus: 2, node: "v20" },
      benchmarks: {
        bridge: {
          title: "Bridge",
          targets: [
            {
              what: "throughput",
              target: "≥ 60 %",
              measured: { n: 3, median: 900, min: 800, max: 1000, mean: 900 },
              unit: " req/s",
              baseline: { n: 3, median: 1000, min: 900, max: 1100, mean: 1000 },
              ratio: { n: 3, median: 0.9, min: 0.8, max: 1, mean: 0.9 },
              verdict: "pass",
            },
          ],
          tables: [],
          notes: ["a note"],
        },
      },
    });
    expect(md).toContain(
      "| Bridge | throughput | ≥ 60 % | 900 req/s [800–1000] | 1000 req/s [900–1100] | 0.90× [0.80–1] | **pass** |",
    );
    expect(md).toContain("- a note");
    expect(md).not.toContain("History of full runs");
  });

  it("renders the history of full runs, marking misses", () => {
    const md = renderMarkdown({
      order: [],
      benchmarks: {},
      history: [
        {
          at: "2026-01-01T10:00:00Z",
          load: "1.5 1 1",
          values: { "turn: p50": { measured: 5.5, verdict: "miss" } },
        },
        {
          at: "2026-01-02T10:00:00Z",
          load: "0.5 1 1",
          values: { "turn: p50": { measured: 4.5, verdict: "pass" } },
        },
      ],
    });
    expect(md).toContain("| target | 2026-01-01 10:00 (load 1.5) | 2026-01-02 10:00 (load 0.5) |");
    expect(md).toContain("| turn: p50 | 5.50 * | 4.50 |");
  });
});
