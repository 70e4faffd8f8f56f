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
import { eventually } from "../helpers/proc.js";
import { type RunningSandbox, relayRequests, startSandbox } from "../helpers/sandbox.js";
import {
  type Answer,
  body,
  headersThenStall,
  htmlPage,
  jsonError,
  refusedUrl,
  type ScriptedServer,
  startScriptedServer,
  truncatedBody,
} from "../helpers/scripted-server.js";

/**
 * Every way a relay request fails, and the error class and code each one must produce: the sandbox
 * relay for its own answers and injected faults, a scripted server for answers no relay gives.
 */

let relay: RunningSandbox;
let key: string;
const clients: RelayClient[] = [];
const scripted: ScriptedServer[] = [];
function client(extra: Partial<RelayClientOptions> = {}) {
  const c = new RelayClient({ apiUrl: relay.url, apiKey: key, ...extra });
  clients.push(c);
  return c;
}
/** A client of a server that answers every request with `answer`. */
async function oddRelay(answer: Answer, extra: Partial<RelayClientOptions> = {}) {
  const s = await startScriptedServer(answer);
  scripted.push(s);
  return client({ apiUrl: s.url, ...extra });
}
async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}
const fault = (f: Parameters<RunningSandbox["sb"]["sim"]["addFault"]>[0]) => relay.sb.sim.addFault(f);
/** Resolves once the relay holds a request to `endpoint` that has not been answered yet. */
const inFlight = (endpoint: string) =>
  eventually(
    () => relayRequests(relay.sb).some((r) => r.endpoint === endpoint && r.ended_t === null),
    5_000,
    5,
  );

const FLASK_500 = "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n";

beforeEach(async () => {
  relay = await startSandbox({ timeScale: 1, logBodies: true });
  key = relay.sb.sim.addAccount({ email: "me@example.com", phone_number: "+14155550100" }).api_key;
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close(100)));
  await Promise.all(scripted.splice(0).map((s) => s.close()));
  await relay.close();
});

