// @ts-check
/**
 * Phone calls on the sandbox relay, driven through its simulation API, and the per-turn timings read
 * back from the call event log and the relay request log (sub-millisecond: bench/lib/sandbox-main.js).
 */

/** @typedef {import("./stack.js").SandboxApi} SandboxApi */
/** @typedef {{ index: number, type: string, t: number, [k: string]: unknown }} CallEvent */

/**
 * Waits for the first event of `types` after index `after`.
 * @param {SandboxApi} api
 * @param {string} sid
 * @param {string} types comma-separated
 * @param {number} after
 * @param {number} [timeoutMs]
 * @returns {Promise<CallEvent>}
 */
export async function waitEvent(api, sid, types, after, timeoutMs = 20_000) {
  const r = await api.get(
    `/sandbox/calls/${encodeURIComponent(sid)}/wait?type=${types}&after=${after}&timeout_ms=${timeoutMs}`,
  );
  if (!r.event) throw new Error(`call ${sid}: no ${types} after event ${after} (${JSON.stringify(r)})`);
  return r.event;
}

/**
 * The demo user dials the shared number; resolves once the greeting's gather listens.
 * @param {SandboxApi} api
 * @returns {Promise<{ sid: string, after: number }>}
 */
export async function startCall(api) {
  const r = await api.post("/sandbox/calls", { manual_silence: true });
  const sid = /** @type {string} */ (r.call_sid);
  const g = await waitEvent(api, sid, "gather", -1);
  return { sid, after: g.index };
}

/**
 * The caller says `text` at the open gather; resolves with the index of `agent_responded`.
 * @param {SandboxApi} api
 * @param {string} sid
 * @param {string} text
 * @param {number} after
 * @param {number} [timeoutMs]
 */
export async function say(api, sid, text, after, timeoutMs = 20_000) {
  const r = await api.post(`/sandbox/calls/${encodeURIComponent(sid)}/say`, { text });
  if (!r.captured) throw new Error(`call ${sid}: "${text}" was not heard (no gather listening)`);
  const ev = await waitEvent(api, sid, "agent_responded", after, timeoutMs);
  return ev;
}

/**
 * A conversation of `turns` turns: say, wait for the answer to be stored, wait for the next gather.
 * @param {SandboxApi} api
 * @param {{ sid: string, after: number }} call
 * @param {number} turns
 * @param {(k: number) => string} text
 */
export async function converse(api, call, turns, text) {
  let after = call.after;
  for (let k = 0; k < turns; k++) {
    const ans = await say(api, call.sid, text(k), after);
    const g = await waitEvent(api, call.sid, "gather", ans.index);
    after = g.index;
  }
  call.after = after;
}

/**
 * @param {SandboxApi} api
 * @param {string} sid
 */
export async function hangup(api, sid) {
  await api.post(`/sandbox/calls/${encodeURIComponent(sid)}/hangup`).catch(() => {});
}

/**
 * @typedef {object} TurnTiming
 * @property {string} sid
 * @property {number} k turn number within the call
 * @property {number} queued relay queued the caller's message (epoch ms, sub-ms)
 * @property {number} pickedUp the relay wrote it into the listener's long poll (`listen` answered)
 * @property {number} respondArrived the listener's `respond` reached the relay
 * @property {number} stored the relay stored the answer (`agent_responded`)
 * @property {string} text what was stored
 */

/**
 * Per-turn timestamps of calls whose turns were strictly one at a time: the k-th `message_queued`
 * of a call goes with its k-th delivering `listen`, k-th `respond` and k-th `agent_responded`.
 * @param {SandboxApi} api
 * @param {string[]} sids
 * @returns {Promise<TurnTiming[]>}
 */
export async function turnTimings(api, sids) {
  const listens = /** @type {any[]} */ ((await api.get("/sandbox/stats?endpoint=listen")).requests);
  const responds = /** @type {any[]} */ ((await api.get("/sandbox/stats?endpoint=respond")).requests);
  /** @type {TurnTiming[]} */
  const out = [];
  for (const sid of sids) {
    const call = (await api.get(`/sandbox/calls/${encodeURIComponent(sid)}`)).call;
    const evs = /** @type {CallEvent[]} */ (call.events);
    const queued = evs.filter((e) => e.type === "message_queued");
    const stored = evs.filter((e) => e.type === "agent_responded");
    const polls = listens.filter((r) => r.delivered_call_sid === sid).sort((a, b) => a.t - b.t);
    const posts = responds
      .filter((r) => r.path.endsWith(`/${sid}`) && r.status === 200)
      .sort((a, b) => a.t - b.t);
    const n = Math.min(queued.length, stored.length, polls.length, posts.length);
    for (let k = 0; k < n; k++) {
      const q = /** @type {CallEvent} */ (queued[k]);
      const s = /** @type {CallEvent} */ (stored[k]);
      out.push({
        sid,
        k,
        queued: q.t,
        pickedUp: polls[k].ended_t,
        respondArrived: posts[k].t,
        stored: s.t,
        text: String(s.text ?? ""),
      });
    }
  }
  return out;
}
