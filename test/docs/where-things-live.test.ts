import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** README's "Where things live" map (behaviour → file) stays true to the tree. */

const ROOT = join(import.meta.dirname, "../..");
const readme = readFileSync(join(ROOT, "README.md"), "utf8");

function mapSection(): string {
  const start = readme.indexOf("## Where things live");
  if (start < 0) return "";
  const next = readme.indexOf("\n## ", start + 5);
  return readme.slice(start, next < 0 ? undefined : next);
}

/** Every `path` in the map's table rows (second column). */
function mappedPaths(): string[] {
  const paths: string[] = [];
  for (const line of mapSection().split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 4 || /^-+$/.test(cells[1] ?? "") || cells[1] === "behaviour") continue;
    for (const m of (cells[2] ?? "").matchAll(/`([^`]+)`/g)) paths.push(m[1]!.replace(/\/$/, ""));
  }
  return paths;
}

function dirsUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => [`${dir}/${e.name}`, ...dirsUnder(`${dir}/${e.name}`)]);
}

describe("README: where things live", () => {
  it("has a map, and every file or folder it names exists", () => {
    const paths = mappedPaths();
    expect(paths.length).toBeGreaterThan(20);
    const missing = paths.filter((p) => !existsSync(join(ROOT, p)));
    expect(missing).toEqual([]);
  });

  it("covers every folder of src/ (the folder itself or a file in it)", () => {
    const paths = mappedPaths();
    const uncovered = dirsUnder("src").filter(
      (d) => !paths.some((p) => p === d || (p.startsWith(`${d}/`) && statSync(join(ROOT, p)).isFile())),
    );
    expect(uncovered).toEqual([]);
  });
});
