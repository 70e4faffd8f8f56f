import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildSandbox, DEMO_EMAIL, type Sandbox, SHARED_NUMBER } from "../../src/sandbox/index.js";
import { captureLogger } from "../helpers/listener-fakes.js";
import { eventually } from "../helpers/proc.js";
import { runCli, tempCwd } from "./run-cli.js";

/**
 * The relay commands (in process) against the real sandbox relay (src/sandbox), the way a newcomer runs
 * them: no CLAWCALL_API_KEY, so the CLI uses the sandbox at 127.0.0.1:<CLAWCALL_SANDBOX_PORT> with the
 * demo key.
 */

let sb: Sandbox;
const sandboxLog = captureLogger("info");
let port: string;
let cwd: string;
const cli = (...args: string[]) => runCli(args, { cwd, env: { CLAWCALL_SANDBOX_PORT: port } });

beforeAll(async () => {
  sb = buildSandbox({ timeScale: 50, runSchedules: false, logger: sandboxLog.logger });
  port = String((await sb.listen(0)).port);
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => {
  cwd = tempCwd();
  sb.sim.setTier({ tier: "pro", minutes_used: 0, overage_minutes: 0 });
  sb.sim.clearFaults();
});

describe("CLI against the sandbox relay", () => {
  it("account shows the demo account and says it is the sandbox", async () => {
    const r = await cli("account");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Account\\s+${DEMO_EMAIL.replace(/\./g, "\\.")}$`, "m"));
    expect(r.stdout).toMatch(/^Tier\s+pro/m);
    expect(r.stdout).toContain(SHARED_NUMBER);
    expect(r.stdout).toMatch(
      new RegExp(
        `^Relay\\s+sandbox relay at http://127\\.0\\.0\\.1:${port} \\(no CLAWCALL_API_KEY set\\)$`,
        "m",
      ),
    );
  });

  it("callback and call say that the softphone rings, and where (nothing real rings in the sandbox)", async () => {
    const hint = new RegExp(
      `^Sandbox: nothing real rings\\. Answer on the softphone at http://127\\.0\\.0\\.1:${port}/ \\(or \`clawcall phone\`\\) within 60 s of phone time\\.$`,
      "m",
    );
    const back = await cli("callback", "Your build finished");
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toMatch(hint);
    const call = await cli("call", "+14155550123", "--objective", "Book a table for two");
    expect(call.code, call.stderr).toBe(0);
    expect(call.stdout).toMatch(hint);
  });

  it("schedule add sends mon-fri, and list reads it back as Monday through Friday", async () => {
    const add = await cli(
      "schedule",
      "add",
      "--cron",
      "0 8 * * 1-5",
      "--label",
      "Weekday brief",
      "--tz",
      "UTC",
    );
    expect(add.stderr).toBe("");
    expect(add.code).toBe(0);
    const id = /Scheduled \(id ([0-9a-f-]{36})\)/.exec(add.stdout)![1]!;
    const list = await cli("schedule", "list");
    expect(list.stdout).toContain(`${id}  Weekday brief`);
    expect(list.stdout).toMatch(/At 08:00, Monday through Friday \(UTC\) — cron "0 8 \* \* mon-fri"/);
    expect(list.stdout).not.toMatch(/warning/);
    const rm = await cli("schedule", "rm", id);
    expect(rm.code).toBe(0);
  });

  it("voice, history, billing checkout and callback work end to end", async () => {
    expect((await cli("voice", "emma")).stdout).toMatch(/Voice set to emma \(Polly\.Emma-Neural\)/);
    const h = await cli("history", "--limit", "5");
    expect(h.code).toBe(0);
    const co = await cli("billing", "checkout", "team");
    expect(co.code).toBe(0);
    expect(co.stdout).toMatch(/send exactly 29 USDC/);
    const cb = await cli("callback", "Your build finished", "--no-followup");
    expect(cb.stderr).toBe("");
    expect(cb.stdout).toMatch(/Calling your phone now \(call CA[0-9a-f]{32}\)/);
  });

  it("the free tier gets the tier line for callback", async () => {
    sb.sim.setTier({ tier: "free" });
    const r = await cli("callback", "hello");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^clawcall callback: Pro tier required — see `clawcall billing checkout pro`/);
  });

  it("a Team feature on the demo account says how to upgrade it in the sandbox, and that works", async () => {
    const r = await cli("webhook", "set", "http://127.0.0.1:9/events");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("in the sandbox, upgrade with `clawcall billing verify sandbox-paid-1 team`");
    expect((await cli("billing", "verify", "sandbox-paid-1", "team")).code).toBe(0);
    expect((await cli("webhook", "set", "http://127.0.0.1:9/events")).code).toBe(0);
  });

  it("an injected HTML 502 and a 401 give their lines", async () => {
    sb.sim.addFault({ endpoint: "account", kind: "html502", count: 1 });
    const a = await cli("account");
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/is unavailable \(HTTP 502, an error page instead of JSON\)/);
    sb.sim.addFault({ endpoint: "history", kind: "status401", count: 1 });
    const b = await cli("history");
    expect(b.code).toBe(77);
    expect(b.stderr).toMatch(/the sandbox relay at .* rejected the demo key/);
  });

  it("register --sandbox registers there and pins CLAWCALL_API_URL next to the key", async () => {
    const r = await cli("register", "--sandbox", "--phone", "+14155550111", "--email", "newbie@example.com");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const env = readFileSync(join(cwd, ".env"), "utf8");
    expect(env).toMatch(/^CLAWCALL_API_KEY=[0-9a-f-]{36}$/m);
    expect(env).toContain("CLAWCALL_EMAIL=newbie@example.com");
    expect(env).toContain(`CLAWCALL_API_URL=http://127.0.0.1:${port}`);
    const acc = await cli("account");
    expect(acc.code).toBe(0);
    expect(acc.stdout).toMatch(/^Account\s+newbie@example\.com$/m);
    expect(acc.stdout).toMatch(/^Tier\s+free$/m);
  });
});

