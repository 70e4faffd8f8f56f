/** The relay's `@require_auth` decorator. */
import type { SandboxCore } from "./core.js";
import { fail, type Reply } from "./flask.js";
import type { Handler, RelayRequest } from "./router.js";
import type { AgentRow } from "./store.js";

type Core = SandboxCore;

/** The `@require_auth` decorator: exact `Bearer ` prefix, stripped token, SHA-256 lookup. */
export function authenticate(core: Core, req: RelayRequest): { agent: AgentRow } | { reply: Reply } {
  const header = req.headers.authorization ?? "";
  if (!header.startsWith("Bearer ")) return { reply: fail(401, "Missing Authorization header") };
  const agent = core.store.agentByKey(header.slice(7).trim());
  if (!agent) return { reply: fail(401, "Invalid API key") };
  return { agent };
}

export function authed(
  fn: (core: Core, req: RelayRequest, agent: AgentRow) => Reply | Promise<Reply>,
): Handler<Core> {
  return (core, req) => {
    const a = authenticate(core, req);
    return "reply" in a ? a.reply : fn(core, req, a.agent);
  };
}
