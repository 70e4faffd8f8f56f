// @ts-check
/**
 * `npm run bench:gateway` (issue 15): a real OpenClaw gateway in front of the instant stub model
 * (the harness in /work/shared/tools/openclaw-gateway, or OCG_HARNESS_DIR) and a real bridge process,
 * started together; then calls spread with quiet gaps of up to 90 s. Each call's first and second
 * model turn is timed at the bridge's HTTP API. Baselines in the same run: the gateway's warm-turn
 * latency (a direct request in a new session right after each call), and the whole run again with
 * warm-up off (fresh gateway state both times).
 *
 *   npm run bench:gateway                 # 20 calls over ~10 min, warm-up on, then off (~22 min)
 *   npm run bench:gateway -- --quick      # 5 calls over ~2.5 min each: checks the harness, not numbers to quote
 *   npm run bench:gateway -- --only on    # one mode
 *
 * Skips with one line (exit 0) when the harness is missing or OpenClaw cannot be installed or started.
 * Writes bench/gateway-results.md and bench/gateway-results.json (unless --no-write).
 */
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { childEnv, cleanup, killAll, ROOT, startServer, tempDir } from "./lib/procs.js";
import { median } from "./lib/stats.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const write = !args.includes("--no-write");
const onlyAt = args.indexOf("--only");
const modes = onlyAt >= 0 ? [args[onlyAt + 1]] : ["on", "off"];

const HARNESS = process.env.OCG_HARNESS_DIR ?? "/work/shared/tools/openclaw-gateway";
const RUN_DIR = process.env.OCG_RUN_DIR ?? "/tmp/clawcall-bench-gateway";
const GW_PORT = process.env.OCG_PORT ?? "38789";
const STUB_PORT = process.env.OCG_STUB_PORT ?? "38779";
const TOKEN = "ocg-harness-token";
const GW_URL = `http://127.0.0.1:${GW_PORT}`;

/**
 * Quiet gaps before each call, s: 5–90 s, skewed short (5 + 85·u²: mean ~33 s, so 20 calls take ~11
 * minutes, the "20 calls over 10 minutes with gaps up to 90 s"). Drawn from a fixed seed so
 * runs compare, and not round numbers: callers do not ring in step with the keep-warm interval.
 */
/** @param {number} n @param {number} seed */
function gaps(n, seed = 15) {
  let a = seed >>> 0;
  const rand = () => {
    // mulberry32
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, () => Math.round((5 + 85 * rand() ** 2) * 10) / 10);
}
/**
 * The first call comes this long after gateway and bridge are up: the gateway's own first turn takes
 * 11–15 s of CPU whatever a client does, so a call within that time waits for it.
 */
const FIRST_CALL_AFTER_S = 30;
const GAPS_S = [FIRST_CALL_AFTER_S, ...gaps(quick ? 4 : 19)];

/** @param {string} why */
function skip(why) {
  process.stdout.write(`bench:gateway skipped: ${why}\n`);
  process.exit(0);
}

/** @param {string} script */
function harness(script, extraEnv = {}) {
  return spawnSync("bash", [join(HARNESS, script)], {
    env: { ...process.env, OCG_RUN_DIR: RUN_DIR, OCG_PORT: GW_PORT, OCG_STUB_PORT: STUB_PORT, ...extraEnv },
    encoding: "utf8",
    timeout: 300_000,
  });
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * One POST to the bridge; the time until its reply.
 * @param {string} bridge @param {string} sid @param {string} message
 */
async function turn(bridge, sid, message) {
  const t0 = performance.now();
  const res = await fetch(`${bridge}/clawcall/message`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ call_sid: sid, message }),
    signal: AbortSignal.timeout(60_000),
  });
  const body = /** @type {{ source: string, response: string }} */ (await res.json());
  return { ms: Math.round(performance.now() - t0), source: body.source };
}

/**
 * The gateway's own warm-turn latency: a streamed request in a new session, read to `[DONE]` as the
 * bridge reads it.
 * @param {string} session
 */
