// @ts-check
/**
 * Preloaded into a measured process (`node --expose-gc --import bench/lib/gc-preload.js …`) by the
 * memory benchmark: on SIGUSR2 it runs a full garbage collection and prints one line
 * `bench-mem {"rss":…,"heapTotal":…,"heapUsed":…,"external":…,"arrayBuffers":…,"spaces":{…}}` on
 * stderr (`spaces`: the size of each V8 heap space), so that
 * the live heap (what a leak would grow) can be read apart from the garbage collector's slack. It
 * adds nothing else to the process; without the signal it never runs.
 */
import { getHeapSpaceStatistics } from "node:v8";

process.on("SIGUSR2", () => {
  const gc = /** @type {undefined | ((o?: object) => void)} */ (globalThis.gc);
  if (gc) {
    gc();
    gc();
  }
  /** @type {Record<string, number>} */
  const spaces = {};
  for (const sp of getHeapSpaceStatistics()) spaces[sp.space_name] = sp.space_size;
  process.stderr.write(`bench-mem ${JSON.stringify({ ...process.memoryUsage(), spaces })}\n`);
});
