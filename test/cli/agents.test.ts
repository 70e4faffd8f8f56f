import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SHARED_NUMBER } from "../../src/sandbox/index.js";
import { hits, type RunningSandbox, startSandbox } from "../helpers/sandbox.js";
import { jsonError, type ScriptedServer, startScriptedServer } from "../helpers/scripted-server.js";
import { runCli, tempCwd } from "./run-cli.js";

/** `clawcall agents` and `clawcall webhook`, in process, against the sandbox relay's Team rules. */

let relay: RunningSandbox;
let cwd: string;
const scripted: ScriptedServer[] = [];
const store = () => relay.sb.core.store;

beforeEach(async () => {
  relay = await startSandbox({ logBodies: true });
  cwd = tempCwd();
});
afterEach(async () => {
  await relay.close();
  await Promise.all(scripted.splice(0).map((s) => s.close()));
});

/** A sandbox account on `tier` and `clawcall` bound to its key (or another relay URL). */
function account(tier: "free" | "pro" | "team") {
  const acc = relay.sb.sim.addAccount({ email: "me@example.com", phone_number: "+14155550100", tier });
  const cli = (...args: string[]) =>
    runCli(args, {
      cwd,
      env: { CLAWCALL_API_URL: relay.url, CLAWCALL_API_KEY: acc.api_key, CLAWCALL_EMAIL: acc.email },
    });
  return { ...acc, cli };
}

