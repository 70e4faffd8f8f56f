import { describe, expect, it } from "vitest";
import { CODE_NOTE, INLINE_CODE_NOTE, replaceCode } from "../../src/speech/code.js";

describe("code", () => {
  it("says one note for a block (closed or not) and for a run of blocks", () => {
    expect(replaceCode("Run:\n```js\nconst x = 1;\n```\nDone.")).toBe(`Run:\n\n${CODE_NOTE}\n\nDone.`);
    expect(replaceCode("```\na\n```\n```\nb\n```").match(new RegExp(CODE_NOTE, "g"))).toHaveLength(1);
    expect(replaceCode("Try:\n```sh\nrm -rf x")).not.toContain("rm -rf");
  });
  it("keeps inline code that is words, notes the rest, leaves links to links.ts", () => {
    expect(replaceCode("Use `git status` now.")).toBe("Use git status now.");
    expect(replaceCode("Map `x => x * 2` here.")).toBe(`Map ${INLINE_CODE_NOTE} here.`);
    expect(replaceCode("Open `https://a.example/b`.")).toBe("Open https://a.example/b.");
  });
});
