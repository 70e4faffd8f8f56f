import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ClawcallError, RelayHttpError } from "../../src/errors.js";
import { RelayClient } from "../../src/relay/client.js";
import { deleteAgentResponse, pushWebhookResponse } from "../../src/relay/schemas.js";
import { okAs } from "../../src/sandbox/flask.js";
import { hits, type RunningSandbox, relayRequests, startSandbox } from "../helpers/sandbox.js";

/** Agent update and delete and the Team push webhook, through the sandbox relay: bodies out, shapes in. */

let relay: RunningSandbox;
const clients: RelayClient[] = [];
function client(apiKey: string) {
  const c = new RelayClient({ apiUrl: relay.url, apiKey });
  clients.push(c);
  return c;
}
const store = () => relay.sb.core.store;
function account(tier: "free" | "pro" | "team") {
  const acc = relay.sb.sim.addAccount({ email: `${tier}@example.com`, tier });
  return { ...acc, c: client(acc.api_key) };
}
async function relayError(p: Promise<unknown>): Promise<RelayHttpError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RelayHttpError);
  return e as RelayHttpError;
}

beforeEach(async () => {
  relay = await startSandbox({ logBodies: true });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close(100)));
  await relay.close();
});

describe("RelayClient — updateAgent (PATCH, no tier check)", () => {
  it("renames and changes the webhook URL, sending only the fields given", async () => {
    const { c, agent_id } = account("free");
    await expect(c.updateAgent(agent_id, { agent_name: "Desk" })).resolves.toEqual({ ok: true });
    expect(store().agent(agent_id)!.name).toBe("Desk");
    await c.updateAgent(agent_id, { agent_webhook_url: "https://example.com/hook" });
    expect(store().agent(agent_id)!.webhook_url).toBe("https://example.com/hook");
    const sent = hits(relay.sb, "PATCH", `/api/v1/agents/${agent_id}`).map((r) => r.json);
    expect(sent).toEqual([{ agent_name: "Desk" }, { agent_webhook_url: "https://example.com/hook" }]);
  });

  it("refuses locally what the relay would crash on or refuse: a non-UUID id, no fields", async () => {
    const { c, agent_id } = account("free");
    await expect(c.updateAgent("sales", { agent_name: "x" })).rejects.toMatchObject({
      code: "E_INVALID_INPUT",
      message: "agent id must be a UUID",
    });
    const e = await c.updateAgent(agent_id, {}).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ClawcallError);
    expect((e as ClawcallError).message).toBe("no fields to update");
    expect(relayRequests(relay.sb)).toHaveLength(0);
  });

  it("another account's agent is 404 Agent not found", async () => {
    const me = account("team");
    const other = account("free");
    const e = await relayError(me.c.updateAgent(other.agent_id, { agent_name: "mine now" }));
    expect(e).toMatchObject({ status: 404, code: "E_RELAY_NOT_FOUND", relayMessage: "Agent not found" });
    expect(store().agent(other.agent_id)!.name).toBe("My Agent");
  });
});

describe("RelayClient — deleteAgent (Team)", () => {
  it("removes a secondary agent with its number; its key stops working", async () => {
    const { c } = account("team");
    const added = await c.createAgent({ agent_name: "Sales", agent_webhook_url: "http://127.0.0.1:9/x" });
    await expect(c.deleteAgent(added.agent_id)).resolves.toEqual({ ok: true, message: "Agent removed." });
    expect(store().agent(added.agent_id)).toBeUndefined();
    expect(store().t.phone_numbers.some((p) => p.number === added.phone_number)).toBe(false);
    const gone = await relayError(client(added.api_key).account());
    expect(gone.status).toBe(401);
  });

  it("the primary agent is 400, free and pro are 403 Team tier required", async () => {
    const team = account("team");
    const primary = await relayError(team.c.deleteAgent(team.agent_id));
    expect(primary).toMatchObject({
      status: 400,
      relayMessage: "Cannot remove the primary agent. Downgrade your account instead.",
    });
    for (const tier of ["free", "pro"] as const) {
      const a = account(tier);
      const e = await relayError(a.c.deleteAgent(a.agent_id));
      expect(e).toMatchObject({ status: 403, code: "E_RELAY_TIER", relayMessage: "Team tier required" });
    }
  });
});

describe("RelayClient — setPushWebhook (Team)", () => {
  it("sets and clears the URL with {webhook_push_url: url|null}", async () => {
    const { c, agent_id } = account("team");
    await expect(c.setPushWebhook("https://example.com/events")).resolves.toEqual({
      ok: true,
      webhook_push_url: "https://example.com/events",
    });
    expect(store().agent(agent_id)!.webhook_push_url).toBe("https://example.com/events");
    await expect(c.setPushWebhook(null)).resolves.toEqual({ ok: true, webhook_push_url: null });
    expect(store().agent(agent_id)!.webhook_push_url).toBeNull();
    const sent = hits(relay.sb, "POST", "/api/v1/account/webhook").map((r) => r.json);
    expect(sent).toEqual([{ webhook_push_url: "https://example.com/events" }, { webhook_push_url: null }]);
  });

  it("free and pro are 403 Webhook push requires Team tier", async () => {
    for (const tier of ["free", "pro"] as const) {
      const e = await relayError(account(tier).c.setPushWebhook("https://example.com/events"));
      expect(e).toMatchObject({ status: 403, relayMessage: "Webhook push requires Team tier" });
    }
  });
});

describe("one schema for producer and consumer", () => {
  it("the sandbox builds these answers through the client's schemas and refuses a drifted one", () => {
    expect(okAs(pushWebhookResponse, { webhook_push_url: null }).body).toBe(
      '{"ok":true,"webhook_push_url":null}\n',
    );
    expect(() => okAs(deleteAgentResponse, { msg: "Agent removed." })).toThrow(/does not match its schema/);
    expect(() => okAs(pushWebhookResponse, {})).toThrow(/does not match its schema/);
  });
});
