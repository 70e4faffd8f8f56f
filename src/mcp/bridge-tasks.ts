import { request } from "undici";
import { requestContextRefresh } from "../bridge/contract.js";
import type { TaskRecord, TaskStatus } from "../bridge/task-registry.js";
import type { Config } from "../config/index.js";
import { ClawcallError } from "../errors.js";
import { listPidRecords } from "../state/pidlock.js";

/**
 * The running bridge's task registry over its HTTP API (`/tasks`, see src/bridge/server.ts). The
 * bridge owns tasks because it is what calls the owner when one finishes (a relay callback where the
 * tier allows, else at the start of the owner's next call).
 */

export interface TaskCreateBody {
  title: string;
  progress?: string | null;
  notify: boolean;
}

export interface TaskPatchBody {
  status?: TaskStatus;
  progress?: string | null;
  result?: string | null;
}

export interface BridgeTasks {
  /** Where the bridge was looked for (for messages). */
  url(): string;
  list(): Promise<TaskRecord[]>;
  create(body: TaskCreateBody): Promise<TaskRecord>;
  update(id: string, patch: TaskPatchBody): Promise<TaskRecord>;
}

/**
 * Where the bridge answers: its own pid record (which knows the real port), else CLAWCALL_AGENT_URL,
 * else the configured port on loopback. Looked up per request: the bridge may start after us.
 */
export function locateBridge(config: Config): string {
  const rec = listPidRecords(config.stateDir).find((r) => r.alive && r.record.name === "bridge");
  if (rec) return rec.record.url ?? `http://127.0.0.1:${rec.record.port ?? config.bridge.port}`;
  return config.listener.agentUrl ?? `http://127.0.0.1:${config.bridge.port}`;
}

/** Asks the running bridge (if any) to reload schedules and tasks now; quiet when none runs. */
export function refreshBridgeContext(config: Config): Promise<boolean> {
  return requestContextRefresh(locateBridge(config), config.bridge.token);
}

const TIMEOUT_MS = 5_000;

export function bridgeTasks(config: Config): BridgeTasks {
  const call = async (method: "GET" | "POST" | "PATCH", path: string, body?: unknown) => {
    const base = locateBridge(config);
    const headers: Record<string, string> = { accept: "application/json" };
    if (config.bridge.token) headers.authorization = `Bearer ${config.bridge.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let status: number;
    let text: string;
    try {
      const res = await request(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw new ClawcallError(
        "E_BRIDGE_UNREACHABLE",
        `the clawcall bridge is not answering at ${base} (${(err as Error).message}). Tasks live in the bridge, which is what calls the owner when one finishes: ask the owner to start it with \`clawcall up\`.`,
        { cause: err },
      );
    }
    let json: { ok?: boolean; error?: string; task?: TaskRecord; tasks?: TaskRecord[] } | undefined;
    try {
      json = JSON.parse(text) as typeof json;
    } catch {}
    if (status >= 400 || !json?.ok) {
      const why = json?.error ?? `HTTP ${status}`;
      if (status === 401) {
        throw new ClawcallError(
          "E_BRIDGE_AUTH",
          `the bridge at ${base} refused the token (${why}): give this MCP server the bridge's CLAWCALL_BRIDGE_TOKEN`,
        );
      }
      if (status === 404) throw new ClawcallError("E_INVALID_INPUT", `${why} — see list_tasks for the ids`);
      throw new ClawcallError("E_INVALID_INPUT", `the bridge refused the request: ${why}`);
    }
    return json;
  };
  return {
    url: () => locateBridge(config),
    list: async () => (await call("GET", "/tasks")).tasks ?? [],
    create: async (body) => (await call("POST", "/tasks", { ...body, status: "running" })).task as TaskRecord,
    update: async (id, patch) =>
      (await call("PATCH", `/tasks/${encodeURIComponent(id)}`, patch)).task as TaskRecord,
  };
}
