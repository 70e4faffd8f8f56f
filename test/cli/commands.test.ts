import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SHARED_NUMBER } from "../../src/sandbox/index.js";
import { SANDBOX_PAID_PREFIX, SANDBOX_WALLET } from "../../src/sandbox/phrases.js";
import { hits, type RunningSandbox, relayRequests, startSandbox } from "../helpers/sandbox.js";
import { runCli, tempCwd } from "./run-cli.js";

/** account, voice, callback, schedule, call, history and billing, in process, against the sandbox relay. */

let relay: RunningSandbox;
let cwd: string;

beforeEach(async () => {
  relay = await startSandbox({ logBodies: true });
  cwd = tempCwd();
});
afterEach(async () => {
  await relay.close();
});

/** The zone the CLI falls back to without CLAWCALL_TIMEZONE: this process's. */
const SYSTEM_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const store = () => relay.sb.core.store;

type AccountInit = Parameters<RunningSandbox["sb"]["sim"]["addAccount"]>[0];

/** A sandbox account (the phone defaults to +14155550100) and `clawcall` bound to its key. */
function account(tier: "free" | "pro" | "team" = "free", extra: AccountInit = {}) {
  const acc = relay.sb.sim.addAccount({
    email: "me@example.com",
    phone_number: "+14155550100",
    tier,
    ...extra,
  });
  const cliIn = (zone: string | undefined, ...args: string[]) =>
    runCli(args, {
      cwd,
      env: {
        CLAWCALL_API_URL: relay.url,
        CLAWCALL_API_KEY: acc.api_key,
        CLAWCALL_EMAIL: acc.email,
        CLAWCALL_TIMEZONE: zone,
      },
    });
  return {
    ...acc,
    user: () => store().user(acc.user_id)!,
    agent: () => store().agent(acc.agent_id)!,
    cli: (...args: string[]) => cliIn(undefined, ...args),
    cliIn,
  };
}

describe("clawcall account", () => {
  it("prints a readable summary", async () => {
    const { cli, agent_id } = account("free", { minutes_used: 3 });
    const r = await cli("account");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Account\s+me@example\.com$/m);
    expect(r.stdout).toMatch(new RegExp(`^Agent\\s+"My Agent" \\(${agent_id}\\)$`, "m"));
    expect(r.stdout).toMatch(/^Tier\s+free$/m);
    expect(r.stdout).toMatch(/^Minutes\s+3 of 10 used this month, 7 left$/m);
    expect(r.stdout).toMatch(
      new RegExp(`^Number\\s+\\${SHARED_NUMBER} \\(shared: call it from your registered phone\\)$`, "m"),
    );
    expect(r.stdout).toMatch(new RegExp(`^Relay\\s+${relay.url}$`, "m"));
  });

  it("--json prints the raw object", async () => {
    const { cli } = account("free", { minutes_used: 10 });
    const r = await cli("account", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      email: "me@example.com",
      tier: "free",
      minutes_used: 10,
      minutes_limit: 10,
      minutes_remaining: 0,
      phone_number: SHARED_NUMBER,
    });
  });

  it("says when the limit is reached, and shows a paid plan's end date", async () => {
    const spent = await account("free", { minutes_used: 10 }).cli("account");
    expect(spent.stdout).toMatch(/10 of 10 used this month, 0 left — limit reached/);
    const until = new Date(Date.now() + 12 * 86_400_000).toISOString();
    const pro = await account("pro", { email: "pro@example.com", subscription_valid_until: until }).cli(
      "account",
    );
    expect(pro.stdout).toMatch(
      new RegExp(`^Tier\\s+pro — valid until ${until.slice(0, 10)} \\(1[12] days left\\)$`, "m"),
    );
  });

  it("--set-phone validates E.164 and updates the personal phone", async () => {
    const { cli, user } = account();
    const r = await cli("account", "--set-phone", "+44 7700 900123");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Your phone is now \+447700900123/);
    expect(user().phone_number).toBe("+447700900123");
    const bad = await cli("account", "--set-phone", "07700900123");
    expect(bad.code).toBe(64);
    expect(hits(relay.sb, "POST", "/api/v1/account/phone")).toHaveLength(1);
  });
});

