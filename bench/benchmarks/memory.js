// @ts-check
/**
 * 4. Memory: resident set size (VmRSS from /proc/<pid>/status) of the bridge and the listener idle,
 * and the growth of their live heap after a full GC over 10,000 turns (RSS moves as much for a
 * stateless baseline: what a leak grows is the live heap). The bridge takes its turns directly over HTTP (2,000 calls × 5 turns of
 * fast-path and model-less questions); the listener takes them through the sandbox relay (messages
 * queued with the simulation API's `inject`, 100 calls at a time, answered by an instant fake
 * bridge). Baselines, measured side by side: the bare `node:http` server with the same 10,000
 * requests, and the sequential reference-style listener with the same 10,000 turns.
 *
 * "Idle" and "after" are read once the process has been quiet for `settleMs` (12 s in a full run:
 * V8's memory reducer runs ~8 s after allocation stops, and RSS right after start or right after a
 * burst is mostly collectable garbage). The live heap after a forced full GC (bench/lib/gc-preload.js,
 * SIGUSR2) is reported too: it is what a leak would grow.
 */
import { Pool } from "undici";
import { ROOT, readRss, sleep } from "../lib/procs.js";
import {
  callSid,
  startBare,
  startBridge,
  startFakeBridge,
  startListener,
  startSandbox,
  startSequentialListener,
} from "../lib/stack.js";
import { fmtSpread, spread, verdict } from "../lib/stats.js";

const UTTERANCES = [
  "what is your name",
  "hi there",
  "how are you",
  "what time is it",
  "what cron jobs do I have",
  "what tasks are running",
  "can you say that again",
  "how many minutes do I have left",
  "what can you do",
  "can you book a table for two tonight",
];

const NODE_ARGS = ["--expose-gc", "--import", `${ROOT}/bench/lib/gc-preload.js`];

/** @param {number} pid */
function rss(pid) {
  const r = readRss(pid);
  if (!r) throw new Error(`cannot read /proc/${pid}/status (this benchmark needs Linux)`);
  return r;
}

/**
 * Live heap after a forced full GC, in MB (the process must run with gc-preload.js).
 * @param {import("../lib/procs.js").Proc} proc
 * @returns {Promise<{ heapUsedMb: number, heapTotalMb: number, externalMb: number, newSpaceMb: number }>}
 */
