/**
 * The simulation API over HTTP, under `/sandbox/` (never part of the relay API). Plain JSON in and out:
 * `{ok:true, …}` or `{ok:false, error}` with 400 (bad body), 404 (unknown call/schedule/agent) or 409
 * (the call is not in a state that allows it).
 */
import { z } from "zod";
import type { SandboxCore } from "./core.js";
import { dedicatedNumberSchema, sharedNumberSchema } from "./seed.js";
import { answerSchema, type Simulation, startCallSchema, textSchema } from "./sim.js";
import { SimError } from "./telephony.js";

export interface SimReply {
  status: number;
  body: unknown;
}

interface SimReq {
  method: string;
  params: string[];
  query: URLSearchParams;
  body: unknown;
}

type SimHandler = (sim: Simulation, req: SimReq, core: SandboxCore) => unknown | Promise<unknown>;

const SID = "([^/]+)";

function intParam(q: URLSearchParams, name: string, dflt: number, min: number, max: number): number {
  const raw = q.get(name);
  if (raw === null || raw === "") return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new SimError(400, `${name} must be a number`);
  return Math.min(max, Math.max(min, Math.trunc(n)));
}

function typesParam(q: URLSearchParams): string[] {
  return (q.get("type") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

const routes: Array<{ method: string; re: RegExp; handler: SimHandler }> = [
  { method: "GET", re: /^\/sandbox\/?$/, handler: (sim) => sim.config() },
  { method: "GET", re: /^\/sandbox\/config$/, handler: (sim) => sim.config() },
  {
    method: "POST",
    re: /^\/sandbox\/calls$/,
    handler: (sim, req) => {
      const call = sim.startCall(startCallSchema.parse(req.body));
      return { call_sid: call.sid, call };
    },
  },
  {
    method: "GET",
    re: /^\/sandbox\/calls$/,
    handler: (sim, req) => ({
      calls: sim.calls({
        kind: req.query.get("kind") ?? undefined,
        state: req.query.get("state") ?? undefined,
      }),
    }),
  },
  {
    method: "GET",
    re: new RegExp(`^/sandbox/calls/${SID}$`),
    handler: (sim, req) => ({ call: sim.call(req.params[0]!) }),
  },
  {
    method: "GET",
    re: new RegExp(`^/sandbox/calls/${SID}/wait$`),
    handler: async (sim, req) => {
      const after = intParam(req.query, "after", -1, -1, Number.MAX_SAFE_INTEGER);
      const timeoutMs = intParam(req.query, "timeout_ms", 10_000, 0, 600_000);
      const r = await sim.waitForRaw(req.params[0]!, typesParam(req.query), after, timeoutMs);
      if (r === "ended") return { ok: false, ended: true };
      if (r === null) return { ok: false, timeout: true };
      return { event: r };
    },
  },
  {
    method: "POST",
    re: new RegExp(`^/sandbox/calls/${SID}/say$`),
    handler: (sim, req) => sim.say(req.params[0]!, textSchema.parse(req.body).text),
  },
  {
    method: "POST",
    re: new RegExp(`^/sandbox/calls/${SID}/third-party-say$`),
    handler: (sim, req) => sim.thirdPartySay(req.params[0]!, textSchema.parse(req.body).text),
  },
  {
    method: "POST",
    re: new RegExp(`^/sandbox/calls/${SID}/silence$`),
    handler: (sim, req) => sim.silence(req.params[0]!),
  },
  {
    method: "POST",
    re: new RegExp(`^/sandbox/calls/${SID}/hangup$`),
    handler: (sim, req) => ({ call: sim.hangup(req.params[0]!) }),
  },
  {
    method: "POST",
    re: new RegExp(`^/sandbox/calls/${SID}/answer$`),
    handler: (sim, req) => ({ call: sim.answer(req.params[0]!, answerSchema.parse(req.body)) }),
  },
  {
    method: "POST",
    re: new RegExp(`^/sandbox/calls/${SID}/reject$`),
    handler: (sim, req) => ({ call: sim.reject(req.params[0]!) }),
  },
  {
    method: "POST",
    re: new RegExp(`^/sandbox/calls/${SID}/ignore$`),
    handler: (sim, req) => ({ call: sim.ignore(req.params[0]!) }),
  },
  {
    method: "GET",
    re: /^\/sandbox\/events\/wait$/,
    handler: async (sim, req) => {
      const afterSeq = intParam(req.query, "after_seq", 0, 0, Number.MAX_SAFE_INTEGER);
      const timeoutMs = intParam(req.query, "timeout_ms", 10_000, 0, 600_000);
      const r = await sim.waitForAny(typesParam(req.query), { afterSeq, timeoutMs });
      return r ? { call_sid: r.call_sid, event: r.event } : { ok: false, timeout: true };
    },
  },
  { method: "GET", re: /^\/sandbox\/events\/last-seq$/, handler: (sim) => ({ seq: sim.lastSeq() }) },
  { method: "GET", re: /^\/sandbox\/outbound$/, handler: (sim) => ({ calls: sim.outbound() }) },
  { method: "GET", re: /^\/sandbox\/schedules$/, handler: (sim) => ({ schedules: sim.schedules() }) },
  {
    method: "POST",
    re: new RegExp(`^/sandbox/schedules/${SID}/fire$`),
    handler: (sim, req) => {
      const r = sim.fireSchedule(req.params[0]!);
      return r.ok ? { call_sid: r.call_sid } : { call_sid: null, skipped: r.skipped };
    },
  },
  {
    method: "GET",
    re: /^\/sandbox\/accounts$/,
    handler: (sim) => ({ accounts: sim.accounts(), demo: sim.demo() }),
  },
  { method: "POST", re: /^\/sandbox\/accounts$/, handler: (sim, req) => sim.addAccount(req.body as never) },
  { method: "POST", re: /^\/sandbox\/call-logs$/, handler: (sim, req) => sim.addCallLog(req.body as never) },
  {
    method: "POST",
    re: /^\/sandbox\/shared-number$/,
    handler: (sim, req) => sim.setSharedNumber(sharedNumberSchema.parse(req.body).number),
  },
  {
    method: "POST",
    re: /^\/sandbox\/dedicated-number$/,
    handler: (sim, req) => sim.setDedicatedNumber(dedicatedNumberSchema.parse(req.body)),
  },
  {
    method: "POST",
    re: /^\/sandbox\/accounts\/tier$/,
    handler: (sim, req) => sim.setTier(req.body as never),
  },
  {
    method: "POST",
    re: /^\/sandbox\/accounts\/refill$/,
    handler: (sim, req) => sim.refillMinutes((req.body ?? {}) as never),
  },
  { method: "POST", re: /^\/sandbox\/inject$/, handler: (sim, req) => sim.inject(req.body as never) },
  { method: "GET", re: /^\/sandbox\/queues$/, handler: (sim) => sim.queues() },
  {
    method: "POST",
    re: /^\/sandbox\/faults$/,
    handler: (sim, req) => ({ fault: sim.addFault(req.body as never) }),
  },
  { method: "GET", re: /^\/sandbox\/faults$/, handler: (sim) => ({ faults: sim.faults() }) },
  { method: "DELETE", re: /^\/sandbox\/faults$/, handler: (sim) => ({ cleared: sim.clearFaults() }) },
  {
    method: "GET",
    re: /^\/sandbox\/stats$/,
    handler: (sim, req, core) => ({
      requests: sim.stats(req.query.get("endpoint") ?? undefined),
      counts: core.stats.counts(),
      threads: sim.threads(),
    }),
  },
  {
    method: "DELETE",
    re: /^\/sandbox\/stats$/,
    handler: (sim) => {
      sim.clearStats();
      return {};
    },
  },
];

/** Runs one simulation API request. */
export async function handleSim(
  sim: Simulation,
  core: SandboxCore,
  method: string,
  path: string,
  query: URLSearchParams,
  rawBody: string,
): Promise<SimReply> {
  const hits = routes.map((r) => ({ r, m: r.re.exec(path) })).filter((x) => x.m);
  if (hits.length === 0) return { status: 404, body: { ok: false, error: `no simulation route ${path}` } };
  const hit = hits.find((x) => x.r.method === method || (method === "HEAD" && x.r.method === "GET"));
  if (!hit) return { status: 405, body: { ok: false, error: `method ${method} not allowed on ${path}` } };
  let body: unknown = {};
  if (rawBody.trim() !== "") {
    try {
      body = JSON.parse(rawBody);
    } catch {
      return { status: 400, body: { ok: false, error: "body is not valid JSON" } };
    }
  }
  try {
    const params = hit.m!.slice(1).map((p) => decodeURIComponent(p));
    const out = (await hit.r.handler(sim, { method, params, query, body }, core)) as Record<string, unknown>;
    return { status: 200, body: { ok: true, ...out } };
  } catch (err) {
    if (err instanceof SimError) return { status: err.status, body: { ok: false, error: err.message } };
    if (err instanceof z.ZodError) {
      const msg = err.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
      return { status: 400, body: { ok: false, error: msg } };
    }
    throw err;
  }
}
