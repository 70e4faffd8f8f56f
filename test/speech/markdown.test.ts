import { describe, expect, it } from "vitest";
import { dropBlockMarkup, dropInlineMarkup, hasMarkup, ITEM } from "../../src/speech/markdown.js";

describe("markdown", () => {
  it("puts headings, items and quotes on lines of their own, markers gone", () => {
    expect(dropBlockMarkup("# Title\n- one\n2. two\n> quoted\n---")).toBe(
      `Title\n\n${ITEM}one\n\n${ITEM}two\nquoted\n\n`,
    );
  });
  it("unwraps emphasis, drops citations, keeps snake_case", () => {
    expect(dropInlineMarkup("***Big*** and ~~old~~ [1] fact[^2] my_var.")).toBe("Big and old fact my_var.");
    expect(hasMarkup("a [1] b")).toBe(true);
    expect(hasMarkup("my_var is fine.")).toBe(false);
  });
  it("reads HTML as text", () => {
    expect(dropBlockMarkup("<b>Hi</b> &amp; bye<br>next")).toBe(" Hi  & bye\nnext");
  });
});
