// @ts-check
/**
 * The baseline listener for the benchmarks: one message at a time, as the published reference
 * listener (`skill/listener/clawcall-listener.js` v2.1.0) works — poll, ask the agent, respond, poll
 * again. Same request shapes and timeouts as the reference (`timeout=15`, 25 s client socket timeout,
 * 50 s agent timeout, 3 s sleep after an error), but with a keep-alive client (global `fetch`), so
 * that it is a fair floor for the per-turn overhead and differs from our listener only by design.
 *
 *   CLAWCALL_API_URL=… CLAWCALL_API_KEY=… CLAWCALL_AGENT_URL=… node bench/sequential-listener.js [maxRunMs]
 *
 * It stops by itself after `maxRunMs` (default 10 minutes), on SIGTERM/SIGINT, or on a 401.
 */

const api = (process.env.CLAWCALL_API_URL ?? "").replace(/\/+$/, "");
const key = process.env.CLAWCALL_API_KEY ?? "";
const agentUrl = (process.env.CLAWCALL_AGENT_URL ?? "").replace(/\/+$/, "");
const maxRunMs = Number(process.argv[2] ?? 600_000);
if (!api.startsWith("http://127.0.0.1") || !agentUrl.startsWith("http://127.0.0.1") || !key) {
  process.stderr.write(
    "sequential listener: needs loopback CLAWCALL_API_URL and CLAWCALL_AGENT_URL, and CLAWCALL_API_KEY\n",
  );
  process.exit(78);
}

const stopAt = Date.now() + maxRunMs;
let stopping = false;
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));

const auth = { authorization: `Bearer ${key}` };
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @param {string} callSid
 * @param {string} message
 * @returns {Promise<{ response: string, end_call: boolean }>}
 */
async function askAgent(callSid, message) {
  try {
    const res = await fetch(`${agentUrl}/clawcall/message`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ call_sid: callSid, message }),
      signal: AbortSignal.timeout(50_000),
    });
    const j = /** @type {Record<string, unknown>} */ (await res.json());
    const text = j.response ?? j.reply ?? j.text;
    if (typeof text === "string" && text.trim()) return { response: text, end_call: j.end_call === true };
  } catch {}
  return { response: "I had a little trouble with that — could you repeat it?", end_call: false };
}

let answered = 0;
process.stdout.write(`sequential listener polling ${api}\n`);
while (!stopping && Date.now() < stopAt) {
  try {
    const res = await fetch(`${api}/api/v1/calls/listen?timeout=15`, {
      headers: auth,
      signal: AbortSignal.timeout(25_000),
    });
    if (res.status === 401) {
      process.stderr.write("sequential listener: 401, stopping\n");
      stopping = true;
      break;
    }
    const j = /** @type {{ call_sid?: string, message?: string }} */ (await res.json());
    if (typeof j.call_sid !== "string") continue;
    const answer = await askAgent(j.call_sid, String(j.message ?? ""));
    await fetch(`${api}/api/v1/calls/respond/${encodeURIComponent(j.call_sid)}`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(answer),
      signal: AbortSignal.timeout(10_000),
    }).then((r) => r.arrayBuffer());
    answered++;
  } catch (err) {
    process.stderr.write(`sequential listener: ${/** @type {Error} */ (err).message}; sleeping 3 s\n`);
    await sleep(3_000);
  }
}
process.stdout.write(`sequential listener stopped after ${answered} answers\n`);
process.exit(0);