describe("clawcall voice", () => {
  it("sets one of the seven voices (any case, or its Polly id)", async () => {
    const { cli, agent } = account();
    const r = await cli("voice", "Joanna");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Voice set to joanna \(Polly\.Joanna-Neural\)/);
    expect(agent().voice).toBe("Polly.Joanna-Neural");
    await cli("voice", "Polly.Brian-Neural");
    expect(hits(relay.sb, "POST", "/api/v1/account/voice").map((x) => x.json)).toEqual([
      { voice: "joanna" },
      { voice: "brian" },
    ]);
    expect(agent().voice).toBe("Polly.Brian-Neural");
  });

  it("rejects any other name locally (exit 64, no request); no name shows the current voice and lists them", async () => {
    const { cli } = account();
    for (const bad of ["robot", "Polly.Matthew-Standard", "polly.evil"]) {
      const r = await cli("voice", bad);
      expect(r.code).toBe(64);
      expect(r.stderr).toMatch(
        /unknown voice .* choose one of: aria, joanna, matthew, amy, brian, emma, olivia/,
      );
    }
    expect(relayRequests(relay.sb)).toHaveLength(0);
    const list = await cli("voice");
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/aria, joanna, matthew, amy, brian, emma, olivia/);
  });

  it("shows the configured agent's current voice, read from its entry in the agents list", async () => {
    const { cli } = account();
    const before = await cli("voice");
    expect(before.stdout).toMatch(/^Current voice: (\w+) \(Polly\.\w+-Neural\)$/m);
    await cli("voice", "olivia");
    const after = await cli("voice");
    expect(after.stdout).toMatch(/^Current voice: olivia \(Polly\.Olivia-Neural\)$/m);
    const j = JSON.parse((await cli("voice", "--json")).stdout) as { voice: string; polly: string };
    expect(j).toMatchObject({ voice: "olivia", polly: "Polly.Olivia-Neural" });
    expect(hits(relay.sb, "GET", "/api/v1/agents").length).toBeGreaterThanOrEqual(3);
  });
});