describe("relay error bodies → RelayHttpError codes (the contract's own statuses and strings)", () => {
  it("400 → E_RELAY_BAD_REQUEST (callback without a personal phone)", async () => {
    const noPhone = relay.sb.sim.addAccount({ tier: "pro" });
    const err = await failure(client({ apiKey: noPhone.api_key }).callback("hi"));
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
    // A request that reaches the relay without the header (a proxy that strips it).
    const res = await fetch(`${relay.url}/api/v1/account`);
    const stripped = await oddRelay(body(res.status, await res.text()));
    expect(await failure(stripped.account())).toMatchObject({
      code: "E_RELAY_AUTH",
      relayMessage: "Missing Authorization header",
    });
  });

  it("401 as an HTML page from a proxy is still the auth decision", async () => {
    const c = await oddRelay(htmlPage(401, "<html><title>401</title></html>"));
    expect(await failure(c.account())).toMatchObject({
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
    await c.billingVerify("sandbox-paid-sig-1", "pro");
    expect(await failure(c.billingVerify("sandbox-paid-sig-1", "pro"))).toMatchObject({
      code: "E_RELAY_CONFLICT",
      status: 409,
      relayMessage: "Transaction already used",
    });
  });

  it("429 → E_RELAY_LIMIT (monthly minutes), without Retry-After", async () => {
    const spent = relay.sb.sim.addAccount({ tier: "pro", overage_minutes: 5, phone_number: "+14155550100" });
    const err = await failure(client({ apiKey: spent.api_key }).callback("hi"));
    expect(err).toMatchObject({
      code: "E_RELAY_LIMIT",
      status: 429,
      relayMessage: "Monthly minute limit reached",
      retryAfterMs: undefined,
    });
  });

  it("429 with Retry-After in seconds and as an HTTP date → retryAfterMs", async () => {
    fault({ endpoint: "listen", kind: "status429", retry_after_s: 7 });
    expect(await failure(client().listen(0))).toMatchObject({ code: "E_RELAY_LIMIT", retryAfterMs: 7000 });

    const at = new Date(Date.now() + 30_000).toUTCString();
    const dated = await oddRelay(jsonError(429, "slow down", { "retry-after": at }));
    const err = (await failure(dated.listen(0))) as RelayHttpError;
    expect(err.retryAfterMs).toBeGreaterThan(25_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(30_000);

    // A 429 page without JSON is still the rate-limit decision.
    const page = await oddRelay(
      htmlPage(429, "<html><title>Too Many Requests</title></html>", { "retry-after": "2" }),
    );
    expect(await failure(page.listen(0))).toMatchObject({ code: "E_RELAY_LIMIT", retryAfterMs: 2000 });
  });

  it("5xx with a JSON body → E_RELAY_SERVER (payments not configured, Twilio failure)", async () => {
    const noWallet = await startSandbox({ timeScale: 1, walletConfigured: false });
    try {
      const c = client({ apiUrl: noWallet.url, apiKey: noWallet.sb.sim.addAccount().api_key });
      expect(await failure(c.billingCheckout("pro"))).toMatchObject({
        code: "E_RELAY_SERVER",
        status: 503,
        relayMessage: "Payments not configured on this server",
      });
      await c.close(100);
    } finally {
      await noWallet.close();
    }
    // Twilio refuses to dial a personal phone that is not a number; the relay passes its text on.
    const odd = relay.sb.sim.addAccount({ tier: "pro", phone_number: "not a phone" });
    expect(await failure(client({ apiKey: odd.api_key }).callback("hi"))).toMatchObject({
      code: "E_RELAY_SERVER",
      status: 500,
      relayMessage: expect.stringMatching(/^HTTP 400 error: Unable to create record/),
    });
  });

  it("another status with a JSON error → E_RELAY_HTTP", async () => {
    const c = await oddRelay(jsonError(418, "teapot"));
    expect(await failure(c.account())).toMatchObject({ code: "E_RELAY_HTTP", status: 418 });
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
    ["html500", 500, /text\/html: "500 Internal Server Error"/],
    ["html502", 502, /text\/html: "502 Bad Gateway"/],
  ] as const)("an injected %s page", async (kind, status, describes) => {
    fault({ endpoint: "account", kind });
    const err = await failure(client().account());
    expect(err).toBeInstanceOf(RelayTransportError);
    expect(err).toMatchObject({ code: "E_TRANSPORT_BAD_BODY", status, endpoint: "account" });
    expect(err.message).toMatch(describes);
  });

  it("the relay's own HTML 500 for a non-numeric listen timeout (sent around the client)", async () => {
    // The client never sends one; prove the relay's crash page classifies like any other.
    const res = await fetch(`${relay.url}/api/v1/calls/listen?timeout=abc`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(500);
    const crash = await oddRelay(htmlPage(500, await res.text()));
    expect(await failure(crash.listen(1))).toMatchObject({ code: "E_TRANSPORT_BAD_BODY", status: 500 });
  });

  it("an HTML 404 for an unknown route", async () => {
    const c = new RelayClient({ apiUrl: `${relay.url}/nothing-here`, apiKey: key });
    clients.push(c);
    expect(await failure(c.account())).toMatchObject({ code: "E_TRANSPORT_BAD_BODY", status: 404 });
  });

  it("a 200 that is not JSON, or JSON of the wrong shape", async () => {
    const s = await startScriptedServer(body(200, "OK", "text/plain"));
    scripted.push(s);
    const c = client({ apiUrl: s.url });
    expect(await failure(c.account())).toMatchObject({ code: "E_TRANSPORT_BAD_BODY", status: 200 });
    s.answer = body(200, '{"ok":true}');
    const err = await failure(c.account());
    expect(err).toMatchObject({ code: "E_TRANSPORT_BAD_BODY", status: 200 });
    expect(err.message).toMatch(/unexpected response shape/);
    s.answer = body(200, "null");
    expect(await failure(c.account())).toMatchObject({ code: "E_TRANSPORT_BAD_BODY" });
  });

  it("cut-off JSON in a complete response", async () => {
    const c = await oddRelay(body(200, '{"ok":true,"call_sid":"CA'));
    expect(await failure(c.listen(0))).toMatchObject({ code: "E_TRANSPORT_BAD_BODY", status: 200 });
  });

  it("a body cut short by the connection closing (Content-Length not reached)", async () => {
    const c = await oddRelay(truncatedBody(200));
    const err = await failure(c.listen(0));
    expect(err).toMatchObject({ code: "E_TRANSPORT_BAD_BODY", status: 200 });
  });

  it("an error status whose JSON has no error field", async () => {
    const c = await oddRelay(body(500, '{"ok":false}'));
    expect(await failure(c.account())).toMatchObject({ code: "E_TRANSPORT_BAD_BODY", status: 500 });
  });
});

describe("no answer at all", () => {
  it("connection reset before answering → E_TRANSPORT_RESET", async () => {
    fault({ endpoint: "respond", kind: "reset_before" });
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
    fault({ endpoint: "account", kind: "hang" });
    const err = await failure(client({ headersTimeoutMs: 300 }).account());
    expect(err).toBeInstanceOf(RelayTransportError);
    expect(err).toMatchObject({ code: "E_TRANSPORT_TIMEOUT" });
    expect(err.message).toMatch(/UND_ERR_HEADERS_TIMEOUT/);
  });

  it("headers then a stalled body → E_TRANSPORT_TIMEOUT with the status", async () => {
    const c = await oddRelay(headersThenStall(200), { bodyTimeoutMs: 300 });
    const err = await failure(c.account());
    expect(err).toMatchObject({ code: "E_TRANSPORT_TIMEOUT", status: 200 });
    expect(err.message).toMatch(/UND_ERR_BODY_TIMEOUT/);
  });

  it("the caller's AbortSignal.timeout → DeadlineError, not a transport error", async () => {
    fault({ endpoint: "account", kind: "hang" });
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
    await inFlight("listen");
    ctl.abort();
    const err = await failure(p);
    expect(err).toBeInstanceOf(RelayTransportError);
    expect(err).toMatchObject({ code: "E_TRANSPORT_ABORTED" });
    // An already-aborted signal never reaches the relay.
    const before = relayRequests(relay.sb).length;
    const again = await failure(client().account({ signal: AbortSignal.abort() }));
    expect(again).toMatchObject({ code: "E_TRANSPORT_ABORTED" });
    expect(relayRequests(relay.sb).length).toBe(before);
  });

  it("close() under an in-flight request, and requests after close → E_TRANSPORT_ABORTED", async () => {
    fault({ endpoint: "account", kind: "hang" });
    const c = client();
    const p = c.account();
    await inFlight("account");
    await c.close(50);
    expect(await failure(p)).toMatchObject({ code: "E_TRANSPORT_ABORTED" });
    expect(await failure(c.health())).toMatchObject({ code: "E_TRANSPORT_ABORTED" });
  });

  it("anything undici refuses for another reason → the generic E_TRANSPORT", async () => {
    const err = await failure(client({ apiKey: "bad\r\nkey" }).account());
    expect(err).toBeInstanceOf(RelayTransportError);
    expect(err).toMatchObject({ code: "E_TRANSPORT" });
    expect(relayRequests(relay.sb)).toHaveLength(0);
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
    expect(relayRequests(relay.sb)).toHaveLength(0);
  });
});

describe("bodies are always consumed", () => {
  it("80 sequential error answers on a one-connection pool neither stall nor open new sockets", async () => {
    let connections = 0;
    const answers: Record<string, Answer> = {
      "/health": body(200, '{"ok":true,"service":"clawcall"}'),
      "/api/v1/account": htmlPage(502, "<html><title>502 Bad Gateway</title></html>"),
      "/api/v1/calls/schedule": jsonError(404, "nope"),
      "/api/v1/calls/history": htmlPage(500, `${FLASK_500}${"x".repeat(64 * 1024)}`),
    };
    const s = await startScriptedServer((req, res) => answers[new URL(req.url!, s.url).pathname]!(req, res));
    scripted.push(s);
    s.server.on("connection", () => connections++);
    const c = client({ apiUrl: s.url, connections: 1, headersTimeoutMs: 2_000 });
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
    fault({ endpoint: "account", kind: "latency", latency_ms: 200 });
    const t0 = Date.now();
    await expect(client({ headersTimeoutMs: 2_000 }).account()).resolves.toMatchObject({
      email: "me@example.com",
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
  });
});
