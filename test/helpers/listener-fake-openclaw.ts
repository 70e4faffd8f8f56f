/**
 * A fake `openclaw` CLI for CLI-mode tests: a Node script with a shebang, written into a temp dir
 * that tests put first on PATH (or name in CLAWCALL_OPENCLAW_BIN). It appends its argv as one JSON
 * line to $FAKE_OPENCLAW_LOG and answers like `openclaw agent --json` (result.payloads[].text).
 *
 * Behaviour by $FAKE_OPENCLAW_MODE: `echo` (default) answers "You said: <caller text>"; `sleep`
 * starts a grandchild, records both pids in $FAKE_OPENCLAW_PIDS and sleeps for a minute; `garbage`
 * prints log noise and no JSON; `exit1` prints a good reply and exits 1 (OpenClaw does that on
 * config warnings); `endcall` appends the end-call sentinel. $FAKE_OPENCLAW_DELAY_MS delays the answer.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const SCRIPT = String.raw`#!/usr/bin/env node
const fs = require("node:fs");
const { spawn } = require("node:child_process");
const args = process.argv.slice(2);
if (process.env.FAKE_OPENCLAW_LOG) fs.appendFileSync(process.env.FAKE_OPENCLAW_LOG, JSON.stringify(args) + "\n");
const mode = process.env.FAKE_OPENCLAW_MODE || "echo";
const i = args.indexOf("--message");
const prompt = i >= 0 ? args[i + 1] : "";
const m = /The caller said: «([\s\S]*)»\s*$/.exec(prompt) || /said: «([\s\S]*)»\s*$/.exec(prompt);
const said = m ? m[1] : prompt;
const reply = (text) => process.stdout.write(JSON.stringify({ runId: "r1", status: "ok", summary: "completed", result: { payloads: [{ text, mediaUrl: null }], meta: { durationMs: 5 } } }, null, 2) + "\n");
const go = () => {
  if (mode === "sleep") {
    const g = spawn(process.execPath, ["-e", "setTimeout(()=>{},60000)"], { stdio: "ignore" });
    if (process.env.FAKE_OPENCLAW_PIDS) fs.writeFileSync(process.env.FAKE_OPENCLAW_PIDS, JSON.stringify([process.pid, g.pid]));
    setTimeout(() => reply("too late"), 60000);
    return;
  }
  if (mode === "garbage") { process.stdout.write("[gateway] warming up\nsomething went wrong\n"); process.exit(1); }
  if (mode === "exit1") { process.stderr.write("Config warning: legacy key\n"); reply("You said: " + said); process.exitCode = 1; return; }
  if (mode === "endcall") { reply("Goodbye for now! [[END_CALL]]"); return; }
  reply("You said: " + said);
};
const delay = Number(process.env.FAKE_OPENCLAW_DELAY_MS || 0);
if (delay > 0) setTimeout(go, delay); else go();
`;

/** Writes `<dir>/openclaw` (executable) and returns its path. */
export function writeFakeOpenclaw(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "openclaw");
  writeFileSync(path, SCRIPT);
  chmodSync(path, 0o755);
  return path;
}
