/**
 * Each bridge turn's outcome: a line of the per-turn record (source, intent, model time and error,
 * holding line, no words unless debug) and, when switched on, `GET /metrics` in the Prometheus text
 * format (404 when off).
 */
import { describe, expect, it } from "vitest";
import { ClawcallError } from "../../src/errors.js";
import { readTurnRecord } from "../../src/state/turn-record.js";
import { scriptedModel } from "../helpers/bridge-fakes.js";
import { eventually, http } from "../helpers/bridge-proc.js";
import { makeTempDir } from "../helpers/temp-dirs.js";
import { closeBridgesAfterEach, testBridge } from "./in-process.js";

closeBridgesAfterEach();

const SID = `CA${"b".repeat(32)}`;
const post = (url: string, message: string) =>
  http(`${url}/clawcall/message`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ call_sid: SID, message }),
  });

/** Every bridge line of the record, once the bridge has closed (closing writes what is queued). */
function bridgeLines(stateDir: string) {
  return readTurnRecord(stateDir, 0).lines.filter((l) => l.by === "bridge");
}

describe("the bridge's per-turn record", () => {
  it("records fast and model turns with their source, intent and model time, and a model error", async () => {
    const m = scriptedModel();
    const stateDir = makeTempDir("turn-outcomes-");
    const b = testBridge({ CLAWCALL_STATE_DIR: stateDir }, { model: m.model });
    await b.handleMessage({ call_sid: SID, message: "what time is it" });
    await b.handleMessage({ call_sid: SID, message: "tell me about the secret plan for the garden" });
    m.set(async () => {
      throw new ClawcallError("E_MODEL_STALLED", "no headers");
    });
    await b.handleMessage({ call_sid: SID, message: "and the other secret plan" });
    await b.close(100);
    const turns = bridgeLines(stateDir);
    expect(turns.map((t) => (t.event === "turn" ? [t.source, t.intent, t.call] : t.event))).toEqual([
      ["fast", "time", "owner"],
      ["model", null, "owner"],
      ["fallback", null, "owner"],
    ]);
    const [, model, failed] = turns;
    expect(model).toMatchObject({ model_ms: expect.any(Number), holding: false });
    expect(model).not.toHaveProperty("model_error");
    expect(failed).toMatchObject({ model_error: "E_MODEL_STALLED", model_ms: expect.any(Number) });
    // No words without debug: neither the question nor the answer.
    const raw = JSON.stringify(turns);
    expect(raw).not.toMatch(/secret plan|echo/);
    expect(turns.every((t) => !("said" in t))).toBe(true);
  });

  it("records a holding line, then the deferred answer with the late model call's time", async () => {
    const m = scriptedModel();
    const stateDir = makeTempDir("turn-outcomes-");
    const b = testBridge(
      { CLAWCALL_STATE_DIR: stateDir, CLAWCALL_PHONE_TIMEOUT_MS: "100" },
      { model: m.model },
    );
    let finish: (text: string) => void = () => {};
    m.set(() => new Promise<string>((resolve) => (finish = resolve)));
    const r = await b.handleMessage({ call_sid: SID, message: "find me a plumber for tomorrow" });
    expect(r.source).toBe("deferred");
    finish("Joe's Plumbing can come at nine.");
    await eventually(() => b.deliveries.pending.length === 1);
    await b.close(100);
    const [held, done] = bridgeLines(stateDir);
    expect(held).toMatchObject({ event: "turn", source: "deferred", holding: true });
    expect(held).not.toHaveProperty("model_ms");
    expect(done).toMatchObject({ event: "deferred", outcome: "answer", model_ms: expect.any(Number) });
  });

  it("keeps the answer text when LOG_LEVEL is debug", async () => {
    const m = scriptedModel();
    const stateDir = makeTempDir("turn-outcomes-");
    const b = testBridge({ CLAWCALL_STATE_DIR: stateDir, LOG_LEVEL: "debug" }, { model: m.model });
    await b.handleMessage({ call_sid: SID, message: "tell me about the secret plan" });
    await b.close(100);
    expect(bridgeLines(stateDir)[0]).toMatchObject({
      source: "model",
      said: expect.stringMatching(/secret plan/),
    });
  });
});

describe("GET /metrics", () => {
  it("serves turns by source, latency histograms, model errors and active calls when switched on", async () => {
    const m = scriptedModel();
    const b = testBridge({ CLAWCALL_METRICS: "on" }, { model: m.model });
    const { url } = await b.listen();
    expect((await post(url, "what time is it")).status).toBe(200);
    expect((await post(url, "tell me something long about the sea")).json).toMatchObject({ source: "model" });
    m.set(async () => {
      throw new ClawcallError("E_MODEL_STALLED", "no headers");
    });
    expect((await post(url, "and about the mountains")).json).toMatchObject({ source: "fallback" });
    const r = await http(`${url}/metrics`);
    expect(r.status).toBe(200);
    expect(String(r.headers["content-type"])).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = r.text;
    expect(body).toContain('clawcall_turns_total{source="fast"} 1');
    expect(body).toContain('clawcall_turns_total{source="model"} 1');
    expect(body).toContain('clawcall_turns_total{source="fallback"} 1');
    expect(body).toContain("# TYPE clawcall_turn_seconds histogram");
    expect(body).toContain('clawcall_turn_seconds_bucket{le="+Inf"} 3');
    expect(body).toContain("clawcall_turn_seconds_count 3");
    expect(body).toContain("clawcall_model_seconds_count 2");
    expect(body).toContain('clawcall_model_errors_total{code="E_MODEL_STALLED"} 1');
    expect(body).toContain("clawcall_active_calls 1");
    // Every sample line is `name{labels} number`; every family has HELP and TYPE.
    for (const line of body.trim().split("\n")) {
      expect(line).toMatch(/^(# (HELP|TYPE) clawcall_\w+ .+|clawcall_\w+(\{[^}]*\})? -?[\d.e+-]+)$/);
    }
  });

  it("is not there when off (the default)", async () => {
    const b = testBridge();
    const { url } = await b.listen();
    const off = await http(`${url}/metrics`);
    expect(off.status).toBe(404);
    expect(off.text).toContain("CLAWCALL_METRICS=on");
  });
});
