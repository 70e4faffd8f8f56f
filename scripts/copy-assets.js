// Part of `npm run build`: copies the files tsc does not emit from src/ to dist/: the softphone page's
// HTML, CSS and browser JavaScript (so the sandbox serves the same files from either) and the router's
// trained weights. Plain Node, no shell commands: it runs wherever npm does, Windows included.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { extname } from "node:path";

/** dir: under src/ and dist/; ext: what is copied; own: dist's copy of the dir holds nothing else. */
const ASSETS = [
  { dir: "sandbox/softphone/web", ext: new Set([".html", ".css", ".js"]), own: true },
  { dir: "bridge/intent-model", ext: new Set([".json"]), own: false },
];

for (const { dir, ext, own } of ASSETS) {
  const from = new URL(`../src/${dir}/`, import.meta.url);
  const to = new URL(`../dist/${dir}/`, import.meta.url);
  if (own) rmSync(to, { recursive: true, force: true }); // no stale file outlives its source
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    if (ext.has(extname(name))) copyFileSync(new URL(name, from), new URL(name, to));
  }
}
