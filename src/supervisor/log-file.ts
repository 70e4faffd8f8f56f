/**
 * Each child's log file, rotated by size so a long-running `up` never fills the disk:
 * `<name>.log` is current, `<name>.log.1` the previous one, up to `keep` old files.
 */
import type { Writable } from "node:stream";
import { createStream } from "rotating-file-stream";

export interface LogRotation {
  /** Rotate when the current file passes this many kibibytes. */
  maxKiB: number;
  /** Old files kept beside the current one. */
  keep: number;
}

/** 10 MiB × (1 + 3): enough for days of turns at info level, bounded at 40 MiB per program. */
export const DEFAULT_LOG_ROTATION: LogRotation = { maxKiB: 10 * 1024, keep: 3 };

/** Opens `<dir>/<name>.log` for appending (owner-only), rotated as `rotation` says. */
export function openLogFile(
  dir: string,
  name: string,
  rotation: LogRotation = DEFAULT_LOG_ROTATION,
): Writable {
  const file = `${name}.log`;
  // In classical (`rotate`) mode the generator gets the old file's number first, null for the current one.
  const stream = createStream((n) => (typeof n === "number" && n > 0 ? `${file}.${n}` : file), {
    path: dir,
    size: `${rotation.maxKiB}K`,
    rotate: rotation.keep,
    mode: 0o600,
  });
  // A failed rotation or write must not take `up` down; the child keeps running without its log.
  stream.on("error", () => {});
  return stream;
}
