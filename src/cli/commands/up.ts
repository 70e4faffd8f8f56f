import { spawn } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { EXIT } from "../../exit-codes.js";
import { isAlive } from "../../state/pidlock.js";
import { PACKAGE_ROOT, readUpStatus, runUp, statusBlock } from "../../supervisor/up.js";
import { sleep } from "../../util/sleep.js";
import type { CommandContext } from "../command.js";

export const summary = "start everything: sandbox relay (without a key), bridge, listener";
export const usage = `Usage: clawcall up [--detach] [--replace]

Starts the sandbox relay when CLAWCALL_API_KEY is unset, then the bridge (waits for /health),
then the listener pointed at it. Restarts a child that crashes; Ctrl-C stops all of them.

  --detach    run in the background; logs go to <state dir>/logs/
  --replace   stop running copies first instead of refusing`;

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { detach: { type: "boolean", default: false }, replace: { type: "boolean", default: false } },
    strict: true,
  });
  const config = ctx.config();
  if (!values.detach) {
    return runUp({ config, env: ctx.env, out: ctx.out, err: ctx.err, replace: values.replace ?? false });
  }

  const logDir = join(config.stateDir, "logs");
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const fd = openSync(join(logDir, "up.log"), "a", 0o600);
  const child = spawn(
    process.execPath,
    [join(PACKAGE_ROOT, "bin/clawcall.js"), "up", ...(values.replace ? ["--replace"] : [])],
    { detached: true, stdio: ["ignore", fd, fd], env: ctx.env, cwd: ctx.cwd },
  );
  child.unref();
  const pid = child.pid ?? -1;
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const s = readUpStatus(config.stateDir);
    if (s && s.pid === pid && s.state === "running") {
      for (const line of statusBlock(s, config)) ctx.out(line);
      ctx.out(`  supervisor pid ${pid} (detached)`);
      return EXIT.OK;
    }
    if (!isAlive(pid) || (s && s.pid === pid && s.state === "failed")) {
      ctx.err(
        `clawcall up --detach: it did not start${s?.error ? ` (${s.error})` : ""}; see ${join(logDir, "up.log")}`,
      );
      return EXIT.FAILURE;
    }
    await sleep(100);
  }
  ctx.err(`clawcall up --detach: not running after 60 s; see ${join(logDir, "up.log")}`);
  return EXIT.FAILURE;
}
