import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { parseArgs } from "node:util";
import { request } from "undici";
import {
  type BridgeHealth,
  DOCTOR_CALL_SID,
  type HealthProbe,
  healthyOf,
  messageReply,
  probeBridgeHealth,
} from "../../bridge/contract.js";
import { ENABLE_CHAT_COMPLETIONS } from "../../bridge/model/index.js";
import { type Config, loadConfig } from "../../config/index.js";
import { ConfigError, RelayHttpError } from "../../errors.js";
import { EXIT } from "../../exit-codes.js";
import { createRelayClient } from "../../relay/index.js";
import { listPidRecords } from "../../state/pidlock.js";
import type { CommandContext } from "../command.js";

export const summary = "check the setup step by step and say how to fix what fails (--json for agents)";
export const usage = `Usage: clawcall doctor [--json]

Checks, in order: Node version, configuration, the relay's own /health, the API key (or the
sandbox's demo key), bridge health, one bridge and one listener, port 4747, OpenClaw gateway and
its chat completions endpoint, the openclaw CLI, and a test turn through the bridge. Exit code 1
when any check fails; a warning (e.g. no gateway while trying the sandbox) leaves it 0.`;

/** The exact switch the gateway needs for the model fallback (the bridge logs the same line). */
export const CHAT_COMPLETIONS_CONFIG_LINE = `\`${ENABLE_CHAT_COMPLETIONS}\` (that is gateway.http.endpoints.chatCompletions.enabled: true in ~/.openclaw/openclaw.json), then restart the gateway`;

export type CheckState = "pass" | "fail" | "warn" | "skip";
export interface Check {
  name: string;
  state: CheckState;
  detail: string;
  fix?: string;
}

async function getJson(
  url: string,
  init: { method?: "GET" | "POST"; body?: string; headers?: Record<string, string> } = {},
) {
  const res = await request(url, {
    method: init.method ?? "GET",
    ...(init.body !== undefined ? { body: init.body } : {}),
    headers: init.headers ?? {},
    signal: AbortSignal.timeout(3_000),
  });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.statusCode, json, text };
}

/** PATH lookup without a shell. */
export function findOnPath(bin: string, env: NodeJS.ProcessEnv): string | undefined {
  const candidates = isAbsolute(bin)
    ? [bin]
    : (env.PATH ?? "")
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, bin));
  const exts = process.platform === "win32" ? ["", ".cmd", ".exe"] : [""];
  for (const c of candidates) {
    for (const ext of exts) {
      try {
        if (!statSync(c + ext).isFile()) continue;
        accessSync(c + ext, constants.X_OK);
        return c + ext;
      } catch {}
    }
  }
  return undefined;
}

function checkNode(): Check {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  const nodeOk = major > 20 || (major === 20 && minor >= 18);
  return {
    name: "node",
    state: nodeOk ? "pass" : "fail",
    detail: `Node ${process.versions.node}`,
    ...(nodeOk ? {} : { fix: "install Node 20.18 or newer (OpenClaw itself wants Node 24)" }),
  };
}

function checkConfig(ctx: Pick<CommandContext, "env" | "cwd">): { check: Check; config?: Config } {
  try {
    const config = loadConfig({ env: ctx.env, cwd: ctx.cwd });
    // Without a key the sandbox's seeded demo key is used: say so, so the key line below agrees.
    const detail = config.relay.sandbox
      ? "valid (no CLAWCALL_API_KEY: the sandbox relay's demo key is used)"
      : "valid (CLAWCALL_API_KEY set: the live relay)";
    return { check: { name: "config", state: "pass", detail }, config };
  } catch (e) {
    const lines = e instanceof ConfigError ? e.lines : [(e as Error).message];
    return {
      check: {
        name: "config",
        state: "fail",
        detail: lines.join("; "),
        fix: "fix the variables named above in .env or the environment",
      },
    };
  }
}

