// @ts-check
/** CPU time of a process from /proc/<pid>/stat (Linux): user + system, in ms. NaN elsewhere. */
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on every Linux Node runs on). */
const USER_HZ = 100;

/**
 * @param {number} pid
 * @returns {number} ms of CPU used so far (user + system)
 */
export function cpuMs(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return Number.NaN;
  }
  // Fields after the command name (which may contain spaces) start after the last ")".
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return ((utime + stime) * 1000) / USER_HZ;
}
