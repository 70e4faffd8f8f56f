import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { END_CALL_SENTINEL, extractEndCall, replyFromCliOutput } from "../../src/openclaw/reply.js";

const samples = new URL("../fixtures/openclaw/", import.meta.url);
const sample = (name: string) => readFileSync(new URL(name, samples), "utf8");

describe("OpenClaw reply parsing", () => {
  it("reads result.payloads[].text from `openclaw agent --json`", () => {
    expect(replyFromCliOutput(sample("agent.json"))).toBe("STUB: hello");
  });

  it("reads outputs[].text from `openclaw infer model run --json`", () => {
    expect(replyFromCliOutput(sample("infer.json"))).toBe("STUB: hi");
  });

  it("finds the JSON after log lines and never speaks the logs", () => {
    const out = `[gateway] warming up\nWARN something\n${sample("infer.json")}`;
    expect(replyFromCliOutput(out)).toBe("STUB: hi");
    expect(replyFromCliOutput("just a log line\nanother $(rm -rf /)")).toBeUndefined();
    expect(replyFromCliOutput("")).toBeUndefined();
  });

  it("extracts the end-call sentinel", () => {
    expect(extractEndCall(`Goodbye! ${END_CALL_SENTINEL}`)).toEqual({ text: "Goodbye!", endCall: true });
    expect(extractEndCall("Bye [[end call]] now")).toEqual({ text: "Bye now", endCall: true });
    expect(extractEndCall("Still here")).toEqual({ text: "Still here", endCall: false });
  });
});
