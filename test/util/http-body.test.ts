import type { IncomingMessage } from "node:http";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { BodyReadError, BodyTooLargeError, readBody } from "../../src/util/http-body.js";

/** A request stream with headers, fed by the test. */
function fakeRequest(headers: Record<string, string> = {}) {
  const stream = new PassThrough();
  return Object.assign(stream, { headers }) as unknown as IncomingMessage & PassThrough;
}

describe("readBody (shared by the bridge and the sandbox)", () => {
  it("collects the whole body", async () => {
    const req = fakeRequest();
    const p = readBody(req, 100);
    req.write("hello ");
    req.end("world");
    const body = await p;
    expect(body.complete).toBe(true);
    expect(body.bytes.toString()).toBe("hello world");
  });

  it("refuses a declared length over the limit before reading a byte", async () => {
    const req = fakeRequest({ "content-length": "101" });
    const err = await readBody(req, 100).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BodyTooLargeError);
    expect(err).toMatchObject({ declared: true, limit: 100 });
  });

  it("refuses a streamed body once it passes the limit, and stops collecting", async () => {
    const req = fakeRequest();
    const p = readBody(req, 10);
    req.write("0123456789");
    req.write("x");
    const err = await p.catch((e: unknown) => e);
    expect(err).toMatchObject({ declared: false });
    expect(req.listenerCount("data")).toBe(0);
  });

  it("a client that went away resolves with what arrived, marked incomplete", async () => {
    const req = fakeRequest();
    const p = readBody(req, 100);
    req.write("part");
    await new Promise((r) => setImmediate(r));
    req.emit("aborted");
    expect(await p).toMatchObject({ complete: false });
    expect((await p).bytes.toString()).toBe("part");
  });

  it("a stream error rejects with BodyReadError", async () => {
    const req = fakeRequest();
    const p = readBody(req, 100);
    req.destroy(new Error("socket hang up"));
    expect(await p.catch((e: unknown) => e)).toBeInstanceOf(BodyReadError);
  });
});