function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe("clawcall agents on a Team account", () => {
  it("list shows the primary agent on the shared number, its voice, and that it is this CLI's", async () => {
    const { cli, agent_id } = account("team");
    const r = await cli("agents", "list");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        `"My Agent" (${agent_id})  [primary, this CLI]`,
        `    number: ${SHARED_NUMBER} (shared: callers are matched by their registered phone)`,
        "    voice: aria",
        "1 of 5 agents (team tier).",
        "",
      ].join("\n"),
    );
  });

  it("add saves the new key to a mode-600 file, never prints it, sets the voice; list shows the dedicated number", async () => {
    const { cli } = account("team");
    const r = await cli("agents", "add", "Sales line", "--voice", "joanna");
    expect(r.code).toBe(0);
    const added = store().t.agents.find((a) => a.name === "Sales line")!;
    const number = store().t.phone_numbers.find((p) => p.agent_id === added.id)!.number;
    expect(r.stdout).toContain(
      `Added agent "Sales line" (${added.id}) with its own number ${number} (dedicated: anyone can call it).`,
    );
    expect(r.stdout).toContain("Voice: joanna.");
    // In the state dir, never the current directory (a checkout a `git add .` would publish).
    const file = join(cwd, ".state", "agents", `${added.id}.env`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(cwd, ".state", "agents")).mode & 0o777).toBe(0o700);
    expect(readdirSync(cwd).filter((f) => f.endsWith(".env"))).toEqual([]);
    const key = /^CLAWCALL_API_KEY=(.+)$/m.exec(readFileSync(file, "utf8"))![1]!;
    expect(readFileSync(file, "utf8")).toContain(`CLAWCALL_API_URL=${relay.url}`);
    expect(r.stdout + r.stderr).not.toContain(key);
    expect(added.voice).toBe("Polly.Joanna-Neural");
    // The saved key is the new agent's own: the relay knows it.
    expect(store().agentByKey(key)?.id).toBe(added.id);

    const list = await cli("agents", "list");
    expect(list.stdout).toContain(
      `"Sales line" (${added.id})\n    number: ${number} (dedicated: anyone can call it)`,
    );
    expect(list.stdout).toContain("2 of 5 agents (team tier).");
  });

  it("add whose voice cannot be set still says where the new key is", async () => {
    const { cli } = account("team");
    relay.sb.sim.addFault({ endpoint: "voice", kind: "html500" });
    const r = await cli("agents", "add", "Night", "--voice", "brian");
    expect(r.code).toBe(1);
    const night = store().t.agents.find((a) => a.name === "Night")!;
    const [note, failure] = r.stderr.trimEnd().split("\n");
    expect(note).toBe(
      `note: agent ${night.id} was added and its key saved to ${join(cwd, ".state", "agents", `${night.id}.env`)}, but its voice was not set.`,
    );
    expect(failure).toMatch(/^clawcall agents: the relay failed with an internal error \(HTTP 500 page\)/);
    expect(readFileSync(join(cwd, ".state", "agents", `${night.id}.env`), "utf8")).toMatch(
      /^CLAWCALL_API_KEY=/m,
    );
  });

  it("--json shapes: list, add (key replaced by where it is saved), update, rm", async () => {
    const { cli, agent_id } = account("team");
    const add = JSON.parse((await cli("agents", "add", "Desk", "--json")).stdout);
    const deskKey = join(cwd, ".state", "agents", `${add.agent_id}.env`);
    expect(add).toMatchObject({
      ok: true,
      name: "Desk",
      api_key: `(saved to ${deskKey})`,
      key_file: deskKey,
    });
    expect(add.phone_number).toMatch(/^\+1415555\d{4}$/);
    const list = JSON.parse((await cli("agents", "list", "--json")).stdout);
    expect(list).toMatchObject({ ok: true, tier: "team", max_agents: 5 });
    expect(list.agents).toEqual([
      expect.objectContaining({
        id: agent_id,
        number: "shared",
        primary: true,
        this_cli: true,
        voice: "aria",
      }),
      expect.objectContaining({
        id: add.agent_id,
        name: "Desk",
        phone_number: add.phone_number,
        number: "dedicated",
        voice: "aria",
        voice_id: "Polly.Aria-Neural",
        webhook_url: "http://127.0.0.1:4747/clawcall/message",
        webhook_push_url: null,
        primary: false,
        this_cli: false,
      }),
    ]);
    const upd = JSON.parse((await cli("agents", "update", "desk", "--name", "Front desk", "--json")).stdout);
    expect(upd).toEqual({ ok: true, id: add.agent_id, agent_name: "Front desk" });
    const rm = JSON.parse((await cli("agents", "rm", add.agent_id, "--yes", "--json")).stdout);
    expect(rm).toEqual({ ok: true, message: "Agent removed.", id: add.agent_id, key_file_removed: deskKey });
    expect(existsSync(deskKey)).toBe(false);
  });

  it("update by name changes name and webhook URL; --voice only for this CLI's own agent", async () => {
    const { cli, agent_id } = account("team");
    await cli("agents", "add", "Sales");
    const sales = store().t.agents.find((a) => a.name === "Sales")!;
    const r = await cli(
      "agents",
      "update",
      "SALES",
      "--name",
      "Sales EU",
      "--webhook-url",
      "https://example.com/h",
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `Updated agent "Sales" (${sales.id}): name "Sales EU", webhook URL https://example.com/h.\n`,
    );
    expect(store().agent(sales.id)).toMatchObject({ name: "Sales EU", webhook_url: "https://example.com/h" });

    const patches = hits(relay.sb, "PATCH", `/api/v1/agents/${sales.id}`).length;
    const other = await cli("agents", "update", "Sales EU", "--voice", "emma");
    expect(other.code).toBe(64);
    expect(oneLine(other.stderr)).toMatch(
      /the relay sets a voice only with the agent's own key — run `clawcall voice emma`/,
    );
    expect(hits(relay.sb, "PATCH", `/api/v1/agents/${sales.id}`)).toHaveLength(patches);

    const self = await cli("agents", "update", agent_id, "--voice", "emma");
    expect(self.code).toBe(0);
    expect(store().agent(agent_id)!.voice).toBe("Polly.Emma-Neural");
    expect(hits(relay.sb, "PATCH", `/api/v1/agents/${agent_id}`)).toHaveLength(0);
  });

  it("update or rm with no such name, two agents of one name, nothing to change: exit 64, nothing sent", async () => {
    const { cli } = account("team");
    await cli("agents", "add", "Twin");
    await cli("agents", "add", "twin");
    const none = await cli("agents", "rm", "Nobody", "--yes");
    expect(none.code).toBe(64);
    expect(oneLine(none.stderr)).toMatch(/^clawcall agents: no agent named "Nobody"/);
    const two = await cli("agents", "update", "TWIN", "--name", "x");
    expect(oneLine(two.stderr)).toMatch(/2 agents are named "TWIN" — give the id instead/);
    const nothing = await cli("agents", "update", "Twin");
    expect(oneLine(nothing.stderr)).toMatch(/say what to change: --name, --webhook-url or --voice/);
    expect(relay.sb.sim.stats().filter((r) => r.method === "PATCH" || r.method === "DELETE")).toHaveLength(0);
  });

  it("rm asks for --yes, then removes the agent and its number", async () => {
    const { cli } = account("team");
    await cli("agents", "add", "Temp");
    const temp = store().t.agents.find((a) => a.name === "Temp")!;
    const ask = await cli("agents", "rm", "Temp");
    expect(ask.code).toBe(64);
    expect(oneLine(ask.stderr)).toBe(
      `clawcall agents: this removes agent "Temp" (${temp.id}), its number and its schedules — add --yes to confirm (see \`clawcall agents --help\`)`,
    );
    expect(store().agent(temp.id)).toBeDefined();
    const r = await cli("agents", "rm", "Temp", "--yes");
    expect(r.code).toBe(0);
    const keyFile = join(cwd, ".state", "agents", `${temp.id}.env`);
    expect(r.stdout).toBe(
      `Removed agent "Temp" (${temp.id}): its number is released and its schedules are gone. Its key file ${keyFile} is deleted.\n`,
    );
    expect(existsSync(keyFile)).toBe(false);
    expect(store().agent(temp.id)).toBeUndefined();
    expect(store().t.phone_numbers.some((p) => p.agent_id === temp.id)).toBe(false);
  });

  it("rm of the primary is refused before any request; of this CLI's own agent: --yes, then a note", async () => {
    const { cli, agent_id } = account("team");
    const primary = await cli("agents", "rm", "My Agent", "--yes");
    expect(primary.code).toBe(64);
    expect(oneLine(primary.stderr)).toMatch(
      /"My Agent" .* is the account's primary agent, which the relay never removes/,
    );
    expect(hits(relay.sb, "DELETE", `/api/v1/agents/${agent_id}`)).toHaveLength(0);

    // The CLI run with a second agent's own key (from the file `agents add` saved).
    await cli("agents", "add", "Mine");
    const mine = store().t.agents.find((a) => a.name === "Mine")!;
    const key = /^CLAWCALL_API_KEY=(.+)$/m.exec(
      readFileSync(join(cwd, ".state", "agents", `${mine.id}.env`), "utf8"),
    )![1]!;
    const asMine = (...args: string[]) =>
      runCli(args, { cwd, env: { CLAWCALL_API_URL: relay.url, CLAWCALL_API_KEY: key } });
    const no = await asMine("agents", "rm", "Mine");
    expect(no.code).toBe(64);
    expect(oneLine(no.stderr)).toMatch(
      /is the agent this CLI is configured as \(CLAWCALL_API_KEY\).* add --yes if you mean it/,
    );
    expect(hits(relay.sb, "DELETE", `/api/v1/agents/${mine.id}`)).toHaveLength(0);
    const yes = await asMine("agents", "rm", "Mine", "--yes");
    expect(yes.code).toBe(0);
    expect(yes.stderr).toMatch(/^note: "Mine" .* is the agent this CLI is configured as/);
    expect(store().agent(mine.id)).toBeUndefined();
  });

  it("the fifth agent is the last: the sixth is refused with what to do", async () => {
    const { cli, user_id } = account("team");
    for (const n of ["A2", "A3", "A4", "A5"]) expect((await cli("agents", "add", n)).code).toBe(0);
    const r = await cli("agents", "add", "A6");
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(
      "clawcall agents: Team tier allows up to 5 agents — remove one first with `clawcall agents rm <id|name> --yes` (see `clawcall agents list`)",
    );
    expect(store().agentsOf(user_id)).toHaveLength(5);
  });

  it("an id the account does not have is the relay's 404, with where to look", async () => {
    const { cli } = account("team");
    const r = await cli("agents", "rm", "0b7c0a2e-1111-4222-8333-444455556666", "--yes");
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(
      "clawcall agents: no such agent on this account (Agent not found) — check the id or name with `clawcall agents list`",
    );
  });
});

