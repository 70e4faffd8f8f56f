/**
 * The state dir is checked once at start, so a bad CLAWCALL_STATE_DIR is one line naming the
 * variable (exit 78) instead of a failure deep inside the lock, the journal or a status write.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../errors.js";

const REASONS: Record<string, string> = {
  ENOTDIR: "a part of the path is a file, not a directory",
  EEXIST: "it is a file, not a directory",
  EACCES: "no permission to write there",
  EPERM: "no permission to write there",
  EROFS: "the file system is read-only",
  ENOSPC: "the disk is full",
};

/** Creates the state dir (owner-only) and proves it is writable; throws ConfigError naming the variable. */
export function ensureStateDir(stateDir: string): void {
  const probe = join(stateDir, `.write-check-${process.pid}`);
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    writeFileSync(probe, "", { mode: 0o600 });
    rmSync(probe, { force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "";
    const why = REASONS[code] ?? (e as Error).message;
    throw new ConfigError([`CLAWCALL_STATE_DIR: cannot use ${stateDir}: ${why}`]);
  }
}
