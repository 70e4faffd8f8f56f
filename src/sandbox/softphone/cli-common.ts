/** What `clawcall phone` and `clawcall say` share: where the sandbox is, and refusing the live relay. */
import type { Config } from "../../config/index.js";

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "127.0.0.1" || host === "localhost" || host === "[::1]" || host === "::1";
  } catch {
    return false;
  }
}

export type SandboxTarget = { ok: true; url: string } | { ok: false; message: string };

/**
 * The sandbox URL: `--url`, else the configured relay URL (`CLAWCALL_API_URL`, or
 * `http://127.0.0.1:${CLAWCALL_SANDBOX_PORT}` when no key is set). A live relay is refused: it has no
 * phone simulator, and these commands would otherwise place nothing and wait for nothing.
 */
export function sandboxTarget(command: string, config: Config, urlOption: string | undefined): SandboxTarget {
  const url = (urlOption ?? config.relay.apiUrl).replace(/\/+$/, "");
  if (!isLoopback(url)) {
    const why = config.relay.sandbox
      ? `${url} is not on this machine`
      : `CLAWCALL_API_KEY is set, so the relay is ${url}`;
    return {
      ok: false,
      message:
        `clawcall ${command} only works against the local sandbox relay (the real relay has no phone ` +
        `simulator): ${why}. Unset CLAWCALL_API_KEY to use the sandbox, or pass ` +
        `--url http://127.0.0.1:${config.sandbox.port}.`,
    };
  }
  return { ok: true, url };
}
