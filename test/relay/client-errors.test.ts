import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ClawcallError,
  DeadlineError,
  ERROR_CODES,
  RelayHttpError,
  RelayTransportError,
  relayCodeForStatus,
} from "../../src/errors.js";
import { parseRetryAfter, RelayClient, type RelayClientOptions } from "../../src/relay/client.js";
import {
  cutJson,
  delayedJson,
  headersThenStall,
  htmlPage,
  jsonError,
  neverAnswer,
  PROXY_502,
  rawBody,
  refusedUrl,
  resetSocket,
  truncatedBody,
} from "../helpers/relay-fake-faults.js";
import { type FakeRelay, FLASK_500, startFakeRelay } from "../helpers/relay-fake-server.js";

/** Every way a relay request fails, and the error class and code each one must produce. */

let fake: FakeRelay;
let key: string;
const clients: RelayClient[] = [];
function client(extra: Partial<RelayClientOptions> = {}) {
  const c = new RelayClient({ apiUrl: fake.url, apiKey: key, ...extra });
  clients.push(c);
  return c;
}
async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

beforeEach(async () => {
  fake = await startFakeRelay();
  key = fake.addAccount({ email: "me@example.com", phone: "+14155550100" }).apiKey;
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close(100)));
  await fake.close();
});

describe("relay error bodies → RelayHttpError codes (the contract's own statuses and strings)", () => {
  it("400 → E_RELAY_BAD_REQUEST (callback without a personal phone)", async () => {
    const noPhone = fake.addAccount({ tier: "pro" });
    const err = await failure(client({ apiKey: noPhone.apiKey }).callback("hi"));
    expect(err).toBeInstanceOf(RelayHttpError);
    expect(err).toMatchObject({
      code: "E_RELAY_BAD_REQUEST",
      status: 400,
      endpoint: "outbound/callback",
      relayMessage: "No personal phone number registered. POST /api/v1/account/phone first",
    });
  });

  it("401 → E_RELAY_AUTH, both relay messages", async () => {
    const bad = await failure(client({ apiKey: "00000000-0000-4000-8000-000000000000" }).account());
    expect(bad).toMatchObject({ code: "E_RELAY_AUTH", status: 401, relayMessage: "Invalid API key" });
    fake.override("GET /api/v1/account", jsonError(401, "Missing Authorization header"), 1);
    expect(await failure(client().account())).toMatchObject({
      code: "E_RELAY_AUTH",
      relayMessage: "Missing Authorization header",
    });
  });

  it("401 as an HTML page from a proxy is still the auth decision", async () => {
    fake.override("GET /api/v1/account", htmlPage(401, "<html><title>401</title></html>"));
    expect(await failure(client().account())).toMatchObject({
      code: "E_RELAY_AUTH",
      status: 401,
      relayMessage: "HTTP 401",
    });
  });

  it("402 → E_RELAY_PAYMENT (verify failures)", async () => {
    const err = await failure(client().billingVerify("missing-sig", "pro"));
    expect(err).toMatchObject({
      code: "E_RELAY_PAYMENT",
      status: 402,
      relayMessage: "Transaction not found or not yet confirmed",
    });
  });

  it("403 → E_RELAY_TIER (callback, schedule and third party on free)", async () => {
    const c = client();
    expect(await failure(c.callback("hi"))).toMatchObject({
      code: "E_RELAY_TIER",
      status: 403,
      relayMessage: "Outbound calls require Pro tier or above",
    });
    expect(
      await failure(c.createSchedule({ cron: "0 8 * * mon", label: "x", task_context: "", timezone: "UTC" })),
    ).toMatchObject({ code: "E_RELAY_TIER", relayMessage: "Scheduled calls require Pro tier or above" });
    expect(
      await failure(c.thirdParty({ to_number: "+14155550123", objective: "x", context: "" })),
    ).toMatchObject({ code: "E_RELAY_TIER", relayMessage: "Third party calls require Pro tier or above" });
  });

  it("404 → E_RELAY_NOT_FOUND (respond to an expired sid, unknown schedule)", async () => {
    const c = client();
    expect(await failure(c.respond(`CA${"a".repeat(32)}`, "hello", false))).toMatchObject({
      code: "E_RELAY_NOT_FOUND",
      status: 404,
      relayMessage: "Unknown or expired call_sid",
    });
    expect(await failure(c.deleteSchedule("0b7c0a2e-1111-4222-8333-444455556666"))).toMatchObject({
      code: "E_RELAY_NOT_FOUND",
      relayMessage: "Schedule not found",
    });
  });

  it("409 → E_RELAY_CONFLICT (the same payment twice)", async () => {
    const c = client();
    await c.billingVerify("sig-1", "pro");
    expect(await failure(c.billingVerify("sig-1", "pro"))).toMatchObject({
      code: "E_RELAY_CONFLICT",
      status: 409,
      relayMessage: "Transaction already used",
    });
  });

  it("429 → E_RELAY_LIMIT (monthly minutes), without Retry-After", async () => {
    const spent = fake.addAccount({ tier: "pro", overage: 5, phone: "+14155550100" });
    const err = await failure(client({ apiKey: spent.apiKey }).callback("hi"));
    expect(err).toMatchObject({
      code: "E_RELAY_LIMIT",
      status: 429,
      relayMessage: "Monthly minute limit reached",
      retryAfterMs: undefined,
    });
  });

  it("429 with Retry-After in seconds and as an HTTP date → retryAfterMs", async () => {
    fake.override("GET /api/v1/calls/listen", jsonError(429, "slow down", { "retry-after": "7" }), 1);
    expect(await failure(client().listen(0))).toMatchObject({ code: "E_RELAY_LIMIT", retryAfterMs: 7000 });

    const at = new Date(Date.now() + 30_000).toUTCString();
    fake.override("GET /api/v1/calls/listen", jsonError(429, "slow down", { "retry-after": at }), 1);
    const err = (await failure(client().listen(0))) as RelayHttpError;
    expect(err.retryAfterMs).toBeGreaterThan(25_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(30_000);

    // A 429 page without JSON is still the rate-limit decision.
    fake.override("GET /api/v1/calls/listen", (_req, res) => {
      res.writeHead(429, { "retry-after": "2", "content-type": "text/html" });
      res.end("<html><title>Too Many Requests</title></html>");
    });
    expect(await failure(client().listen(0))).toMatchObject({ code: "E_RELAY_LIMIT", retryAfterMs: 2000 });
  });

  it("5xx with a JSON body → E_RELAY_SERVER (payments not configured, Twilio failure)", async () => {
    fake.wallet = null;
    expect(await failure(client().billingCheckout("pro"))).toMatchObject({
      code: "E_RELAY_SERVER",
      status: 503,
      relayMessage: "Payments not configured on this server",
    });
    fake.override(
      "POST /api/v1/calls/outbound/callback",
      jsonError(500, "Unable to create record: bad number"),
    );
    expect(await failure(client().callback("hi"))).toMatchObject({ code: "E_RELAY_SERVER", status: 500 });
  });

  it("another status with a JSON error → E_RELAY_HTTP", async () => {
    fake.override("GET /api/v1/account", jsonError(418, "teapot"));
    expect(await failure(client().account())).toMatchObject({ code: "E_RELAY_HTTP", status: 418 });
  });

  it("maps every status the contract uses to one code", () => {
    expect([400, 401, 402, 403, 404, 409, 429, 500, 502, 503, 418].map(relayCodeForStatus)).toEqual([
      "E_RELAY_BAD_REQUEST",
      "E_RELAY_AUTH",
      "E_RELAY_PAYMENT",
      "E_RELAY_TIER",
      "E_RELAY_NOT_FOUND",
      "E_RELAY_CONFLICT",
      "E_RELAY_LIMIT",
      "E_RELAY_SERVER",
      "E_RELAY_SERVER",
      "E_RELAY_SERVER",
      "E_RELAY_HTTP",
    ]);
  });
});

describe("unusable answers → RelayTransportError E_TRANSPORT_BAD_BODY with the status", () => {
  it.each([
    [500, FLASK_500, /text\/html: "500 Internal Server Error"/],
    [502, PROXY_502, /text\/html: "502 Bad Gateway"/],
  ])("HTML %i page", async (status, html, describes) => {
    fake.override("GET /api/v1/account", htmlPage(status, html));
    const err = await failure(client().account());
    expect(err).toBeInstanceOf(RelayTransportError);
    expect(err).toMatchObject({ code: "E_TRANSPORT_BAD_BODY", status, endpoint: "account" });
    expect(err.message).toMatch(describes);
  });

  it("the relay's own HTML 500 for a non-numeric listen timeout (sent around the client)", async () => {
    // The client never sends one; prove the fake's crash page classifies like the real one.
    fake.override("GET /api/v1/calls/listen", htmlPage(500, FLASK_500), 1);
    expect(await failure(client().listen(1))).toMatchObject({ code: "E_TRANSPORT_BAD_BODY", status: 500 });
  });

  it("an HTML 404 for an unknown route", async () => {
    const c = new RelayClient({ apiUrl: `${fake.url}/nothing-here`, apiKey: key });
    clients.push(c);
    expect(await failure(c.account())).toMatchObject({ code: "E_TRANSPORT_BAD_BODY", status: 404 });
  });

  it("a 200 that is not JSON, or JSON of the wrong shape", async () => {
    fake.override("GET /api/v1/account", rawBody(200, "OK"), 1);
    expect(await failure(client().account())).toMatchObject({ code: "E_TRANSPORT_BAD_BODY", status: 200 });
    fake.override("GET /api/v1/account", rawBody(200, '{"ok":true}', "application/json"), 1);
    const err = await failure(client().account());
    expect(err).toMatchObject({ code: "E_TRANSPORT_BAD_BODY", status: 200 });
    expect(err.message).toMatch(/unexpected response shape/);
    fake.override("GET /api/v1/account", rawBody(200, "null", "application/json"), 1);
    expect(await failure(client().account())).toMatchObject({ code: "E_TRANSPORT_BAD_BODY" });
  });

  it("cut-off JSON in a complete response", async () => {
    fake.override("GET /api/v1/calls/listen", cutJson(200));
    expect(await failure(client().listen(0))).toMatchObject({ code: "E_TRANSPORT_BAD_BODY", status: 200 });
  });

  it("a body cut short by the connection closing (Content-Length not reached)", async () => {
    fake.override("GET /api/v1/calls/listen", truncatedBody(200));
    const err = await failure(client().listen(0));
    expect(err).toMatchObject({ code: "E_TRANSPORT_BAD_BODY", status: 200 });
  });

  it("an error status whose JSON has no error field", async () => {
    fake.override("GET /api/v1/account", rawBody(500, '{"ok":false}', "application/json"));
    expect(await failure(client().account())).toMatchObject({ code: "E_TRANSPORT_BAD_BODY", status: 500 });
  });
});

describe("no answer at all", () => {
  it("connection reset before answering → E_TRANSPORT_RESET", async () => {
    fake.override("POST /api/v1/calls/respond/CA0123456789abcdef0123456789abcdef", resetSocket());
    const err = await failure(client().respond("CA0123456789abcdef0123456789abcdef", "hello", false));
    expect(err).toBeInstanceOf(RelayTransportError);
    expect(err).toMatchObject({ code: "E_TRANSPORT_RESET", status: undefined, endpoint: "respond" });
  });

  it("connection refused → E_TRANSPORT_CONNECT", async () => {
    const c = new RelayClient({ apiUrl: await refusedUrl(), apiKey: key });
    clients.push(c);
    const err = await failure(c.health());
    expect(err).toBeInstanceOf(RelayTransportError);
    expect(err).toMatchObject({ code: "E_TRANSPORT_CONNECT" });
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it("a server that never answers → E_TRANSPORT_TIMEOUT (headers timeout from the options)", async () => {
    fake.override("GET /api/v1/account", neverAnswer());
    const err = await failure(client({ headersTimeoutMs: 300 }).account());
    expect(err).toBeInstanceOf(RelayTransportError);
    expect(err).toMatchObject({ code: "E_TRANSPORT_TIMEOUT" });
    expect(err.message).toMatch(/UND_ERR_HEADERS_TIMEOUT/);
  });

  it("headers then a stalled body → E_TRANSPORT_TIMEOUT with the status", async () => {
    fake.override("GET /api/v1/account", headersThenStall(200));
    const err = await failure(client({ bodyTimeoutMs: 300 }).account());
    expect(err).toMatchObject({ code: "E_TRANSPORT_TIMEOUT", status: 200 });
    expect(err.message).toMatch(/UND_ERR_BODY_TIMEOUT/);
  });

  it("the caller's AbortSignal.timeout → DeadlineError, not a transport error", async () => {
    fake.override("GET /api/v1/account", neverAnswer());
    const err = await failure(client().account({ signal: AbortSignal.timeout(150) }));
    expect(err).toBeInstanceOf(DeadlineError);
    expect(err).toMatchObject({ code: "E_DEADLINE" });
    // The budget it had, not "0 ms" (timers may fire a hair early).
    expect((err as DeadlineError).deadlineMs).toBeGreaterThanOrEqual(140);
    expect(err.message).toMatch(/passed its \d{3,} ms deadline/);
  });

  it("a caller's AbortSignal.timeout during a long poll → DeadlineError", async () => {
    const err = await failure(client().listen(5, AbortSignal.timeout(150)));
    expect(err).toBeInstanceOf(DeadlineError);
  });

  it("abort by shutdown (AbortController) → E_TRANSPORT_ABORTED", async () => {
    const ctl = new AbortController();
    const p = client().listen(5, ctl.signal);
    setTimeout(() => ctl.abort(), 100);
    const err = await failure(p);
    expect(err).toBeInstanceOf(RelayTransportError);
    expect(err).toMatchObject({ code: "E_TRANSPORT_ABORTED" });
    // An already-aborted signal never reaches the relay.
    const before = fake.requests.length;
    const again = await failure(client().account({ signal: AbortSignal.abort() }));
    expect(again).toMatchObject({ code: "E_TRANSPORT_ABORTED" });
    expect(fake.requests.length).toBe(before);
  });

  it("close() under an in-flight request, and requests after close → E_TRANSPORT_ABORTED", async () => {
    fake.override("GET /api/v1/account", neverAnswer());
    const c = client();
    const p = c.account();
    await new Promise((r) => setTimeout(r, 100));
    await c.close(50);
    expect(await failure(p)).toMatchObject({ code: "E_TRANSPORT_ABORTED" });
    expect(await failure(c.health())).toMatchObject({ code: "E_TRANSPORT_ABORTED" });
  });

  it("anything undici refuses for another reason → the generic E_TRANSPORT", async () => {
    const err = await failure(client({ apiKey: "bad\r\nkey" }).account());
    expect(err).toBeInstanceOf(RelayTransportError);
    expect(err).toMatchObject({ code: "E_TRANSPORT" });
    expect(fake.requests).toHaveLength(0);
  });
});

describe("local validation rejects before any request (typed, asynchronous)", () => {
  it("invalid input → E_INVALID_INPUT as a rejection, never a synchronous throw or a ZodError", async () => {
    const c = client();
    const cases: (() => Promise<unknown>)[] = [
      () => c.respond(`CA${"b".repeat(32)}`, "   ", false),
      () => c.callback(""),
      () => c.thirdParty({ to_number: "", objective: "x", context: "" }),
      () => c.createSchedule({ cron: " ", label: "", task_context: "", timezone: "UTC" }),
      () => c.deleteSchedule("../account"),
      () => c.billingCheckout("gold" as "pro"),
      () => c.billingVerify("", "pro"),
      () => c.setPhone(""),
      () => c.setVoice(""),
      () => c.createAgent({ agent_webhook_url: "" }),
    ];
    for (const call of cases) {
      let p: Promise<unknown> | undefined;
      expect(() => {
        p = call();
      }).not.toThrow();
      const err = await failure(p!);
      expect(err).toBeInstanceOf(ClawcallError);
      expect((err as ClawcallError).code).toBe("E_INVALID_INPUT");
    }
    expect(fake.requests).toHaveLength(0);
  });
});

describe("bodies are always consumed", () => {
  it("80 sequential error answers on a one-connection pool neither stall nor open new sockets", async () => {
    let connections = 0;
    fake.server.on("connection", () => connections++);
    fake.override("GET /api/v1/account", htmlPage(502));
    fake.override("GET /api/v1/calls/schedule", jsonError(404, "nope"));
    fake.override("GET /api/v1/calls/history", htmlPage(500, `${FLASK_500}${"x".repeat(64 * 1024)}`));
    const c = client({ connections: 1, headersTimeoutMs: 2_000 });
    const codes = new Set<string>();
    for (let i = 0; i < 80; i++) {
      const call = i % 3 === 0 ? c.account() : i % 3 === 1 ? c.listSchedules() : c.history();
      codes.add(((await failure(call)) as ClawcallError).code);
    }
    expect(codes).toEqual(new Set(["E_TRANSPORT_BAD_BODY", "E_RELAY_NOT_FOUND"]));
    expect(connections).toBe(1);
    await expect(c.health()).resolves.toMatchObject({ ok: true });
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("Wed, 21 Oct 2026 07:28:00 GMT");
  it.each([
    ["120", 120_000],
    ["0", 0],
    ["1.5", 1_500],
    [" 3 ", 3_000],
    ["Wed, 21 Oct 2026 07:28:30 GMT", 30_000],
    ["Wed, 21 Oct 2026 07:27:00 GMT", 0],
    [["4", "9"], 4_000],
  ])("%j → %i ms", (h, ms) => {
    expect(parseRetryAfter(h, now)).toBe(ms);
  });
  it.each([[undefined], [""], ["soon"], ["-5"], ["1e3"], [42]])("%j → undefined", (h) => {
    expect(parseRetryAfter(h, now)).toBeUndefined();
  });
});

describe("the error registry", () => {
  it("every relay and transport code has a description", () => {
    for (const c of [
      "E_RELAY_AUTH",
      "E_RELAY_TIER",
      "E_RELAY_LIMIT",
      "E_RELAY_NOT_FOUND",
      "E_RELAY_BAD_REQUEST",
      "E_RELAY_CONFLICT",
      "E_RELAY_PAYMENT",
      "E_RELAY_SERVER",
      "E_RELAY_HTTP",
      "E_TRANSPORT_CONNECT",
      "E_TRANSPORT_RESET",
      "E_TRANSPORT_TIMEOUT",
      "E_TRANSPORT_BAD_BODY",
      "E_TRANSPORT_ABORTED",
      "E_TRANSPORT",
      "E_DEADLINE",
      "E_INVALID_INPUT",
      "E_INVALID_CALL_SID",
      "E_CONFIG",
    ] as const) {
      expect(ERROR_CODES[c]).toBeTypeOf("string");
    }
  });

  it("a slow answer inside the timeout is not an error", async () => {
    fake.override("GET /api/v1/account", delayedJson(200, 200, { ok: true, service: "x" }), 1);
    // The wrong shape proves the body arrived and was judged, after the delay.
    expect(await failure(client({ headersTimeoutMs: 2_000 }).account())).toMatchObject({
      code: "E_TRANSPORT_BAD_BODY",
    });
    const addr = fake.server.address() as AddressInfo;
    expect(addr.address).toBe("127.0.0.1");
  });
});