/** The relay's unauthenticated `GET /health` (contract §3.1): is it there at all, before any key. */
async function checkRelayHealth(config: Config): Promise<Check> {
  const where = `${config.relay.sandbox ? "sandbox relay" : "relay"} at ${config.relay.apiUrl}`;
  const relay = createRelayClient({ apiUrl: config.relay.apiUrl, apiKey: config.relay.apiKey });
  try {
    const h = await relay.health({ signal: AbortSignal.timeout(5_000) });
    return { name: "relay", state: "pass", detail: `${where} is healthy (service ${h.service})` };
  } catch (e) {
    return {
      name: "relay",
      state: "fail",
      detail: `${where}: /health did not answer ok (${(e as Error).message})`,
      fix: config.relay.sandbox
        ? "start everything with `npm start` (or `clawcall up`)"
        : "check your network connection and CLAWCALL_API_URL",
    };
  } finally {
    await relay.close();
  }
}

async function checkApiKey(config: Config): Promise<Check> {
  const relay = createRelayClient({ apiUrl: config.relay.apiUrl, apiKey: config.relay.apiKey });
  try {
    const acct = await relay.account({ signal: AbortSignal.timeout(5_000) });
    return {
      name: "api key",
      state: "pass",
      detail: `${config.relay.sandbox ? "the sandbox accepts its demo key" : "the relay accepts it"}: ${acct.tier} tier, ${acct.minutes_remaining} minutes left, number ${acct.phone_number ?? "not assigned"}`,
    };
  } catch (e) {
    if (e instanceof RelayHttpError && e.code === "E_RELAY_AUTH") {
      return {
        name: "api key",
        state: "fail",
        detail: "the relay rejected the key (401)",
        fix: "run `clawcall register --email <your email>` to issue a new key, or fix CLAWCALL_API_KEY",
      };
    }
    return {
      name: "api key",
      state: "fail",
      detail: `${config.relay.sandbox ? "the sandbox relay" : "the relay"} at ${config.relay.apiUrl} did not answer (${(e as Error).message})`,
      fix: config.relay.sandbox
        ? "start everything with `npm start` (or `clawcall up`)"
        : "check your network connection",
    };
  } finally {
    await relay.close();
  }
}

function checkBridge(url: string, probe: HealthProbe): Check {
  if (!probe.reachable) {
    return {
      name: "bridge",
      state: "fail",
      detail: `not reachable at ${url} (${probe.error})`,
      fix: "start it with `npm start` (or `node bridge/phone-agent-server.js`)",
    };
  }
  const healthy = healthyOf(probe);
  if (healthy) {
    return {
      name: "bridge",
      state: "pass",
      detail: `healthy at ${url} (mode ${healthy.mode}, version ${healthy.version})`,
    };
  }
  return {
    name: "bridge",
    state: "fail",
    detail: `${url}/health answered ${probe.status}`,
    fix: "restart it: `clawcall stop` then `npm start`",
  };
}

function checkOneOfEach(stateDir: string, bridges: number, listeners: number): Check {
  const one = bridges === 1 && listeners === 1;
  return {
    name: "one of each",
    state: one ? "pass" : "fail",
    detail: `${bridges} bridge, ${listeners} listener running (pid files in ${stateDir})`,
    ...(one
      ? {}
      : {
          fix:
            listeners === 0
              ? "start the listener: `npm start` (or `node listener/clawcall-listener.js`)"
              : "stop extras with `clawcall stop`, then `npm start`",
        }),
  };
}

/** Who answers on the bridge's port: nobody, our bridge, or a stale or foreign process. */
function checkPort(url: string, probe: HealthProbe, ours: number | undefined): Check {
  if (!probe.reachable || probe.status !== 200)
    return { name: "port", state: "pass", detail: `${url} is free` };
  const pid = probe.pid;
  if (pid !== undefined && ours !== undefined && pid !== ours) {
    return {
      name: "port",
      state: "fail",
      detail: `${url} is answered by pid ${pid}, not our bridge (pid ${ours})`,
      fix: `stop the stale process (kill ${pid}) and run \`clawcall up\``,
    };
  }
  if (ours === undefined) {
    return {
      name: "port",
      state: "fail",
      detail: `${url} is answered by a process without our pid file${pid ? ` (pid ${pid})` : ""}`,
      fix: "stop the old bridge and start with `clawcall up`",
    };
  }
  return { name: "port", state: "pass", detail: `${url} is ours (pid ${ours})` };
}

