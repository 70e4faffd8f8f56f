import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Writes a file so readers see the old or the new content, never half of it. */
export function atomicWriteFile(path: string, data: string, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

export function atomicWriteJson(path: string, value: unknown, mode = 0o600): void {
  atomicWriteFile(path, `${JSON.stringify(value, null, 2)}\n`, mode);
}
