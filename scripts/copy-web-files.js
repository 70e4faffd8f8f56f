// Part of `npm run build`: copies the files tsc does not emit (the softphone page's HTML, CSS and
// browser JavaScript) from src/ to dist/, so the sandbox serves the same files from either. Plain
// Node, no shell commands: it runs wherever npm does, Windows included.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { extname } from "node:path";

const DIRS = ["sandbox/softphone/web"];
const SHIPPED = new Set([".html", ".css", ".js"]);

for (const dir of DIRS) {
  const from = new URL(`../src/${dir}/`, import.meta.url);
  const to = new URL(`../dist/${dir}/`, import.meta.url);
  rmSync(to, { recursive: true, force: true }); // no stale file outlives its source
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    if (SHIPPED.has(extname(name))) copyFileSync(new URL(name, from), new URL(name, to));
  }
}
