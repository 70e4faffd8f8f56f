import { type Dispatcher, request } from "undici";
import type { Config } from "../../config/index.js";
import { ClawcallError } from "../../errors.js";
import type { Logger } from "../../log.js";
import type { CommandRunner } from "../runner.js";
import { type ChatCall, postChat } from "./chat-http.js";
import { runCliModel } from "./cli.js";
import type { GatewayFacts, ModelBackend, ModelReply, ModelRequest } from "./types.js";

/** Separate gateway sessions: a stranger's or guest's words never join the owner's session for a call. */
const SESSION_TAG: Partial<Record<ModelRequest["purpose"], string>> = { third_party: "3p:", guest: "guest:" };

/** The owner's own turns: the only ones `CLAWCALL_GATEWAY_SESSION=main` routes into the main session. */
const OWNERS_TURN = new Set<ModelRequest["purpose"]>(["caller", "scheduled"]);
/** The agent's main session (`agent:<id>:main`, OpenClaw's default `session.mainKey`). */
const MAIN_SESSION = { "x-openclaw-session-key": "main" };

/** `user` names the call's own gateway session; in main-session mode the header routes instead. */
function sessionOf(m: GatewayDeps["config"], req: ModelRequest): { user?: string } {
  if (m.mainSession && OWNERS_TURN.has(req.purpose)) return {};
  return { user: `clawcall:${SESSION_TAG[req.purpose] ?? ""}${req.callSid}` };
}

/** The model override and the agent (also named in `model`; the header is the gateway's explicit pick). */
function agentHeaders(m: GatewayDeps["config"]): Record<string, string> {
  return {
    ...(m.model ? { "x-openclaw-model": m.model } : {}),
    ...(m.openclawAgent !== "default" ? { "x-openclaw-agent-id": m.openclawAgent } : {}),
  };
}

/** What a keep-warm turn tells the agent: nobody hears it, and a one-word reply keeps it cheap. */
const WARM_UP_SYSTEM =
  "Automatic keep-alive from the phone bridge; nobody is on the line and nothing is spoken. Reply with the single word OK and do nothing else.";

/** A keep-warm turn: the same path a call's turn takes (a `user` session), in a session no call uses. */
function warmUpCall(d: GatewayDeps, sessionKey: string, signal: AbortSignal): ChatCall {
  const m = d.config;
  return {
    dispatcher: d.dispatcher,
    url: `${m.gatewayUrl}/v1/chat/completions`,
    token: m.gatewayToken,
    body: {
      model: `openclaw/${m.openclawAgent}`,
      user: sessionKey,
      messages: [
        { role: "system", content: WARM_UP_SYSTEM },
        { role: "user", content: "keep-alive" },
      ],
    },
    headers: agentHeaders(m),
    signal,
    stallMs: m.stallMs,
    bodyTimeoutMs: d.workTimeoutMs,
  };
}

/** The line users need when the gateway's endpoint is off. */
export const ENABLE_CHAT_COMPLETIONS =
  "openclaw config set gateway.http.endpoints.chatCompletions.enabled true";

export interface GatewayDeps {
  config: Config["model"];
  runner: CommandRunner;
  dispatcher: Dispatcher;
  log: Logger;
  workTimeoutMs: number;
  close(): Promise<void>;
}

/**
 * Gateway mode: the OpenClaw gateway's `/v1/chat/completions` with a stable `user` per call; while
 * the endpoint is disabled (404), `openclaw infer model run --gateway` answers instead.
 */
