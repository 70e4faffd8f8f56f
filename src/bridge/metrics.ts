/**
 * `GET /metrics` (when `CLAWCALL_METRICS=on`): the bridge's counters in the Prometheus text format
 * (version 0.0.4), written here rather than with a client library: a handful of counters and two
 * histograms need no registry. Counts start at zero with each bridge process, as Prometheus expects.
 */
import { ANSWER_SOURCES, type AnswerSource } from "./contract.js";
import { HttpError, type Route } from "./http.js";

/** Latency buckets in seconds: fast answers are sub-millisecond, model turns seconds, deferred work minutes. */
const BUCKETS_S = [0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120] as const;

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

class Histogram {
  readonly counts = BUCKETS_S.map(() => 0);
  count = 0;
  sum = 0;

  observe(seconds: number): void {
    this.count++;
    this.sum += seconds;
    for (let i = 0; i < BUCKETS_S.length; i++) if (seconds <= (BUCKETS_S[i] as number)) this.counts[i]!++;
  }

  lines(name: string, labels = ""): string[] {
    const sep = labels ? `${labels},` : "";
    const out = BUCKETS_S.map((le, i) => `${name}_bucket{${sep}le="${le}"} ${this.counts[i]}`);
    out.push(`${name}_bucket{${sep}le="+Inf"} ${this.count}`);
    const braces = labels ? `{${labels}}` : "";
    out.push(`${name}_sum${braces} ${round(this.sum)}`, `${name}_count${braces} ${this.count}`);
    return out;
  }
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

/** A label value as the text format wants it (our codes are plain, but never trust that). */
function label(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** The counters `/metrics` shows; fed by turn-outcomes.ts, read by `render`. */
export class BridgeMetrics {
  readonly #turns = new Map<AnswerSource, number>(ANSWER_SOURCES.map((s) => [s, 0]));
  readonly #turnSeconds = new Histogram();
  readonly #modelSeconds = new Histogram();
  readonly #modelErrors = new Map<string, number>();
  readonly #deferred = { answer: 0, failed: 0 };
  #callbacks = 0;
  readonly #activeCalls: () => number;

  constructor(activeCalls: () => number) {
    this.#activeCalls = activeCalls;
  }

  turn(source: AnswerSource, ms: number): void {
    this.#turns.set(source, (this.#turns.get(source) ?? 0) + 1);
    this.#turnSeconds.observe(ms / 1000);
  }

  modelCall(ms: number): void {
    this.#modelSeconds.observe(ms / 1000);
  }

  modelError(code: string): void {
    this.#modelErrors.set(code, (this.#modelErrors.get(code) ?? 0) + 1);
  }

  deferred(outcome: "answer" | "failed"): void {
    this.#deferred[outcome]++;
  }

  callback(): void {
    this.#callbacks++;
  }

  /** The whole exposition, one family after another, ending with a newline. */
  render(): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string, lines: string[]) =>
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
    family(
      "clawcall_turns_total",
      "counter",
      "Turns answered by the bridge, by answer source.",
      [...this.#turns].map(([s, n]) => `clawcall_turns_total{source="${s}"} ${n}`),
    );
    family(
      "clawcall_turn_seconds",
      "histogram",
      "Bridge handling time per turn, in seconds.",
      this.#turnSeconds.lines("clawcall_turn_seconds"),
    );
    family(
      "clawcall_model_seconds",
      "histogram",
      "Time per model call (phone and background), in seconds.",
      this.#modelSeconds.lines("clawcall_model_seconds"),
    );
    family(
      "clawcall_model_errors_total",
      "counter",
      "Model calls that failed, by error code.",
      [...this.#modelErrors].map(([c, n]) => `clawcall_model_errors_total{code="${label(c)}"} ${n}`),
    );
    family("clawcall_deferred_total", "counter", "Deferred answers finished in the background, by outcome.", [
      `clawcall_deferred_total{outcome="answer"} ${this.#deferred.answer}`,
      `clawcall_deferred_total{outcome="failed"} ${this.#deferred.failed}`,
    ]);
    family("clawcall_callbacks_total", "counter", "Calls placed back to the owner.", [
      `clawcall_callbacks_total ${this.#callbacks}`,
    ]);
    family("clawcall_active_calls", "gauge", "Calls the relay still holds a slot for.", [
      `clawcall_active_calls ${this.#activeCalls()}`,
    ]);
    return `${out.join("\n")}\n`;
  }
}

/**
 * `GET /metrics` when metrics are on; when off, a 404 that says how to turn them on. Behind the
 * token like every route but `/health`.
 */
export function metricsRoutes(metrics: BridgeMetrics | undefined): Route[] {
  if (!metrics) {
    const off = () => {
      throw new HttpError("E_BRIDGE_NOT_FOUND", "metrics are off: start the bridge with CLAWCALL_METRICS=on");
    };
    return [{ path: "/metrics", token: true, methods: { GET: { handle: off } } }];
  }
  return [
    {
      path: "/metrics",
      token: true,
      methods: {
        GET: {
          handle: ({ res }) => {
            res.writeHead(200, { "content-type": METRICS_CONTENT_TYPE });
            res.end(metrics.render());
          },
        },
      },
    },
  ];
}