async function checkGateway(config: Config): Promise<Check[]> {
  const m = config.model;
  if (m.mode !== "gateway") return [{ name: "gateway", state: "skip", detail: `model mode is ${m.mode}` }];
  let reachable = false;
  try {
    reachable = (await getJson(`${m.gatewayUrl}/health`)).status < 500;
  } catch {}
  if (!reachable) {
    return [
      {
        name: "gateway",
        // Trying the sandbox needs no model (fast answers work): a warning with the fix, not a failure.
        state: config.relay.sandbox ? "warn" : "fail",
        detail: `OpenClaw gateway not reachable at ${m.gatewayUrl}${config.relay.sandbox ? " (the sandbox works without it: fast answers only)" : ""}`,
        fix: "start it with `openclaw gateway`, set OPENCLAW_GATEWAY_URL, or choose CLAWCALL_PHONE_MODEL_MODE=openai|local|off",
      },
    ];
  }
  const checks: Check[] = [
    { name: "gateway", state: "pass", detail: `OpenClaw gateway answers at ${m.gatewayUrl}` },
  ];
  let enabled: boolean | undefined;
  try {
    const r = await getJson(`${m.gatewayUrl}/v1/models`, {
      headers: m.gatewayToken ? { authorization: `Bearer ${m.gatewayToken}` } : {},
    });
    enabled = r.status === 404 ? false : r.status < 400 ? true : undefined;
    if (r.status === 401) {
      checks.push({
        name: "chat completions",
        state: "fail",
        detail: "the gateway refused our token (401)",
        fix: "set OPENCLAW_GATEWAY_TOKEN to the gateway's token (gateway.auth.token)",
      });
    }
  } catch {}
  if (enabled === false) {
    checks.push({
      name: "chat completions",
      state: "fail",
      detail: "the gateway's /v1/chat/completions endpoint is disabled",
      fix: `run ${CHAT_COMPLETIONS_CONFIG_LINE}`,
    });
  } else if (enabled) {
    checks.push({ name: "chat completions", state: "pass", detail: "enabled" });
  }
  return checks;
}

function checkCli(config: Config, env: NodeJS.ProcessEnv): Check {
  const bin = findOnPath(config.model.openclawBin, env);
  if (bin) return { name: "openclaw cli", state: "pass", detail: bin };
  const needsCli = config.model.mode === "local";
  return {
    name: "openclaw cli",
    state: needsCli ? "fail" : "warn",
    detail: `\`${config.model.openclawBin}\` is not on PATH${needsCli ? "" : " (cron and task answers will say there are none)"}`,
    fix: "install OpenClaw (npm install -g openclaw) or set CLAWCALL_OPENCLAW_BIN",
  };
}

/**
 * What the running bridge knows about its model from the calls it made: the same words `/health`
 * gives (`model_note`), so the doctor, the health body and the caller agree.
 */
export function checkPhoneModel(health: BridgeHealth | undefined, sandbox = false): Check {
  const name = "phone model";
  if (!health) return { name, state: "skip", detail: "no healthy bridge" };
  const note = health.model_note ?? "this bridge does not report it (an older version)";
  if (health.mode === "off")
    return { name, state: "warn", detail: note, fix: "set CLAWCALL_PHONE_MODEL_MODE" };
  if (health.model_reachable === false) {
    return {
      name,
      state: sandbox ? "warn" : "fail",
      detail: note,
      fix:
        health.mode === "openai"
          ? "start the server at OPENAI_BASE_URL, or fix OPENAI_BASE_URL / OPENAI_API_KEY"
          : "start the OpenClaw gateway (see the gateway check above)",
    };
  }
  return { name, state: health.model_reachable ? "pass" : "skip", detail: note };
}

