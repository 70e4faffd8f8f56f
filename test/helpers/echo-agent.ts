/**
 * A stand-in for the listener and bridge: long-polls the sandbox relay with the demo key and answers
 * "You said: …". A message with "slow" in it is answered only once the caller has heard a filler;
 * "goodbye" ends the call.
 */
import { SANDBOX_DEMO_API_KEY } from "../../src/config/index.js";
import type { Sandbox } from "../../src/sandbox/index.js";

const AUTH = { Authorization: `Bearer ${SANDBOX_DEMO_API_KEY}` };

/**
 * Long-polls the sandbox relay with the demo key and hands each message to `onMessage` until stopped:
 * the loop every stand-in agent shares (`seen` keeps the messages in order).
 */
export function answerRelay(url: string, onMessage: (sid: string, message: string) => void) {
  const ac = new AbortController();
  const seen: string[] = [];
  const loop = (async () => {
    while (!ac.signal.aborted) {
      try {
        const r = await fetch(`${url}/api/v1/calls/listen?timeout=20`, { headers: AUTH, signal: ac.signal });
        const m = (await r.json()) as { call_sid?: string; message?: string };
        if (!m.call_sid || m.message === undefined) continue;
        seen.push(m.message);
        onMessage(m.call_sid, m.message);
      } catch {
        // The sandbox closing under the poll; the loop ends with the abort.
        if (!ac.signal.aborted) await new Promise((r) => setTimeout(r, 50));
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

/** Posts the agent's answer to a call (failures ignored: the call may have ended). */
export function respond(url: string, sid: string, response: string, end_call: boolean): Promise<void> {
  return fetch(`${url}/api/v1/calls/respond/${encodeURIComponent(sid)}`, {
    method: "POST",
    headers: { ...AUTH, "Content-Type": "application/json" },
    body: JSON.stringify({ response, end_call }),
  }).then(
    () => {},
    () => {},
  );
}

export function startEchoAgent(sb: Sandbox, url: string) {
  const answer = (sid: string, message: string) =>
    respond(url, sid, `You said: ${message}`, /goodbye/i.test(message));
  return answerRelay(url, (sid, message) => {
    if (!/slow/i.test(message)) {
      void answer(sid, message);
      return;
    }
    const after = sb.sim.call(sid).events_count - 1;
    void sb.sim.waitFor(sid, "filler", { after, timeoutMs: 20_000 }).then(() => answer(sid, message));
  });
}
