/**
 * Preloaded into a bridge a test measures (`NODE_OPTIONS=--import=<this file>`): on SIGUSR2 it runs
 * a full GC and prints `heap-probe <live heap bytes>` on stderr. A leak grows the live heap; RSS also
 * moves with the allocator, and differently on each Node version.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");
process.on("SIGUSR2", () => {
  gc();
  gc();
  process.stderr.write(`heap-probe ${process.memoryUsage().heapUsed}\n`);
});
