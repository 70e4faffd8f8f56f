// @ts-check
/**
 * A diagnostic listener for the turn benchmark: the listener's own classes from dist/ (relay client,
 * HTTP agent, journal, dispatcher, responder), wired as `dist/listener/main.js` wires them, with
 * timestamps around the relay and agent calls. It shows where a turn's time goes between the relay's
 * timestamps. Environment as for the listener (CLAWCALL_API_URL, CLAWCALL_AGENT_URL,
 * CLAWCALL_STATE_DIR, CLAWCALL_SANDBOX_TIME_SCALE); prints one `probe {json}` line per turn on
 * stderr, using the same clock as bench/lib/sandbox-main.js (performance.timeOrigin + now).
 * Stops by itself after `maxRunMs` (argv[2], default 2 minutes) or on SIGTERM.
 */
import { loadConfig } from "../../dist/config/index.js";
import { HttpAgent } from "../../dist/listener/agents/http.js";
import { Journal, journalPath } from "../../dist/listener/journal.js";
import { Listener } from "../../dist/listener/listener.js";
import { keyIdOf } from "../../dist/listener/main.js";
import { turnDeadlineMs } from "../../dist/listener/timings.js";
import { createLogger } from "../../dist/log.js";
import { createRelayClient } from "../../dist/relay/index.js";
import { realClock } from "../../dist/util/clock.js";

const now = () => performance.timeOrigin + performance.now();
const config = loadConfig({ dotenv: false });
const logger = createLogger({ level: config.logLevel, service: "listener", production: true });
if (!config.listener.agentUrl) throw new Error("CLAWCALL_AGENT_URL is required");
const relay = createRelayClient({
  apiUrl: config.relay.apiUrl,
  apiKey: config.relay.apiKey,
  logger,
  connections: 4,
});
const agent = new HttpAgent({
  agentUrl: config.listener.agentUrl,
  token: config.bridge.token,
  logger,
  connections: config.listener.maxTurns,
});

/** @type {Map<string, Record<string, number>>} the turn in progress per call */
const open = new Map();
const emit = (/** @type {string} */ sid) => {
  const m = open.get(sid);
  if (m) process.stderr.write(`probe ${JSON.stringify({ sid, ...m })}\n`);
  open.delete(sid);
};

// dist/ carries no type declarations: the shapes are RelayPort and Agent of src/listener/types.ts.
/** @type {any} */
const probedRelay = {
  /** @param {number} t @param {AbortSignal} [signal] */
  async listen(t, signal) {
    const r = await relay.listen(t, signal);
    if ("call_sid" in r && typeof r.call_sid === "string") open.set(r.call_sid, { listenReturned: now() });
    return r;
  },
  /** @param {string} sid @param {string} text @param {boolean} endCall @param {any} [o] */
  async respond(sid, text, endCall, o) {
    const m = open.get(sid);
    if (m) m.respondStart = now();
    const r = await relay.respond(sid, text, endCall, o);
    if (m) m.respondEnd = now();
    emit(sid);
    return r;
  },
  history: (/** @type {any} */ opts, /** @type {any} */ o) => relay.history(opts, o),
};
/** @type {any} */
const probedAgent = {
  mode: "HTTP",
  /** @param {{ callSid: string }} req @param {AbortSignal} signal */
  async answer(req, signal) {
    const m = open.get(req.callSid);
    if (m) m.agentStart = now();
    const r = await agent.answer(req, signal);
    if (m) m.agentEnd = now();
    return r;
  },
  notify: (
    /** @type {string} */ sid,
    /** @type {string} */ message,
    /** @type {any} */ event,
    /** @type {AbortSignal} */ signal,
  ) => agent.notify(sid, message, event, signal),
  close: () => agent.close(),
};

const listener = new Listener({
  relay: probedRelay,
  agent: probedAgent,
  clock: realClock,
  logger,
  pollTimeoutS: config.listener.pollTimeoutS,
  maxTurns: config.listener.maxTurns,
  journal: new Journal({ path: journalPath(config.stateDir, keyIdOf(config.relay.apiKey)), logger }),
  turnMs: turnDeadlineMs(config),
  phoneTimeScale: config.relay.sandbox ? config.sandbox.timeScale : 1,
});
const maxRunMs = Number(process.argv[2] ?? 120_000);
setTimeout(() => process.exit(0), maxRunMs).unref();
process.on("SIGTERM", () => process.exit(0));
process.stdout.write("listener probe: Agent mode: HTTP\n");
await listener.run();
process.exit(0);
