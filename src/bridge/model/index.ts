import { Agent, type Dispatcher, request } from "undici";
import type { Config } from "../../config/index.js";
import { ClawcallError } from "../../errors.js";
import type { Logger } from "../../log.js";
import type { CommandRunner } from "../runner.js";
import { postChat } from "./chat-http.js";
import { runCliModel } from "./cli.js";
import type { GatewayFacts, ModelBackend, ModelReply, ModelRequest } from "./types.js";

export type { GatewayFacts, ModelBackend, ModelReply, ModelRequest } from "./types.js";

export interface ModelDeps {
  logger: Logger;
  runner: CommandRunner;
  /** HTTP dispatcher for the gateway / OpenAI-compatible server (tests inject one). */
  dispatcher?: Dispatcher;
  /** Deadline for one model call made in the background (the phone deadline is separate). */
  workTimeoutMs?: number;
}

/** The line users need when the gateway's endpoint is off. */
export const ENABLE_CHAT_COMPLETIONS =
  "openclaw config set gateway.http.endpoints.chatCompletions.enabled true";

const OPENAI_DEFAULT_MODEL = "gpt-4o-mini";

function makeDispatcher(): Dispatcher {
  return new Agent({
    keepAliveTimeout: 4_000,
    headersTimeout: 120_000,
    bodyTimeout: 30_000,
    connect: { timeout: 5_000 },
    connections: 16,
  });
}

/** Builds the back end for `CLAWCALL_PHONE_MODEL_MODE`. */
export function createModelBackend(config: Config, deps: ModelDeps): ModelBackend {
  const m = config.model;
  const ownsDispatcher = !deps.dispatcher;
  const dispatcher = deps.dispatcher ?? makeDispatcher();
  const log = deps.logger.child({ component: "model", mode: m.mode });
  const workTimeoutMs = deps.workTimeoutMs ?? 120_000;
  const close = async () => {
    if (ownsDispatcher) await dispatcher.close().catch(() => {});
  };
  const noGateway = (): GatewayFacts => ({ reachable: null, chat_completions: null });

  if (m.mode === "off") {
    return {
      mode: "off",
      modelName: "off",
      complete: () => Promise.reject(new ClawcallError("E_MODEL_DISABLED", "model fallback is off")),
      gateway: noGateway,
      probe: async () => {},
      close,
    };
  }

  if (m.mode === "local") {
    return {
      mode: "local",
      modelName: m.model ?? "openclaw local default",
      async complete(req) {
        const text = await runCliModel(
          {
            bin: m.openclawBin,
            runner: deps.runner,
            transport: "local",
            model: m.model,
            timeoutMs: workTimeoutMs,
          },
          req,
        );
        return { text, via: "local-cli" };
      },
      gateway: noGateway,
      probe: async () => {},
      close,
    };
  }

  if (m.mode === "openai") {
    const base = m.openaiBaseUrl ?? "https://api.openai.com/v1";
    const model = m.model ?? OPENAI_DEFAULT_MODEL;
    return {
      mode: "openai",
      modelName: model,
      async complete(req) {
        const messages = [
          { role: "system", content: req.system },
          ...req.history.map((t) => ({ role: t.role, content: t.content })),
          { role: "user", content: req.utterance },
        ];
        const text = await postChat({
          dispatcher,
          url: `${base}/chat/completions`,
          token: m.openaiApiKey,
          body: { model, messages, stream: false, max_tokens: 300, temperature: 0.4 },
          signal: req.signal,
        });
        return { text, via: "openai" };
      },
      gateway: noGateway,
      probe: async () => {},
      close,
    };
  }

  // gateway mode
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
        runner: deps.runner,
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
            user: `clawcall:${req.purpose === "third_party" ? "3p:" : ""}${req.callSid}`,
            stream: false,
            messages: [
              { role: "system", content: req.system },
              { role: "user", content: req.utterance },
            ],
          },
          headers: m.model ? { "x-openclaw-model": m.model } : {},
          signal: req.signal,
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