describe("clawcall agents on free and pro", () => {
  it.each(["free", "pro"] as const)(
    "%s: list works and says Team; add and rm are refused with the upgrade",
    async (tier) => {
      const { cli } = account(tier);
      const list = await cli("agents", "list");
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(
        new RegExp(
          `^1 agent \\(${tier} tier\\)\\. More agents need the Team tier: \`clawcall billing checkout team\`\\.$`,
          "m",
        ),
      );
      const add = await cli("agents", "add", "Sales");
      expect(add.code).toBe(1);
      expect(oneLine(add.stderr)).toBe(
        "clawcall agents: Team tier required — see `clawcall billing checkout team` (the relay said: Multi-agent support requires Team tier)",
      );
      const rm = await cli("agents", "rm", "0b7c0a2e-1111-4222-8333-444455556666", "--yes");
      expect(oneLine(rm.stderr)).toBe(
        "clawcall agents: Team tier required — see `clawcall billing checkout team` (the relay said: Team tier required)",
      );
      expect(store().t.agents).toHaveLength(2);
    },
  );
});

describe("clawcall webhook", () => {
  it("set and clear on Team, text and --json", async () => {
    const { cli, agent_id } = account("team");
    const set = await cli("webhook", "set", "https://example.com/events");
    expect(set.code).toBe(0);
    expect(set.stdout).toBe(
      "Push webhook set: the relay POSTs each call's status to https://example.com/events.\n",
    );
    expect(store().agent(agent_id)!.webhook_push_url).toBe("https://example.com/events");
    const list = await cli("agents", "list");
    expect(list.stdout).toContain("    push webhook: https://example.com/events");
    const clear = await cli("webhook", "clear", "--json");
    expect(JSON.parse(clear.stdout)).toEqual({ ok: true, webhook_push_url: null });
    expect(store().agent(agent_id)!.webhook_push_url).toBeNull();
    expect(hits(relay.sb, "POST", "/api/v1/account/webhook").map((r) => r.json)).toEqual([
      { webhook_push_url: "https://example.com/events" },
      { webhook_push_url: null },
    ]);
  });

  it("refused on free with the upgrade; a bad URL or subcommand is exit 64 and sends nothing", async () => {
    const { cli } = account("free");
    const r = await cli("webhook", "set", "https://example.com/events");
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(
      "clawcall webhook: Team tier required — see `clawcall billing checkout team` (the relay said: Webhook push requires Team tier)",
    );
    const before = hits(relay.sb, "POST", "/api/v1/account/webhook").length;
    const bad = await cli("webhook", "set", "example.com/events");
    expect(bad.code).toBe(64);
    expect(oneLine(bad.stderr)).toMatch(/"example\.com\/events" is not an http\(s\) URL/);
    expect((await cli("webhook", "show")).code).toBe(64);
    expect(hits(relay.sb, "POST", "/api/v1/account/webhook")).toHaveLength(before);
  });
});