async function gatewayTurn(session) {
  const t0 = performance.now();
  const ac = new AbortController();
  const res = await fetch(`${GW_URL}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({
      model: "openclaw/default",
      user: session,
      stream: true,
      messages: [{ role: "user", content: "What is a good name for a cat?" }],
    }),
    signal: ac.signal,
  });
  const utf8 = new TextDecoder();
  let text = "";
  for await (const chunk of /** @type {AsyncIterable<Uint8Array>} */ (res.body)) {
    text += utf8.decode(chunk, { stream: true });
    if (/^data:\s*\[DONE\]/m.test(text)) break;
  }
  ac.abort();
  return Math.round(performance.now() - t0);
}

/** @param {"on" | "off"} mode */
async function runMode(mode) {
  const started = harness("start.sh", { OCG_FRESH: "1" });
  if (started.status !== 0) {
    skip(
      `the OpenClaw gateway did not start: ${(started.stderr || started.stdout).trim().split("\n").pop()}`,
    );
  }
  const t0 = performance.now();
  const state = tempDir("clawcall-bench-gw-");
  const { proc, url } = await startServer(
    "bridge",
    "bridge/phone-agent-server.js",
    [],
    childEnv({
      CLAWCALL_STATE_DIR: state,
      CLAWCALL_AGENT_PORT: "0",
      CLAWCALL_PHONE_MODEL_MODE: "gateway",
      OPENCLAW_GATEWAY_URL: GW_URL,
      OPENCLAW_GATEWAY_TOKEN: TOKEN,
      CLAWCALL_AGENT_NAME: "Bench",
      CLAWCALL_OPENCLAW_BIN: join(state, "no-openclaw"),
      CLAWCALL_WARMUP: mode,
      CLAWCALL_TIMEZONE: "UTC",
    }),
    { cwd: state, timeoutMs: 30_000 },
  );
  let warmLine = null;
  proc.onLine((line) => {
    if (warmLine === null && line.includes("model path warm")) warmLine = Math.round(performance.now() - t0);
  });
  const calls = [];
  for (const [i, gap] of GAPS_S.entries()) {
    await sleep(gap * 1000);
    const sid = `CAbench${mode}${i}x${Date.now().toString(36)}`;
    const first = await turn(
      url,
      sid,
      "Could you think of a kind way to thank my neighbour for the flowers?",
    );
    const second = await turn(url, sid, "And how would I say that more briefly?");
    const gatewayWarm = await gatewayTurn(`bench-warm-${mode}-${i}-${Date.now().toString(36)}`);
    const row = {
      call: i + 1,
      gapS: gap,
      first: first.ms,
      firstSource: first.source,
      second: second.ms,
      secondSource: second.source,
      gatewayWarm,
    };
    calls.push(row);
    process.stdout.write(`${mode} ${JSON.stringify(row)}\n`);
  }
  await proc.stop(5_000);
  harness("stop.sh");
  return { mode, warmAfterMs: warmLine, calls };
}

/** @param {number[]} xs */
const med = (xs) => Math.round(median(xs));

/** @param {Awaited<ReturnType<typeof runMode>>} r */
function summary(r) {
  const first = r.calls.map((c) => c.first);
  const second = r.calls.map((c) => c.second);
  const warm = r.calls.map((c) => c.gatewayWarm);
  return {
    mode: r.mode,
    calls: r.calls.length,
    firstMedianMs: med(first),
    firstWithin1500: first.filter((x) => x <= 1_500).length,
    firstMaxMs: Math.max(...first),
    secondMedianMs: med(second),
    gatewayWarmMedianMs: med(warm),
    ratioFirstToWarm: Number((med(first) / med(warm)).toFixed(2)),
    notModel: r.calls.filter((c) => c.firstSource !== "model" || c.secondSource !== "model").length,
    warmAfterMs: r.warmAfterMs,
  };
}

/** @param {Awaited<ReturnType<typeof runMode>>[]} runs */
function markdown(runs) {
  const out = [
    "# Gateway benchmark (`npm run bench:gateway`)",
    "",
    `${quick ? "Quick run (not numbers to quote)" : "Full run"}, ${new Date().toISOString()}, load ${process.platform === "linux" ? spawnSync("cat", ["/proc/loadavg"], { encoding: "utf8" }).stdout.trim() : "n/a"}.`,
    "Times in ms at the bridge's HTTP API (POST /clawcall/message), instant stub model.",
    "",
    "| warm-up | calls | first turn median | first ≤ 1.5 s | first max | second median | gateway warm turn median (baseline) | first / baseline | not answered by the model | warm after start |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of runs) {
    const s = summary(r);
    out.push(
      `| ${s.mode} | ${s.calls} | ${s.firstMedianMs} | ${s.firstWithin1500} of ${s.calls} | ${s.firstMaxMs} | ${s.secondMedianMs} | ${s.gatewayWarmMedianMs} | ${s.ratioFirstToWarm} | ${s.notModel} | ${s.warmAfterMs ?? "–"} |`,
    );
  }
  for (const r of runs) {
    out.push(
      "",
      `## warm-up ${r.mode}: per call`,
      "",
      "| call | gap before, s | first | second | gateway warm turn |",
      "|---|---|---|---|---|",
    );
    for (const c of r.calls) {
      const tag = (/** @type {string} */ s) => (s === "model" ? "" : ` (${s})`);
      out.push(
        `| ${c.call} | ${c.gapS} | ${c.first}${tag(c.firstSource)} | ${c.second}${tag(c.secondSource)} | ${c.gatewayWarm} |`,
      );
    }
  }
  return `${out.join("\n")}\n`;
}

async function main() {
  if (!existsSync(join(HARNESS, "start.sh")))
    skip(`no OpenClaw gateway harness at ${HARNESS} (set OCG_HARNESS_DIR)`);
  if (!existsSync(join(ROOT, "dist"))) skip("no dist/: run npm run build");
  // The harness's own paths (lib.sh): Node 24 and openclaw, installed once by install.sh.
  const installed = spawnSync("bash", [
    "-c",
    'source "$0/lib.sh" && [ -x "$OPENCLAW_NODE_BIN/node" ] && [ -e "$OPENCLAW_BIN" ]',
    HARNESS,
  ]);
  if (installed.status !== 0) {
    const inst = harness("install.sh");
    if (inst.status !== 0)
      skip(`OpenClaw could not be installed: ${(inst.stderr || inst.stdout).trim().split("\n").pop()}`);
  }
  const runs = [];
  for (const mode of modes) {
    if (mode !== "on" && mode !== "off") skip(`--only takes on or off (got ${mode})`);
    runs.push(await runMode(mode));
  }
  const md = markdown(runs);
  process.stdout.write(md);
  if (write) {
    writeFileSync(join(ROOT, "bench/gateway-results.md"), md);
    writeFileSync(
      join(ROOT, "bench/gateway-results.json"),
      `${JSON.stringify({ quick, runs, summary: runs.map(summary) }, null, 2)}\n`,
    );
  }
}

main()
  .catch((err) => {
    process.stderr.write(`bench:gateway failed: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await killAll();
    harness("stop.sh");
    await cleanup();
  });
