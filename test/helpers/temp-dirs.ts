/**
 * Temp dirs for tests, each removed after its test file: `test/helpers/setup.ts` registers the
 * cleanup as the file's last afterAll, after the file's own hooks have stopped the processes using them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made = new Set<string>();

/** A fresh directory under the system temp dir. */
export function makeTempDir(prefix = "clawcall-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Removes every dir made so far (the setup file calls it after each test file). */
export function removeTempDirs(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
}
