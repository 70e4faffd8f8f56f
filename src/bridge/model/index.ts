import { Agent, type Dispatcher } from "undici";
import type { Config } from "../../config/index.js";
import { ClawcallError } from "../../errors.js";
import type { Logger } from "../../log.js";
import type { CommandRunner } from "../runner.js";
import { postChat } from "./chat-http.js";
import { runCliModel } from "./cli.js";
import { gatewayBackend } from "./gateway.js";
import type { GatewayFacts, ModelBackend } from "./types.js";

export type { GatewayFacts, ModelBackend, ModelReply, ModelRequest } from "./types.js";

export interface ModelDeps {
  logger: Logger;
  runner: CommandRunner;
  /** HTTP dispatcher for the gateway / OpenAI-compatible server (tests inject one). */
  dispatcher?: Dispatcher;
  /** Deadline for one model call made in the background (the phone deadline is separate). */
  workTimeoutMs?: number;
}

export { ENABLE_CHAT_COMPLETIONS } from "./gateway.js";

const OPENAI_DEFAULT_MODEL = "gpt-4o-mini";

function makeDispatcher(): Dispatcher {
  return new Agent({
    keepAliveTimeout: 4_000,
    headersTimeout: 120_000,
    bodyTimeout: 30_000,
    connect: { timeout: 5_000 },
    // Room for the gate's live and background pools together (16 + 4), so no call queues here.
    connections: 32,
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
          ...req.history.map((t) => ({ role: t.summary ? "system" : t.role, content: t.content })),
          { role: "user", content: req.utterance },
        ];
        const text = await postChat({
          dispatcher,
          url: `${base}/chat/completions`,
          token: m.openaiApiKey,
          body: { model, messages, max_tokens: 300, temperature: 0.4 },
          signal: req.signal,
          ...(req.onText ? { onText: req.onText } : {}),
          stallMs: m.stallMs,
          // A streamed answer may pause between chunks while the agent works; the work deadline bounds it.
          bodyTimeoutMs: workTimeoutMs,
        });
        return { text, via: "openai" };
      },
      gateway: noGateway,
      probe: async () => {},
      close,
    };
  }

  return gatewayBackend({ config: m, runner: deps.runner, dispatcher, log, workTimeoutMs, close });
}