function liveHeap(proc) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${proc.name}: no bench-mem line`)), 5_000);
    let done = false;
    proc.onLine((line) => {
      if (done || !line.startsWith("bench-mem ")) return;
      done = true;
      clearTimeout(timer);
      const m = JSON.parse(line.slice("bench-mem ".length));
      resolve({
        heapUsedMb: m.heapUsed / 2 ** 20,
        heapTotalMb: m.heapTotal / 2 ** 20,
        externalMb: m.external / 2 ** 20,
        newSpaceMb: (m.spaces?.new_space ?? Number.NaN) / 2 ** 20,
      });
    });
    proc.child.kill("SIGUSR2");
  });
}

/**
 * `turns` requests straight at an HTTP server (bridge or bare), 4 connections; calls of 5 turns.
 * @param {string} url
 * @param {number} from
 * @param {number} to
 * @param {string[]} sids
 */
async function httpTurns(url, from, to, sids) {
  const pool = new Pool(url, { connections: 4, keepAliveTimeout: 10_000 });
  let next = from;
  let bad = 0;
  const worker = async () => {
    while (next < to) {
      const i = next++;
      const body = JSON.stringify({
        call_sid: sids[i % sids.length],
        message: UTTERANCES[(Math.floor(i / sids.length) + i) % UTTERANCES.length],
      });
      const res = await pool.request({
        method: "POST",
        path: "/clawcall/message",
        headers: { "content-type": "application/json" },
        body,
      });
      await res.body.text();
      if (res.statusCode !== 200) bad++;
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  await pool.close();
  if (bad > 0) throw new Error(`${bad} requests were not answered 200`);
}

/**
 * `turns` turns through the relay: inject a message for each of 100 calls, wait until all 100
 * answers are stored, repeat (each call gets 5 turns over the run).
 * @param {import("../lib/stack.js").SandboxApi} api
 * @param {number} from
 * @param {number} to
 * @param {string[]} sids
 * @param {string} label
 */
async function relayTurns(api, from, to, sids, label) {
  const batch = 100;
  const deadline = performance.now() + 240_000;
  for (let done = from; done < to; ) {
    if (performance.now() > deadline) throw new Error(`${label}: only ${done} of ${to} turns in 240 s`);
    const n = Math.min(batch, to - done);
    const base = Math.floor(done / (batch * 5)) * batch;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        api.post("/sandbox/inject", {
          call_sid: sids[(base + i) % sids.length],
          message: `turn ${done + i}`,
        }),
      ),
    );
    const until = performance.now() + 30_000;
    for (;;) {
      const r = await api.get("/sandbox/stats?endpoint=respond");
      const ended = r.requests.filter((/** @type {any} */ x) => x.status !== null);
      if (ended.length >= n && ended.length === r.requests.length) {
        const bad = ended.filter((/** @type {any} */ x) => x.status !== 200).length;
        if (bad > 0) throw new Error(`${label}: ${bad} answers refused by the relay`);
        break;
      }
      if (performance.now() > until) throw new Error(`${label}: batch at turn ${done} not answered in 30 s`);
      await sleep(10);
    }
    await api.del("/sandbox/stats");
    done += n;
  }
}

/** @param {{ quick: boolean, runs?: number, log: (s: string) => void }} ctx */
export async function benchMemory(ctx) {
  const turns = ctx.quick ? 2_000 : 10_000;
  const warm = Math.min(1_000, turns);
  const settleMs = ctx.quick ? 3_000 : 12_000;

  // Everything starts at once and settles together.
  const bridge = await startBridge({ nodeArgs: NODE_ARGS });
  const bare = await startBare({ nodeArgs: NODE_ARGS });
  const sbA = await startSandbox({ timeScale: 1, threads: 8, scaleListen: false });
  const sbB = await startSandbox({ timeScale: 1, threads: 8, scaleListen: false });
  const sbC = await startSandbox({ timeScale: 1, threads: 8, scaleListen: false });
  const fake = await startFakeBridge(0);
  const ours = await startListener({ sandbox: sbA, agentUrl: fake.url, nodeArgs: NODE_ARGS });
  const seq = await startSequentialListener({
    sandbox: sbB,
    agentUrl: fake.url,
    maxRunMs: 600_000,
    nodeArgs: NODE_ARGS,
  });
  // Diagnostic, not a target: the same listener with glibc limited to two malloc arenas, to show how
  // much of the memory outside the V8 heap is the allocator keeping freed memory per thread.
  const arenas = await startListener({
    sandbox: sbC,
    agentUrl: fake.url,
    nodeArgs: NODE_ARGS,
    env: { MALLOC_ARENA_MAX: "2" },
  });
  // Idle RSS varies by several MB from one start to the next: two more of each, only to read idle.
  const extraCount = ctx.quick ? 0 : 4;
  const sbIdle = await startSandbox({ timeScale: 1, threads: 8, scaleListen: false });
  const extra = {
    bridge: /** @type {import("../lib/procs.js").Proc[]} */ ([]),
    listener: /** @type {import("../lib/procs.js").Proc[]} */ ([]),
  };
  for (let i = 0; i < extraCount; i++) {
    extra.bridge.push((await startBridge({ nodeArgs: NODE_ARGS })).proc);
    extra.listener.push(await startListener({ sandbox: sbIdle, agentUrl: fake.url, nodeArgs: NODE_ARGS }));
  }
  try {
    const procs = { bridge: bridge.proc, bare: bare.proc, listener: ours, sequential: seq, arenas };
    const names = /** @type {(keyof typeof procs)[]} */ (Object.keys(procs));
    const all = async (/** @type {(n: keyof typeof procs) => Promise<void>} */ fn) => {
      for (const n of names) await fn(n);
    };
    /** @type {Record<string, any>} */
    const r = Object.fromEntries(names.map((n) => [n, { start: rss(procs[n].pid) }]));

    // 1. Idle as the process is: started and left alone, nothing forced.
    await sleep(settleMs);
    await all(async (n) => {
      r[n].idle = rss(procs[n].pid);
    });
    /** Idle RSS of every start of a kind, the measured process first. */
    const idleStarts = {
      bridge: [r.bridge.idle.rssMb, ...extra.bridge.map((p) => rss(p.pid).rssMb)],
      listener: [r.listener.idle.rssMb, ...extra.listener.map((p) => rss(p.pid).rssMb)],
    };
    const idleBridge = spread(idleStarts.bridge);
    const idleListener = spread(idleStarts.listener);
    await Promise.all([...extra.bridge, ...extra.listener].map((p) => p.kill()));
    ctx.log(`  idle: ${names.map((n) => `${n} ${r[n].idle.rssMb.toFixed(1)} MB`).join(", ")}`);
    ctx.log(
      `  idle over ${idleBridge.n} starts: bridge ${fmtSpread(idleBridge, " MB")}, listener ${fmtSpread(idleListener, " MB")}`,
    );

    // 2. The same after a full GC and a quiet period: the GC starts V8's memory reducer, which
    //    shrinks the heap ~8 s later if the process stays quiet (without a GC to start it, whether
    //    it runs in a quiet period is luck), and its helper threads take their malloc arenas. The
    //    end of the run is read the same way, so growth compares like with like.
    await all(async (n) => {
      r[n].idleHeap = await liveHeap(procs[n]);
    });
    await sleep(settleMs);
    await all(async (n) => {
      r[n].idleGc = rss(procs[n].pid);
    });

    // 3. The turns, one process after another.
    const httpSids = Array.from({ length: turns / 5 }, () => callSid());
    const relaySids = Array.from({ length: turns / 5 }, () => callSid());
    /** @type {Record<string, (from: number, to: number) => Promise<void>>} */
    const drive = {
      bridge: (a, b) => httpTurns(bridge.url, a, b, httpSids),
      bare: (a, b) => httpTurns(bare.url, a, b, httpSids),
      listener: (a, b) => relayTurns(sbA.api, a, b, relaySids, "listener"),
      sequential: (a, b) => relayTurns(sbB.api, a, b, relaySids, "sequential"),
      arenas: (a, b) => relayTurns(sbC.api, a, b, relaySids, "arenas"),
    };
    await all(async (n) => {
      const t0 = performance.now();
      const run = /** @type {(a: number, b: number) => Promise<void>} */ (drive[n]);
      await run(0, warm);
      r[n].afterWarm = rss(procs[n].pid);
      await run(warm, turns);
      r[n].after = rss(procs[n].pid);
      r[n].seconds = (performance.now() - t0) / 1000;
      ctx.log(
        `  ${n.padEnd(10)} ${turns} turns in ${r[n].seconds.toFixed(1)} s: ${r[n].after.rssMb.toFixed(1)} MB right after`,
      );
    });

    // 4. After the turns, read as in 2.
    await all(async (n) => {
      r[n].afterHeap = await liveHeap(procs[n]);
    });
    await sleep(settleMs);
    await all(async (n) => {
      r[n].settled = rss(procs[n].pid);
      r[n].settledHeap = await liveHeap(procs[n]);
      ctx.log(
        `  ${n.padEnd(10)} idle ${r[n].idle.rssMb.toFixed(1)} MB, after GC and ${settleMs / 1000} s ${r[n].idleGc.rssMb.toFixed(1)} → ${r[n].settled.rssMb.toFixed(1)} MB; live heap ${r[n].idleHeap.heapUsedMb.toFixed(1)} → ${r[n].settledHeap.heapUsedMb.toFixed(1)} MB`,
      );
    });

    const growth = (/** @type {string} */ n) => r[n].settled.rssMb - r[n].idleGc.rssMb;
    /** Live objects after a forced full GC, before and after the turns: what a leak would grow. */
    const heapGrowth = (/** @type {string} */ n) => r[n].settledHeap.heapUsedMb - r[n].idleHeap.heapUsedMb;
    const mb = (/** @type {number} */ x) => x.toFixed(1);
    const label = {
      bridge: "bridge",
      bare: "bare node:http",
      listener: "listener",
      sequential: "sequential listener",
      arenas: "listener, MALLOC_ARENA_MAX=2 (diagnostic)",
    };
    return {
      title: "Memory (RSS idle, live heap growth)",
      settings: {
        turns,
        calls: turns / 5,
        settleMs,
        listenerBatch: 100,
        source: "/proc/<pid>/status VmRSS",
        nodeArgs: NODE_ARGS.join(" ").replace(ROOT, "."),
      },
      targets: [
        {
          what: `bridge idle RSS (${idleBridge.n} starts)`,
          target: "≤ 80 MB",
          measured: idleBridge,
          unit: " MB",
          baseline: r.bare.idle.rssMb,
          ratio: idleBridge.median / r.bare.idle.rssMb,
          verdict: verdict(idleBridge.median, "<=", 80),
        },
        {
          what: `bridge live-heap growth after GC over ${turns} turns`,
          target: "≤ 10 MB",
          measured: heapGrowth("bridge"),
          unit: " MB",
          baseline: heapGrowth("bare"),
          verdict: verdict(heapGrowth("bridge"), "<=", 10),
        },
        {
          what: `listener idle RSS (${idleListener.n} starts)`,
          target: "≤ 80 MB",
          measured: idleListener,
          unit: " MB",
          baseline: r.sequential.idle.rssMb,
          ratio: idleListener.median / r.sequential.idle.rssMb,
          verdict: verdict(idleListener.median, "<=", 80),
        },
        {
          what: `listener live-heap growth after GC over ${turns} turns`,
          target: "≤ 10 MB",
          measured: heapGrowth("listener"),
          unit: " MB",
          baseline: heapGrowth("sequential"),
          verdict: verdict(heapGrowth("listener"), "<=", 10),
        },
      ],
      tables: [
        {
          title: `RSS in MB (one run; every reading after ${settleMs / 1000} s quiet unless marked)`,
          columns: [
            "process",
            "just started",
            "idle",
            "idle, after a GC",
            `right after ${warm} turns`,
            `right after ${turns} turns`,
            `after ${turns} turns, after a GC`,
            "growth",
            "peak (VmHWM)",
          ],
          rows: names.map((n) => [
            label[n],
            r[n].start.rssMb,
            r[n].idle.rssMb,
            r[n].idleGc.rssMb,
            r[n].afterWarm.rssMb,
            r[n].after.rssMb,
            r[n].settled.rssMb,
            growth(n),
            r[n].settled.hwmMb,
          ]),
        },
        {
          title: "What it is made of (MB; the two GC'd readings above)",
          columns: [
            "process",
            "anonymous + file-backed",
            "V8 heap: live (used)",
            "V8 heap: committed",
            "outside the V8 heap (anonymous − committed)",
          ],
          rows: names.map((n) => [
            label[n],
            `${mb(r[n].idleGc.anonMb)} + ${mb(r[n].idleGc.fileMb)} → ${mb(r[n].settled.anonMb)} + ${mb(r[n].settled.fileMb)}`,
            `${mb(r[n].idleHeap.heapUsedMb)} → ${mb(r[n].settledHeap.heapUsedMb)}`,
            `${mb(r[n].idleHeap.heapTotalMb)} → ${mb(r[n].settledHeap.heapTotalMb)}`,
            `${mb(r[n].idleGc.anonMb - r[n].idleHeap.heapTotalMb)} → ${mb(r[n].settled.anonMb - r[n].settledHeap.heapTotalMb)}`,
          ]),
        },
      ],
      notes: [
        `Growth is the live heap (heapUsed after a forced full GC) after the turns minus before them: bridge ${mb(heapGrowth("bridge"))} MB against the bare node:http server's ${mb(heapGrowth("bare"))} MB; listener ${mb(heapGrowth("listener"))} MB against the stateless sequential listener's ${mb(heapGrowth("sequential"))} MB. The difference is the bounded per-call caches filling up over 2,000 calls. RSS growth, which moves by several MB from run to run for the baselines too, is in the table below (bridge ${mb(growth("bridge"))}, bare ${mb(growth("bare"))}, listener ${mb(growth("listener"))}, sequential ${mb(growth("sequential"))} MB).`,
        `Idle RSS of each start (MB): bridge ${idleStarts.bridge.map(mb).join(", ")}; listener ${idleStarts.listener.map(mb).join(", ")}. Listener starts fall into two groups about 10 MB apart (~70 and ~80 MB over the development runs); the difference is memory outside the V8 heap, whose live objects are the same ~13 MB either way. It is most likely freed memory the C allocator keeps for one of Node's helper threads (the diagnostic listener with MALLOC_ARENA_MAX=2 idles at ${mb(r.arenas.idle.rssMb)} MB here), so whether a start has it is not under the listener's control, and the median of a few starts can land on either side of 80 MB.`,
        `Where the listener's growth (${mb(growth("listener"))} MB) sits: outside the V8 heap ${mb(r.listener.idleGc.anonMb - r.listener.idleHeap.heapTotalMb)} → ${mb(r.listener.settled.anonMb - r.listener.settledHeap.heapTotalMb)} MB, V8 heap committed ${mb(r.listener.idleHeap.heapTotalMb)} → ${mb(r.listener.settledHeap.heapTotalMb)} MB, of which live objects ${mb(r.listener.idleHeap.heapUsedMb)} → ${mb(r.listener.settledHeap.heapUsedMb)} MB (the bounded per-call caches filling up). The rest is memory outside the V8 heap kept after the burst. The baseline sequential listener, a plain fetch loop with no state at all, grows ${mb(growth("sequential"))} MB, ${mb(r.sequential.idleGc.anonMb - r.sequential.idleHeap.heapTotalMb)} → ${mb(r.sequential.settled.anonMb - r.sequential.settledHeap.heapTotalMb)} MB of it outside the V8 heap: this much comes with an HTTP client process under Node 20, not with the listener's own state. The figure moves by several MB from run to run with the same code (see the history table at the top).`,
        `With MALLOC_ARENA_MAX=2 the idle figure is steady but memory outside the V8 heap grows ${mb(r.arenas.idleGc.anonMb - r.arenas.idleHeap.heapTotalMb)} → ${mb(r.arenas.settled.anonMb - r.arenas.settledHeap.heapTotalMb)} MB over the turns: the allocator setting moves the memory around rather than saving it, so it is not a fix.`,
        "Idle is the process as it is, 12 s after start with nothing forced. Growth compares two readings taken the same way: a full GC (which also starts V8's memory reducer), then 12 s of quiet. Without that, RSS after a burst sits at the heap's high-water mark until V8 happens to collect, and the difference mostly measures GC timing (see \"right after\").",
        "File-backed RSS is mostly the `node` binary's own pages, shared by every Node process on the machine; the anonymous part is the process's own.",
        "Live heap = `heapUsed` after a forced full GC (`--expose-gc` and a SIGUSR2 handler preloaded from bench/lib/gc-preload.js in every measured process, baselines included). The bridge's and listener's per-call caches are bounded (conversations ≤ 1,000 calls; journal ≤ 5,000, last-seen ≤ 10,000) and fill up over the run's 2,000 calls.",
      ],
      raw: { ...r, idleBridge, idleListener, idleStarts },
    };
  } finally {
    await Promise.all([sbA.api.close(), sbB.api.close(), sbC.api.close(), sbIdle.api.close()]);
  }
}
