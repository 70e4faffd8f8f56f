/** Every sentence the bridge and the listener say on their own passes the shaper's check as written. */
import { describe, expect, it } from "vitest";
import * as lines from "../../src/bridge/lines.js";
import { PHRASES } from "../../src/listener/speech.js";
import { speechProblems } from "../../src/speech/index.js";

const names = { agentName: "Pinchy", userName: "Sam" };

describe("stock lines", () => {
  it("the bridge's constant lines and the listener's phrases are speakable", () => {
    const constants = Object.entries(lines).filter((e): e is [string, string] => typeof e[1] === "string");
    expect(constants.length).toBeGreaterThan(10);
    for (const [name, text] of [...constants, ...Object.entries(PHRASES)]) {
      expect(speechProblems(text), name).toEqual([]);
    }
  });

  it("lines built from other people's words are speakable however those words look", () => {
    const odd = "**book** a table at https://resto.example/r?id=1 🍝 for 19:30 `now`";
    const built = [
      lines.modelFallback("off"),
      lines.modelFallback("unreachable"),
      lines.modelFallback("failed"),
      lines.holding(true),
      lines.lateAnswer(names, odd, "It is booked.").inCall,
      lines.lateFailure(names, odd).callback,
      lines.thirdPartyOpening(names, odd),
      lines.withRecordingNotice(lines.thirdPartyOpening(names, odd), "This call may be recorded."),
      lines.scheduledPlain("Hi Sam, it's Pinchy with your scheduled call.", odd),
      lines.thirdPartySummary({ objective: odd, heardAnything: true, lastTheirs: odd, lastAgent: odd }),
    ];
    for (const text of built) expect(speechProblems(text), text).toEqual([]);
  });
});