/**
 * One fast-path turn through the running bridge, read through the reply's schema. It asks the time:
 * the test call is not one the relay knows, so the bridge answers it as a stranger, and the time is
 * the same for anyone (a name question would get the message-taking line strangers hear).
 */
const TEST_QUESTION = "what time is it";

async function checkTestTurn(config: Config, url: string): Promise<Check> {
  try {
    const r = await getJson(`${url}/clawcall/message`, {
      method: "POST",
      body: JSON.stringify({ call_sid: DOCTOR_CALL_SID, message: TEST_QUESTION }),
      headers: {
        "content-type": "application/json",
        ...(config.bridge.token ? { authorization: `Bearer ${config.bridge.token}` } : {}),
      },
    });
    const parsed = messageReply.safeParse(r.json);
    const reply = parsed.success ? parsed.data : undefined;
    if (r.status === 200 && reply?.response) {
      return {
        name: "test turn",
        state: "pass",
        detail: `"${TEST_QUESTION}" → "${reply.response}" (${reply.source}, ${reply.ms} ms)`,
      };
    }
    return {
      name: "test turn",
      state: "fail",
      detail: `the bridge answered ${r.status}`,
      fix: "see the bridge log in <state dir>/logs/bridge.log",
    };
  } catch (e) {
    return { name: "test turn", state: "fail", detail: (e as Error).message, fix: "see the bridge log" };
  }
}

export async function runChecks(ctx: Pick<CommandContext, "env" | "cwd">): Promise<Check[]> {
  const checks: Check[] = [checkNode()];
  const { check, config } = checkConfig(ctx);
  checks.push(check);
  if (!config) return checks;
  checks.push(await checkRelayHealth(config), await checkApiKey(config));

  const records = listPidRecords(config.stateDir).filter((r) => r.alive);
  const bridges = records.filter((r) => r.record.name === "bridge");
  const listeners = records.filter((r) => r.record.name === "listener");
  // The running bridge's own record knows its real port (it may not be the configured one).
  const bridgeUrl =
    bridges[0]?.record.url ?? `http://127.0.0.1:${bridges[0]?.record.port ?? config.bridge.port}`;
  const probe = await probeBridgeHealth(bridgeUrl, 3_000);
  checks.push(
    checkBridge(bridgeUrl, probe),
    checkOneOfEach(config.stateDir, bridges.length, listeners.length),
    checkPort(bridgeUrl, probe, bridges[0]?.record.pid),
    ...(await checkGateway(config)),
    checkCli(config, ctx.env),
    checkPhoneModel(healthyOf(probe), config.relay.sandbox),
    healthyOf(probe)
      ? await checkTestTurn(config, bridgeUrl)
      : { name: "test turn", state: "skip", detail: "no healthy bridge" },
  );
  return checks;
}

const MARK: Record<CheckState, string> = { pass: "ok  ", fail: "FAIL", warn: "warn", skip: "skip" };

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: "boolean", default: false } },
    strict: true,
  });
  const checks = await runChecks(ctx);
  const failed = checks.filter((c) => c.state === "fail").length;
  if (values.json) {
    ctx.out(JSON.stringify({ ok: failed === 0, checks }, null, 2));
  } else {
    for (const c of checks) {
      ctx.out(`${MARK[c.state]}  ${c.name.padEnd(16)} ${c.detail}`);
      if (c.fix && c.state !== "pass") ctx.out(`      ${"".padEnd(16)} fix: ${c.fix}`);
    }
    const warned = checks.filter((c) => c.state === "warn").length;
    const warnings = warned ? ` (${warned} warning${warned === 1 ? "" : "s"}: see their fix lines)` : "";
    ctx.out(
      failed === 0
        ? `\nall checks passed${warnings}`
        : `\n${failed} check${failed === 1 ? "" : "s"} failed${warnings}`,
    );
  }
  return failed === 0 ? EXIT.OK : EXIT.FAILURE;
}