describe("clawcall callback", () => {
  it("on the free tier: one line naming the tier and the next step, exit 1", async () => {
    const r = await account("free").cli("callback", "Your build finished");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "clawcall callback: Pro tier required — see `clawcall billing checkout pro` (the relay said: Outbound calls require Pro tier or above)\n",
    );
  });

  it("on Pro: calls, with allow_followup as a real boolean", async () => {
    const { cli } = account("pro");
    const r = await cli("callback", "Your build finished", "--no-followup");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Calling your phone now \(call CA[0-9a-f]{32}\)/);
    expect(r.stdout).toMatch(/hang up/);
    const req = hits(relay.sb, "POST", "/api/v1/calls/outbound/callback")[0]!;
    expect(req.json).toEqual({ message: "Your build finished", allow_followup: false });
    const json = await cli("callback", "hello", "again", "--json");
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true });
    expect(hits(relay.sb, "POST", "/api/v1/calls/outbound/callback")[1]!.json).toEqual({
      message: "hello again",
      allow_followup: true,
    });
    // The relay rang the registered phone twice.
    expect(relay.sb.sim.outbound().map((c) => c.to)).toEqual(["+14155550100", "+14155550100"]);
  });

  it("the minute limit and a missing phone have their own lines", async () => {
    const spent = await account("pro", { overage_minutes: 5 }).cli("callback", "hi");
    expect(spent.code).toBe(1);
    expect(spent.stderr).toMatch(
      /^clawcall callback: monthly minute limit reached — .*clawcall billing checkout/,
    );
    const nophone = await account("pro", { phone_number: null, email: "other@example.com" }).cli(
      "callback",
      "hi",
    );
    expect(nophone.stderr).toMatch(/no personal phone number — set it with `clawcall account --set-phone/);
    const empty = await account("pro", { email: "x@example.com" }).cli("callback", "  ");
    expect(empty.code).toBe(64);
  });
});

describe("clawcall schedule", () => {
  it("add rewrites 0 8 * * 1-5 to mon-fri, shows words and the next three runs in the zone", async () => {
    const { cli } = account("pro");
    const r = await cli(
      "schedule",
      "add",
      "--cron",
      "0 8 * * 1-5",
      "--label",
      "Morning briefing",
      "--context",
      "calendar and news",
      "--tz",
      "europe/berlin",
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const sent = hits(relay.sb, "POST", "/api/v1/calls/schedule")[0]!.json;
    expect(sent).toEqual({
      cron: "0 8 * * mon-fri",
      label: "Morning briefing",
      task_context: "calendar and news",
      timezone: "Europe/Berlin",
    });
    expect(r.stdout).toMatch(/^Morning briefing: At 08:00, Monday through Friday \(Europe\/Berlin\)$/m);
    expect(r.stdout).toMatch(/Sent to the relay as "0 8 \* \* mon-fri" \(it counts Monday as 0/);
    const runs = r.stdout.match(
      /^ {2}(Mon|Tue|Wed|Thu|Fri) \d{1,2} [A-Z][a-z]{2} \d{4}, 08:00 \(Europe\/Berlin\)$/gm,
    );
    expect(runs).toHaveLength(3);
    const id = /Scheduled \(id ([0-9a-f-]{36})\)/.exec(r.stdout)?.[1];
    expect(store().t.schedules.map((x) => x.id)).toEqual([id]);
  });

  it("uses the configured zone without --tz, and --dry-run sends nothing", async () => {
    const { cli } = account("pro");
    const r = await cli("schedule", "add", "--cron", "30 7 * * 0", "--dry-run");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`At 07:30, only on Sunday (${SYSTEM_ZONE}, your zone; --tz to change)`);
    expect(r.stdout).toMatch(/"30 7 \* \* sun"/);
    expect(r.stdout.match(new RegExp(`^ {2}Sun .* 07:30 \\(${esc(SYSTEM_ZONE)}\\)$`, "gm"))).toHaveLength(3);
    expect(r.stdout).toMatch(/Not sent \(--dry-run\)/);
    expect(relayRequests(relay.sb)).toHaveLength(0);
  });

  it.each([
    [["--cron", "0 8 * *"], /exactly 5 fields/],
    [["--cron", "61 8 * * *"], /minute/],
    [["--cron", "0 8 * * 5-1"], /runs backwards/],
    [["--cron", "0 8 L * *"], /syntax the relay does not accept/],
    [["--cron", "0 8 31 2 *"], /never fires/],
    [["--cron", "0 8 * * 1-5", "--tz", "Mars/Olympus"], /not a time zone/],
    [["--label", "x"], /--cron is required/],
    [["0", "8", "*", "*", "*"], /unexpected argument/],
  ])("add %j is rejected locally (exit 64, no request)", async (args, why) => {
    const r = await account("pro").cli("schedule", "add", ...args);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(why);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(relayRequests(relay.sb)).toHaveLength(0);
  });

  it("add on the free tier: the tier line", async () => {
    const r = await account("free").cli("schedule", "add", "--cron", "0 8 * * *");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /Pro tier required — see `clawcall billing checkout pro` \(the relay said: Scheduled calls/,
    );
  });

  it("list describes schedules as the relay runs them and flags numeric weekdays", async () => {
    const { cli, api_key } = account("pro");
    // Straight to the relay API, as an older client (or curl) would have created them.
    const mk = async (cron: string, label: string) => {
      const res = await fetch(`${relay.url}/api/v1/calls/schedule`, {
        method: "POST",
        headers: { authorization: `Bearer ${api_key}`, "content-type": "application/json" },
        body: JSON.stringify({ cron, label, task_context: "news", timezone: "Europe/Berlin" }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { id: string }).id;
    };
    const bad = await mk("0 8 * * 1-5", "Legacy");
    const good = await mk("0 8 * * mon-fri", "Good");
    const r = await cli("schedule", "list");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${good}  Good`);
    expect(r.stdout).toMatch(/At 08:00, Monday through Friday \(Europe\/Berlin\) — cron "0 8 \* \* mon-fri"/);
    expect(r.stdout).toContain(`${bad}  Legacy`);
    expect(r.stdout).toMatch(/At 08:00, Tuesday through Saturday \(Europe\/Berlin\) — cron "0 8 \* \* 1-5"/);
    expect(r.stdout).toMatch(/warning: numeric weekdays: the relay reads 0 as Monday/);
    expect(r.stdout.match(/warning:/g)).toHaveLength(1);
    const json = await cli("schedule", "list", "--json");
    expect(JSON.parse(json.stdout).schedules).toHaveLength(2);
  });

  it("rm: a bad id is refused locally, an unknown one is one line, a real one is removed", async () => {
    const { cli } = account("pro");
    const badId = await cli("schedule", "rm", "not-a-uuid");
    expect(badId.code).toBe(64);
    expect(relayRequests(relay.sb)).toHaveLength(0);
    const unknown = await cli("schedule", "rm", randomUUID());
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      "clawcall schedule: no such schedule on this account — see `clawcall schedule list`\n",
    );
    await cli("schedule", "add", "--cron", "0 9 * * *");
    const id = store().t.schedules[0]!.id;
    const r = await cli("schedule", "rm", id);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`Removed schedule ${id}.\n`);
    expect(store().t.schedules).toHaveLength(0);
    const empty = await cli("schedule", "list");
    expect(empty.stdout).toMatch(/^No schedules/);
  });

  it("an unknown subcommand is a usage error", async () => {
    const r = await account("pro").cli("schedule", "frobnicate");
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/use add, list or rm/);
  });
});

