import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/main.js";

const root = join(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
};
const NPM_BUILTINS = new Set(["install", "ci", "test", "start", "i", "run"]);

/** Shell lines inside fenced code blocks (sh, bash, shell, console or unlabelled). */
function shellLines(markdown: string): string[] {
  const out: string[] = [];
  const re = /```(\w*)\n([\s\S]*?)```/g;
  for (const m of markdown.matchAll(re)) {
    const lang = m[1] ?? "";
    if (!["", "sh", "bash", "shell", "console", "zsh"].includes(lang)) continue;
    for (let line of (m[2] ?? "").split("\n")) {
      line = line
        .trim()
        .replace(/^\$\s+/, "")
        .replace(/\s+#.*$/, "");
      // Leading env assignments (FOO=bar cmd …) do not change which command runs.
      line = line.replace(/^(?:[A-Z_][A-Z0-9_]*=\S*\s+)+/, "");
      if (/^(npx\s+clawcall|clawcall|npm|node)\b/.test(line)) out.push(line);
    }
  }
  return out;
}

const docs = ["README.md", "SKILL.md", "references/setup.md"].filter((f) => existsSync(join(root, f)));

describe.each(docs)("commands in %s", (file) => {
  const lines = shellLines(readFileSync(join(root, file), "utf8"));

  it("has shell examples to check", () => {
    if (file !== "references/setup.md") expect(lines.length).toBeGreaterThan(0);
  });

  it.each(lines.length > 0 ? lines : ["(none)"])("%s names a real command or script", (line) => {
    if (line === "(none)") return;
    const words = line.split(/\s+/);
    if (words[0] === "npx") words.shift();
    const [cmd, sub, arg] = words;
    if (cmd === "clawcall") {
      expect(
        sub === undefined ||
          sub === "help" ||
          sub === "--version" ||
          (COMMANDS as readonly string[]).includes(sub),
      ).toBe(true);
    } else if (cmd === "npm") {
      if (sub === "run") expect(Object.keys(pkg.scripts)).toContain(arg);
      else expect(NPM_BUILTINS.has(sub ?? "") || sub === "install").toBe(true);
    } else if (cmd === "node") {
      const script = words.find((w, i) => i > 0 && !w.startsWith("-"));
      if (script) expect(existsSync(join(root, script)), `${script} exists`).toBe(true);
    }
  });
});
