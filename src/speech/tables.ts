/**
 * A markdown table read cell by cell is "name, status, Backup, done, Deploy, failed": comma soup.
 * On the phone a table is told in one or two sentences: what it is about, then its rows by their
 * first cells, with the other cells when the table is small enough to say in one breath.
 */
import { joinAnd } from "./words.js";

const ROW = /^\s*\|?(.+\|.+?)\|?\s*$/;
const RULE = /^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$/;

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split("|")
    .map((c) => c.trim());
}

/** Small tables are said whole: "Backup is done, Deploy is failed". */
const WHOLE_ROWS = 4;
const WHOLE_COLUMNS = 3;

/** The spoken version of one table (header cells, then rows). */
export function tellTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const topics = header.filter((h) => h !== "");
  const about = topics.length > 0 ? ` of ${joinAnd(topics.map((h) => h.toLowerCase()))}` : "";
  const n = rows.length;
  if (n === 0) return `There's an empty table${about}.`;
  if (n <= WHOLE_ROWS && header.length <= WHOLE_COLUMNS) {
    const said = rows.map((r) => {
      const [first, ...others] = r.filter((c) => c !== "");
      if (others.length === 0) return first ?? "";
      return `${first}: ${others.join(", ")}`;
    });
    return `Here's a table${about}. ${joinAnd(said.filter(Boolean))}.`.replace(/\.\.$/, ".");
  }
  const firsts = rows.map((r) => r[0] ?? "").filter(Boolean);
  const named =
    firsts.length > 4 ? `${firsts.slice(0, 3).join(", ")} and ${firsts.length - 3} more` : joinAnd(firsts);
  return `Here's a table${about} with ${n} rows. They are ${named}.`;
}

/** Replaces every markdown table (a header row, a rule row, then rows) by its spoken version. */
export function tellTables(s: string): string {
  if (!s.includes("|")) return s;
  const lines = s.split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const next = lines[i + 1] ?? "";
    if (ROW.test(line) && RULE.test(next)) {
      const header = cells(line);
      const rows: string[][] = [];
      let j = i + 2;
      while (j < lines.length && ROW.test(lines[j] ?? "") && !RULE.test(lines[j] ?? "")) {
        rows.push(cells(lines[j] ?? ""));
        j++;
      }
      out.push(tellTable(header, rows));
      i = j - 1;
      continue;
    }
    out.push(line);
  }
  return out.join("\n");
}
