// @ts-check
/**
 * The sandbox relay as a process for the benchmarks: the real `dist/sandbox` code, built with the
 * options a benchmark needs (`node bench/lib/sandbox-main.js '<json options>'`):
 *  - `now` is `performance.timeOrigin + performance.now()`, so call events and the request log carry
 *    sub-millisecond timestamps (the default `Date.now` has 1 ms steps; the turn overhead is ~1 ms);
 *  - `scaleListen: false` by default: the phone side runs faster than real time, but the listener's
 *    long poll holds as long as on the real relay (10 s), so a message almost always meets an open
 *    poll, as it does in production;
 *  - no cron jobs, no state file, loopback only.
 * Logs "sandbox relay listening on http://127.0.0.1:N"; SIGTERM/SIGINT close it.
 */
import { buildSandbox } from "../../dist/sandbox/index.js";

const opts = JSON.parse(process.argv[2] ?? "{}");
const preciseNow = () => performance.timeOrigin + performance.now();
const sb = buildSandbox({
  timeScale: opts.timeScale ?? 1,
  threads: opts.threads ?? 8,
  scaleListen: opts.scaleListen ?? false,
  manualSilence: opts.manualSilence ?? true,
  runSchedules: false,
  now: preciseNow,
  ...(opts.timings ? { timings: opts.timings } : {}),
});
const { url } = await sb.listen(0, "127.0.0.1");
process.stdout.write(`sandbox relay listening on ${url}\n`);
let closing = false;
const stop = () => {
  if (closing) process.exit(1);
  closing = true;
  sb.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
