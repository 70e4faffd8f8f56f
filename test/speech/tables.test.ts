import { describe, expect, it } from "vitest";
import { tellTables } from "../../src/speech/tables.js";

describe("tables", () => {
  it("tells a small table whole in two sentences", () => {
    expect(tellTables("| Task | Status |\n|---|:--:|\n| Backup | done |\n| Deploy | failed |")).toBe(
      "Here's a table of task and status. Backup: done and Deploy: failed.",
    );
  });
  it("tells a big table by its size and first cells", () => {
    const rows = ["A", "B", "C", "D", "E", "F"].map((x) => `| ${x} | 1 | 2 | 3 |`).join("\n");
    expect(tellTables(`| N | a | b | c |\n|---|---|---|---|\n${rows}`)).toBe(
      "Here's a table of n, a, b and c with 6 rows. They are A, B, C and 3 more.",
    );
  });
  it("leaves text with pipes that is not a table alone", () => {
    expect(tellTables("a | b")).toBe("a | b");
  });
});