export function gatewayBackend(d: GatewayDeps): ModelBackend {
  const { config: m, dispatcher, log, workTimeoutMs, close } = d;
  const facts: GatewayFacts = { reachable: null, chat_completions: null };
  let warnedDisabled = false;
  const markDisabled = () => {
    facts.chat_completions = false;
    if (!warnedDisabled) {
      warnedDisabled = true;
      log.warn(
        { code: "E_MODEL_DISABLED", enable: ENABLE_CHAT_COMPLETIONS },
        `the OpenClaw gateway's /v1/chat/completions endpoint is disabled; enable it with \`${ENABLE_CHAT_COMPLETIONS}\` (gateway.http.endpoints.chatCompletions.enabled: true in ~/.openclaw/openclaw.json). Falling back to the slower \`openclaw infer model run --gateway\` CLI.`,
      );
    }
  };
  const viaCli = async (req: ModelRequest): Promise<ModelReply> => {
    const text = await runCliModel(
      {
        bin: m.openclawBin,
        runner: d.runner,
        transport: "gateway",
        model: m.model,
        timeoutMs: workTimeoutMs,
      },
      req,
    );
    return { text, via: "gateway-cli" };
  };
  return {
    mode: "gateway",
    modelName: `openclaw/${m.openclawAgent}`,
    async complete(req) {
      if (facts.chat_completions === false) return viaCli(req);
      try {
        const text = await postChat({
          dispatcher,
          url: `${m.gatewayUrl}/v1/chat/completions`,
          token: m.gatewayToken,
          // The gateway keeps the conversation for a stable `user`: send only the new turn.
          body: {
            model: `openclaw/${m.openclawAgent}`,
            ...sessionOf(m, req),
            messages: [
              { role: "system", content: req.system },
              { role: "user", content: req.utterance },
            ],
          },
          headers: {
            ...agentHeaders(m),
            ...(m.mainSession && OWNERS_TURN.has(req.purpose) ? MAIN_SESSION : {}),
          },
          signal: req.signal,
          ...(req.onText ? { onText: req.onText } : {}),
          stallMs: m.stallMs,
          // A streamed answer may pause between chunks while the agent works; the work deadline bounds it.
          bodyTimeoutMs: workTimeoutMs,
        });
        facts.reachable = true;
        facts.chat_completions = true;
        return { text, via: "gateway-http" };
      } catch (err) {
        if (err instanceof ClawcallError && err.code === "E_MODEL_DISABLED") {
          facts.reachable = true;
          markDisabled();
          return viaCli(req);
        }
        if (err instanceof ClawcallError && err.code === "E_MODEL_TRANSPORT" && !req.signal.aborted) {
          facts.reachable = false;
        }
        throw err;
      }
    },
    async warmUp(sessionKey, signal) {
      // Over HTTP only: the CLI fallback runs a process per turn, and there is nothing in it to warm.
      if (facts.chat_completions === false) {
        throw new ClawcallError("E_MODEL_DISABLED", "no warm-up while the chat completions endpoint is off");
      }
      try {
        await postChat(warmUpCall(d, sessionKey, signal));
      } catch (err) {
        // The first request after start is often a warm-up: it says how to enable the endpoint.
        if (err instanceof ClawcallError && err.code === "E_MODEL_DISABLED") {
          facts.reachable = true;
          markDisabled();
        }
        throw err;
      }
    },
    gateway: () => facts,
    async probe() {
      const headers: Record<string, string> = { accept: "application/json" };
      if (m.gatewayToken) headers.authorization = `Bearer ${m.gatewayToken}`;
      try {
        const h = await request(`${m.gatewayUrl}/health`, {
          dispatcher,
          signal: AbortSignal.timeout(3_000),
        });
        await h.body.dump();
        facts.reachable = h.statusCode < 500;
      } catch {
        facts.reachable = false;
        return;
      }
      try {
        // GET /v1/models is served only while the chat completions endpoint is enabled.
        const r = await request(`${m.gatewayUrl}/v1/models`, {
          dispatcher,
          headers,
          signal: AbortSignal.timeout(3_000),
        });
        await r.body.dump();
        if (r.statusCode === 404) markDisabled();
        else if (r.statusCode < 300) {
          facts.chat_completions = true;
          warnedDisabled = false;
        }
      } catch {}
    },
    close,
  };
}