describe("the demo account's minutes while trying the sandbox", () => {
  /** One finished call from `from` to the shared number, with its status callback (and charge) done. */
  async function oneCall(from?: string): Promise<void> {
    const { sid } = sb.sim.startCall(from ? { from } : {});
    await eventually(() => sb.sim.waitFor(sid, "greeting"));
    sb.sim.hangup(sid);
    await eventually(() =>
      sb.core.store.t.call_logs.some((l) => l.twilio_call_sid === sid && l.status === "completed"),
    );
  }
  const minutesUsed = async (key?: string) => {
    const r = await runCli(["account", "--json"], {
      cwd,
      env: {
        CLAWCALL_SANDBOX_PORT: port,
        ...(key ? { CLAWCALL_API_KEY: key, CLAWCALL_API_URL: `http://127.0.0.1:${port}` } : {}),
      },
    });
    return (JSON.parse(r.stdout) as { minutes_used: number }).minutes_used;
  };

  it("the demo refills once a call leaves it low; other accounts run out as on the real relay", async () => {
    sb.sim.setTier({ tier: "pro", minutes_used: 115 });
    await oneCall();
    // 116 used would leave 4: the demo refilled instead.
    expect(await minutesUsed()).toBe(0);
    await oneCall();
    expect(await minutesUsed()).toBe(1);

    const other = sb.sim.addAccount({
      email: "free@example.com",
      phone_number: "+14155550177",
      minutes_used: 9,
    });
    await oneCall("+14155550177");
    expect(await minutesUsed(other.api_key)).toBe(10);
    // The free tier's hard limit: the next call is refused at once.
    const refused = sb.sim.startCall({ from: "+14155550177" });
    const ended = await eventually(() => {
      const c = sb.sim.call(refused.sid);
      return c.state === "ended" && c;
    });
    const heard = (ended.events ?? []).filter((e) => e.type === "notice").map((e) => String(e.text));
    expect(heard.join(" ")).toMatch(/limit/i);
  });

  it("`clawcall sandbox refill` gives the running sandbox's demo its minutes back", async () => {
    sb.sim.setTier({ tier: "pro", minutes_used: 60, overage_minutes: 0 });
    const r = await cli("sandbox", "refill");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`Demo account ${DEMO_EMAIL} refilled: 120 minutes left this month.\n`);
    expect(await minutesUsed()).toBe(0);
    // The sandbox's own log says so too, as it does for the automatic refill.
    expect(sandboxLog.lines).toContainEqual(
      expect.objectContaining({
        msg: "account refilled on request",
        email: DEMO_EMAIL,
        minutes_used_before: 60,
      }),
    );
  });
});

describe("clawcall webhook against the sandbox", () => {
  it("says the sandbox posts only on this machine when the URL is elsewhere", async () => {
    sb.sim.setTier({ tier: "team" });
    const away = await cli("webhook", "set", "https://example.com/events");
    expect(away.code).toBe(0);
    expect(away.stdout).toBe(
      "Push webhook set: the relay POSTs each call's status to https://example.com/events.\n" +
        "Sandbox: it posts only to 127.0.0.1 or localhost, so example.com gets nothing until a real key is set.\n",
    );
    const here = await cli("webhook", "set", "http://127.0.0.1:9/events");
    expect(here.stdout).toBe(
      "Push webhook set: the relay POSTs each call's status to http://127.0.0.1:9/events.\n",
    );
    expect((await cli("webhook", "clear")).code).toBe(0);
  });
});
