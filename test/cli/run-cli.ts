import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clockEnv } from "../helpers/proc.js";

/** Runs the built `clawcall` bin as a real process (with this Node, so the Node 24 run tests 24). */

export const ROOT = join(import.meta.dirname, "../..");
export const BIN = join(ROOT, "bin/clawcall.js");

export function assertBuilt(): void {
  if (!existsSync(join(ROOT, "dist/cli/main.js"))) {
    throw new Error("dist/ is missing: run `npm run build` before the CLI tests");
  }
}

const made: string[] = [];

/** A fresh working directory (for .env); removed by removeTempCwds(). */
export function tempCwd(): string {
  const dir = mkdtempSync(join(tmpdir(), "clawcall-cli-"));
  made.push(dir);
  return dir;
}

export function removeTempCwds(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `clawcall <args>` in `cwd` with only PATH, a temp HOME and state dir, the run's zone and clock, and
 * `env` (undefined values are left out, so a test decides whether CLAWCALL_API_KEY exists at all).
 * stdin is closed: not a TTY, so nothing prompts.
 */
export function runCli(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined>; timeoutMs?: number },
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: opts.cwd,
    CLAWCALL_STATE_DIR: join(opts.cwd, ".state"),
    NODE_ENV: "test",
    NO_COLOR: "1",
    ...clockEnv(),
  };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString("utf8");
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString("utf8");
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`clawcall ${args.join(" ")} did not exit in time\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