describe("clawcall call", () => {
  it("dials with the objective and context", async () => {
    const r = await account("pro").cli(
      "call",
      "+1 415 555 0123",
      "--objective",
      "Book a table",
      "--context",
      "Sam, 7pm",
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Calling \+14155550123 now \(job [0-9a-f-]{36}, call CA[0-9a-f]{32}\)/);
    expect(hits(relay.sb, "POST", "/api/v1/calls/outbound/third-party")[0]!.json).toEqual({
      to_number: "+14155550123",
      objective: "Book a table",
      context: "Sam, 7pm",
    });
    expect(relay.sb.sim.outbound().map((c) => c.to)).toEqual(["+14155550123"]);
  });

  it.each([
    [["911", "--objective", "x"], /E\.164/],
    [["+14155550123"], /--objective is required/],
    [["--objective", "x"], /exactly one number/],
  ])("%j is refused locally", async (args, why) => {
    const r = await account("pro").cli("call", ...args);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(why);
    expect(relayRequests(relay.sb)).toHaveLength(0);
  });
});

describe("clawcall history", () => {
  it("lists calls and, with --transcripts, what was said", async () => {
    const { cliIn, agent_id } = account();
    relay.sb.sim.addCallLog({
      agent_id,
      started_at: "2026-03-24T11:40:05Z",
      duration_seconds: 42,
      transcript: [
        { role: "user", text: "what's on today?" },
        { role: "agent", text: "Two meetings.\u001b[31m" },
      ],
    });
    relay.sb.sim.addCallLog({
      agent_id,
      started_at: "2026-03-25T09:00:00Z",
      direction: "outbound",
      call_type: "third_party",
      from_number: null,
      to_number: "+14155550123",
      duration_seconds: 125,
    });
    const r = await cliIn("UTC", "history", "--transcripts");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(
      /^Wed 25 Mar 2026, 09:00 {2}outbound \(third party\) {2}completed {2}2:05 {2}to \+14155550123 {2}CA/,
    );
    expect(lines[1]).toBe("    (no transcript)");
    expect(lines[2]).toMatch(
      /^Tue 24 Mar 2026, 11:40 {2}inbound \(you called\) {2}completed {2}0:42 {2}from \+14155550100/,
    );
    expect(lines[3]).toBe("    you    what's on today?");
    // Terminal escapes from the relay never reach the terminal.
    expect(lines[4]).toBe("    agent  Two meetings. [31m");
    expect(r.stdout).toMatch(/\(2 calls; times in UTC\)/);
    expect(relayRequests(relay.sb)[0]!.query.get("transcripts")).toBe("true");
  });

  it("--limit is checked locally (0-100) and passed on; --json is the raw answer", async () => {
    const { cli } = account();
    const bad = await cli("history", "--limit", "500");
    expect(bad.code).toBe(64);
    const neg = await cli("history", "--limit", "-1");
    expect(neg.code).toBe(64);
    expect(relayRequests(relay.sb)).toHaveLength(0);
    const r = await cli("history", "--limit", "1", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, calls: [] });
    expect(relayRequests(relay.sb)[0]!.query.get("limit")).toBe("1");
    const none = await cli("history");
    expect(none.stdout).toBe("No calls yet.\n");
  });
});

