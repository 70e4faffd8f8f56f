// @ts-check
/**
 * A bounded HTTP load loop on an undici Pool: `connections` workers, each sending one request at a
 * time (no pipelining) for a warm-up period (not recorded) and then `durationMs` (recorded), or until
 * `maxRequests`. Every response body is read and JSON-parsed, for the bridge and the baseline alike.
 */
import { Pool } from "undici";
import { cpuMs } from "./cpu.js";
import { latency } from "./stats.js";

/**
 * @typedef {object} LoadOptions
 * @property {string} url origin, e.g. http://127.0.0.1:4747
 * @property {string} path
 * @property {(worker: number, i: number) => string} body request body for worker `worker`, request `i`
 * @property {number} connections
 * @property {number} durationMs
 * @property {number} [warmupMs]
 * @property {number} [maxRequests] hard cap on recorded requests (default 2,000,000)
 * @property {number} [serverPid] when set, the server's CPU time (user + system) over the recorded
 *   period is reported per request: less sensitive to a noisy machine than throughput
 */

/**
 * @param {LoadOptions} o
 */
export async function runLoad(o) {
  const pool = new Pool(o.url, {
    connections: o.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const headers = { "content-type": "application/json", accept: "application/json" };
  const maxRequests = o.maxRequests ?? 2_000_000;
  /** @type {number[]} */
  const samples = [];
  /** @type {number[]} */
  const handlerMs = [];
  let errors = 0;
  let non200 = 0;
  let recorded = 0;

  /**
   * @param {number} w
   * @param {number} until performance.now() deadline
   * @param {boolean} record
   */
  const worker = async (w, until, record) => {
    for (let i = 0; performance.now() < until && (!record || recorded < maxRequests); i++) {
      const t0 = performance.now();
      try {
        const res = await pool.request({ method: "POST", path: o.path, headers, body: o.body(w, i) });
        const text = await res.body.text();
        const t1 = performance.now();
        const j = JSON.parse(text);
        if (!record) continue;
        recorded++;
        samples.push(t1 - t0);
        if (res.statusCode !== 200) non200++;
        if (typeof j.ms === "number") handlerMs.push(j.ms);
      } catch {
        if (record) errors++;
        // A refused or broken connection must not spin: pace it.
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };

  const workers = Array.from({ length: o.connections }, (_, w) => w);
  if (o.warmupMs && o.warmupMs > 0) {
    const until = performance.now() + o.warmupMs;
    await Promise.all(workers.map((w) => worker(w, until, false)));
  }
  const cpu0 = o.serverPid ? cpuMs(o.serverPid) : Number.NaN;
  const start = performance.now();
  const until = start + o.durationMs;
  await Promise.all(workers.map((w) => worker(w, until, true)));
  const elapsedMs = performance.now() - start;
  const cpu1 = o.serverPid ? cpuMs(o.serverPid) : Number.NaN;
  await pool.close();
  return {
    connections: o.connections,
    requests: samples.length,
    errors,
    non200,
    elapsedMs,
    rps: samples.length / (elapsedMs / 1000),
    /** Server CPU µs per request (user + system; 10 ms tick resolution, so only over long runs). */
    serverCpuUs: samples.length > 0 ? ((cpu1 - cpu0) * 1000) / samples.length : Number.NaN,
    latency: latency(samples),
    handlerMs: handlerMs.length > 0 ? latency(handlerMs) : null,
  };
}
