import { describe, expect, it } from "vitest";
import { dropReasoning, hasReasoning, isReasoningPart } from "../../src/speech/reasoning.js";

describe("reasoning", () => {
  it("drops closed blocks whole, with the words inside", () => {
    expect(dropReasoning("<think>secret plan</think>The answer.").trim()).toBe("The answer.");
    expect(dropReasoning("<Thinking a='1'>\nsecret\n</Thinking> A.").trim()).toBe("A.");
  });
  it("drops an unclosed block to the end, and everything before a lone closing tag", () => {
    expect(dropReasoning("Answer first. <think>cut off by max_tok").trim()).toBe("Answer first.");
    expect(dropReasoning("so the user wants X</think> The answer.").trim()).toBe("The answer.");
  });
  it("keeps only the final channel of a harmony reply", () => {
    const s = "<|channel|>analysis<|message|>secret<|end|><|start|>assistant<|channel|>final<|message|>Hi.";
    expect(dropReasoning(s).trim()).toBe("Hi.");
  });
  it("knows reasoning markup and reasoning content parts", () => {
    expect(hasReasoning("a </think> b")).toBe(true);
    expect(hasReasoning("I think so.")).toBe(false);
    expect(isReasoningPart({ type: "thinking", text: "x" })).toBe(true);
    expect(isReasoningPart({ text: "x", thought: true })).toBe(true);
    expect(isReasoningPart({ type: "text", text: "x" })).toBe(false);
  });
});