describe("relay errors on the new commands: one line, the relay's words, what to do", () => {
  it("401: the key; 429: when to retry; HTML 502: try again", async () => {
    const { cli } = account("team");
    const bad = await runCli(["agents", "list"], {
      cwd,
      env: {
        CLAWCALL_API_URL: relay.url,
        CLAWCALL_API_KEY: "0f0e0d0c-1111-4222-8333-444455556666",
        CLAWCALL_EMAIL: "me@example.com",
      },
    });
    expect(bad.code).toBe(77);
    expect(oneLine(bad.stderr)).toBe(
      "clawcall agents: the relay rejected your API key (Invalid API key) — run `clawcall register --email me@example.com` to get a new one",
    );
    relay.sb.sim.addFault({ endpoint: "webhook", kind: "status429", retry_after_s: 20 });
    const slow = await cli("webhook", "clear");
    expect(oneLine(slow.stderr)).toBe(
      "clawcall webhook: the relay is limiting requests (Too Many Requests) — try again in 20 s",
    );
    relay.sb.sim.addFault({ endpoint: "agents", kind: "html502" });
    const down = await cli("agents", "add", "X");
    expect(down.code).toBe(1);
    expect(oneLine(down.stderr)).toMatch(
      /^clawcall agents: the relay at .* is unavailable \(HTTP 502, an error page instead of JSON\) — it may be restarting; try again in a minute$/,
    );
  });

  it("the minute limit (the relay's 429) says when minutes come back and how to upgrade", async () => {
    const acc = relay.sb.sim.addAccount({
      email: "used@example.com",
      phone_number: "+14155550100",
      tier: "pro",
      minutes_used: 125,
      overage_minutes: 5,
    });
    const r = await runCli(["callback", "hi"], {
      cwd,
      env: { CLAWCALL_API_URL: relay.url, CLAWCALL_API_KEY: acc.api_key },
    });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(
      /^clawcall callback: monthly minute limit reached — .*`clawcall billing checkout pro`$/,
    );
  });

  it("a 409 from the relay is its own words and to check the state", async () => {
    const s = await startScriptedServer(jsonError(409, "Agent is busy"));
    scripted.push(s);
    const r = await runCli(["agents", "list"], {
      cwd,
      env: { CLAWCALL_API_URL: s.url, CLAWCALL_API_KEY: "0f0e0d0c-1111-4222-8333-444455556666" },
    });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(
      "clawcall agents: the relay refused: Agent is busy — it conflicts with the account's current state; check it and try again",
    );
  });
});

describe("clawcall help lists billing's subcommands", () => {
  it("cancel included", async () => {
    const r = await runCli(["help"], { cwd });
    expect(r.stdout).toMatch(
      /^ {2}billing .*checkout <pro\|team> \| verify <signature> <tier> \| status \| cancel$/m,
    );
    expect(r.stdout).toMatch(
      /^ {2}agents +your agents: list \| add <name> \| update <id\|name> \| rm <id\|name>/m,
    );
    expect(r.stdout).toMatch(/^ {2}webhook +Team push webhook: set <url> \| clear/m);
  });
});
