import { parseArgs } from "node:util";
import { EXIT } from "../../exit-codes.js";
import { defaultStateFile, runSandboxUntilSignal } from "../../sandbox/main.js";
import { sandboxTarget } from "../../sandbox/softphone/cli-common.js";
import { SandboxUnreachableError, SimClient } from "../../sandbox/softphone/sim-client.js";
import type { CommandContext } from "../command.js";

export const summary = "run the local sandbox relay (a simulated ClawCall relay and phone network)";
export const usage = `Usage: clawcall sandbox [--port N] [--time-scale X] [--state-file PATH | --persist] [--threads N] [--replace] [--quiet]
       clawcall sandbox refill [--url URL]

Runs a local stand-in for api.clawcall.online on 127.0.0.1: the relay's agent-facing API with its
quirks, a simulated phone network, and a simulation API under /sandbox/. A demo account is seeded,
so the runtime works with no registration: the lines printed on start are ready to paste.

Options:
  --port N          port (default CLAWCALL_SANDBOX_PORT, 4750; 0 picks a free one)
  --time-scale X    run the phone side X times faster (default CLAWCALL_SANDBOX_TIME_SCALE, 1)
  --state-file PATH keep accounts, keys, schedules and call history in this JSON file
  --persist         the same, in <state dir>/sandbox.json
  --threads N       requests served at once (default 8, like the real relay)
  --replace         stop a running sandbox first instead of refusing
  --quiet           no ready lines (with the demo key) on stderr; \`clawcall up\` prints its own

The demo account refills itself once a call leaves it under 10 minutes (every call is charged at
least one minute); \`clawcall sandbox refill\` gives it its month's minutes back at once, on the
running sandbox (default URL: CLAWCALL_API_URL, or http://127.0.0.1:$CLAWCALL_SANDBOX_PORT).

Logs are NDJSON on stdout ("sandbox relay listening on http://127.0.0.1:N"); the human-readable
lines go to stderr. Ctrl-C stops it. Differences from the real relay: references/sandbox-differences.md`;

function num(name: string, v: string | undefined, ok: (n: number) => boolean): number | undefined | Error {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || !ok(n))
    return new Error(`--${name}: invalid value ${JSON.stringify(v)}`);
  return n;
}

/** `clawcall sandbox refill`: the running sandbox's demo account gets its minutes back. */
async function runRefill(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { url: { type: "string" } }, strict: true });
  const target = sandboxTarget("sandbox refill", ctx.config(), values.url);
  if (!target.ok) {
    ctx.err(target.message);
    return EXIT.CONFIG;
  }
  const client = new SimClient(target.url);
  try {
    const r = await client.refillMinutes();
    ctx.out(`Demo account ${r.email} refilled: ${r.minutes_limit} minutes left this month.`);
    return EXIT.OK;
  } catch (err) {
    ctx.err(`clawcall sandbox refill: ${(err as Error).message}`);
    return err instanceof SandboxUnreachableError ? EXIT.UNAVAILABLE : EXIT.FAILURE;
  } finally {
    await client.close();
  }
}

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  if (argv[0] === "refill") return runRefill(argv.slice(1), ctx);
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      "time-scale": { type: "string" },
      "state-file": { type: "string" },
      persist: { type: "boolean", default: false },
      threads: { type: "string" },
      replace: { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
    },
    strict: true,
  });
  const port = num("port", values.port, (n) => Number.isInteger(n) && n >= 0 && n <= 65535);
  const timeScale = num("time-scale", values["time-scale"], (n) => n > 0 && n <= 1000);
  const threads = num("threads", values.threads, (n) => Number.isInteger(n) && n >= 1 && n <= 256);
  for (const v of [port, timeScale, threads]) {
    if (v instanceof Error) {
      ctx.err(`clawcall sandbox: ${v.message}`);
      return EXIT.USAGE;
    }
  }
  const config = ctx.config();
  const stateFile = values["state-file"] ?? (values.persist ? defaultStateFile(config) : undefined);
  return runSandboxUntilSignal({
    config,
    port: port as number | undefined,
    timeScale: timeScale as number | undefined,
    threads: threads as number | undefined,
    stateFile,
    replace: values.replace ?? false,
    banner: !values.quiet,
    print: ctx.err,
  });
}
