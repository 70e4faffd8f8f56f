/**
 * A stand-in for the listener and bridge: long-polls the sandbox relay with the demo key and answers
 * "You said: …". A message with "slow" in it is answered only once the caller has heard a filler;
 * "goodbye" ends the call.
 */
import { SANDBOX_DEMO_API_KEY } from "../../src/config/index.js";
import type { Sandbox } from "../../src/sandbox/index.js";

const AUTH = { Authorization: `Bearer ${SANDBOX_DEMO_API_KEY}` };

export function startEchoAgent(sb: Sandbox, url: string) {
  const ac = new AbortController();
  const seen: string[] = [];
  const respond = (sid: string, message: string) =>
    fetch(`${url}/api/v1/calls/respond/${encodeURIComponent(sid)}`, {
      method: "POST",
      headers: { ...AUTH, "Content-Type": "application/json" },
      body: JSON.stringify({ response: `You said: ${message}`, end_call: /goodbye/i.test(message) }),
    }).catch(() => {});
  const loop = (async () => {
    while (!ac.signal.aborted) {
      try {
        const r = await fetch(`${url}/api/v1/calls/listen?timeout=20`, { headers: AUTH, signal: ac.signal });
        const m = (await r.json()) as { call_sid?: string; message?: string };
        if (!m.call_sid || m.message === undefined) continue;
        const { call_sid: sid, message } = m;
        seen.push(message);
        if (!/slow/i.test(message)) {
          void respond(sid, message);
          continue;
        }
        const after = sb.sim.call(sid).events_count - 1;
        void sb.sim.waitFor(sid, "filler", { after, timeoutMs: 20_000 }).then(() => respond(sid, message));
      } catch {
        // The sandbox closing under the poll; the loop ends with the abort.
        if (!ac.signal.aborted) await new Promise((r) => setImmediate(r));
      }
    }
  })();
  return {
    seen,
    async stop() {
      ac.abort();
      await loop;
    },
  };
}