describe("clawcall billing", () => {
  it("checkout shows what to send; verify upgrades; a reused signature is one line; status", async () => {
    const { cli } = account("free", { overage_minutes: 2 });
    const co = await cli("billing", "checkout", "pro");
    expect(co.code).toBe(0);
    expect(co.stdout).toMatch(/send exactly 9\.1 USDC on solana-mainnet/);
    expect(co.stdout).toContain(SANDBOX_WALLET);
    expect(co.stdout).toMatch(/includes overage: 2 min × 0\.05 = 0\.1 USDC/);
    expect(co.stdout).toMatch(/Then run: clawcall billing verify <tx-signature> pro/);

    // The sandbox confirms signatures with its documented prefix instead of asking Solana.
    const sig = `${SANDBOX_PAID_PREFIX}5sigABC`;
    const v = await cli("billing", "verify", sig, "pro");
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^Upgraded to Pro! Valid until \d{4}-\d{2}-\d{2}\.$/m);
    expect(v.stdout).toMatch(/Tier pro: 120 minutes a month/);

    const again = await cli("billing", "verify", sig, "pro");
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /^clawcall billing: Transaction already used — each payment can be verified once/,
    );

    const st = await cli("billing", "status");
    expect(st.code).toBe(0);
    expect(st.stdout).toMatch(/^Tier\s+pro — valid until \d{4}-\d{2}-\d{2} \((29|30) days left\)$/m);
    expect(st.stdout).toMatch(
      new RegExp(`^Payments\\s+\\d{4}-\\d{2}-\\d{2} {2}pro {2}9 USDC {2}confirmed {2}tx ${sig}$`, "m"),
    );

    const json = await cli("billing", "status", "--json");
    expect(JSON.parse(json.stdout)).toMatchObject({ tier: "pro", minutes_limit: 120 });
  });

  it("a failed verification and a relay without payments have their own lines", async () => {
    const v = await account().cli("billing", "verify", "missingSig", "team");
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/payment not verified: Transaction not found or not yet confirmed — check/);
    await relay.close();
    relay = await startSandbox({ logBodies: true, walletConfigured: false });
    const co = await account().cli("billing", "checkout", "team");
    expect(co.code).toBe(1);
    expect(co.stderr).toBe(
      "clawcall billing: this relay does not take payments (Payments not configured on this server)\n",
    );
  });

  it.each([
    [["checkout", "gold"], /the tier must be pro or team/],
    [["checkout"], /say which tier/],
    [["verify", "sig"], /signature and the tier/],
    [["verify", "sig", "enterprise"], /the tier must be pro or team/],
    [["refund"], /unknown subcommand/],
    [[], /say checkout, verify, status or cancel/],
  ])("%j is a usage error", async (args, why) => {
    const r = await account().cli("billing", ...args);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(why);
    expect(relayRequests(relay.sb)).toHaveLength(0);
  });
});
