import { chmodSync, readFileSync, realpathSync } from "node:fs";
import { atomicWriteFile } from "../state/atomic.js";

/**
 * Editing `.env` without clobbering it: existing keys are replaced where they stand (every copy, so
 * a later duplicate cannot silently win), `export KEY=` lines keep their `export`, comments, blank
 * lines, other keys and the line-ending style are kept, new keys are appended. The file is written
 * atomically with mode 0600 (it holds the API key).
 */

const LINE_RE = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_.-]*)(\s*=)/;

/** Quotes a value only when dotenv would otherwise misread it. */
export function formatEnvValue(value: string): string {
  if (/[\r\n]/.test(value)) throw new Error("an .env value cannot contain a line break");
  if (value === "" || /^[A-Za-z0-9_@.+:/,-]+$/.test(value)) return value;
  if (!value.includes('"')) return `"${value}"`;
  if (!value.includes("'")) return `'${value}'`;
  throw new Error("an .env value cannot contain both quote characters");
}

/** Pure: the new text of an .env file with `updates` applied. */
export function applyEnvUpdates(text: string, updates: Readonly<Record<string, string>>): string {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = text === "" ? [] : text.split(/\r?\n/);
  // A trailing newline leaves one empty string at the end; keep it out of the way of appends.
  const trailing = lines.length > 0 && lines[lines.length - 1] === "";
  if (trailing) lines.pop();
  const done = new Set<string>();
  const out = lines.map((line) => {
    const m = LINE_RE.exec(line);
    if (!m) return line;
    const key = m[2]!;
    const value = updates[key];
    if (value === undefined) return line;
    done.add(key);
    return `${m[1]}${key}=${formatEnvValue(value)}`;
  });
  for (const [key, value] of Object.entries(updates)) {
    if (!done.has(key)) out.push(`${key}=${formatEnvValue(value)}`);
  }
  return `${out.join(eol)}${eol}`;
}

/** Reads, updates and atomically rewrites an .env file (created if missing), mode 0600. */
export function updateEnvFile(envPath: string, updates: Readonly<Record<string, string>>): void {
  // A symlinked .env (dotfiles repos) is edited where it points, not replaced by a plain file.
  let path = envPath;
  try {
    path = realpathSync(envPath);
  } catch {}
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  atomicWriteFile(path, applyEnvUpdates(text, updates), 0o600);
  // The temp file was created 0600, but a umask cannot widen it and rename keeps it; be explicit anyway.
  chmodSync(path, 0o600);
}

/**
 * Saves a newly issued key with `updateEnvFile`; if the file cannot be written, prints the key this
 * one time (the relay never shows it again) and returns false.
 */
export function saveKeyFile(
  io: { err(line: string): void },
  command: string,
  path: string,
  updates: Readonly<Record<string, string>>,
  apiKey: string,
): boolean {
  try {
    updateEnvFile(path, updates);
    return true;
  } catch (err) {
    io.err(
      `clawcall ${command}: could not write ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`,
    );
    io.err(`The new API key is ${apiKey} — store it now (CLAWCALL_API_KEY); it is not shown again.`);
    return false;
  }
}
