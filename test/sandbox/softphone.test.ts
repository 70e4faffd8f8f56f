/**
 * The softphone page in headless Chromium against an in-process sandbox and a tiny fake agent that
 * long-polls the sandbox relay with the demo key (playwright gives every launch a fresh temp profile). Skipped (with a note) only without /usr/bin/chromium.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_DEMO_API_KEY } from "../../src/config/index.js";
import { buildSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { softphonePage } from "../../src/sandbox/softphone/page.js";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`softphone browser tests skipped: ${CHROMIUM} is missing (apt-get install chromium)`);
}
const RESULTS = join(process.cwd(), "test-results");
// Generous: Chromium on a busy 2-core machine can take seconds per step; waits are for events, so
// a quiet machine is no slower.
const BROWSER_WAIT_MS = 45_000;
const BROWSER_TEST_MS = 120_000;
const AUTH = { Authorization: `Bearer ${SANDBOX_DEMO_API_KEY}` };

/** Answers every message: "You said: …"; waits 1.5 s (well past the scaled 12 s) when asked to be slow. */
function startFakeAgent(url: string) {
  const ac = new AbortController();
  const seen: string[] = [];
  const reply = (m: string): { response: string; end_call: boolean; delayMs: number } => {
    if (m.startsWith("[SCHEDULED]"))
      return { response: "Good morning, here is your briefing.", end_call: false, delayMs: 30 };
    if (m.startsWith("[THIRD PARTY CALL]"))
      return { response: "Hi, I'd like to book a table.", end_call: false, delayMs: 30 };
    if (m.startsWith("[THIRD PARTY SAYS]"))
      return { response: "Thank you, goodbye.", end_call: true, delayMs: 30 };
    if (m.startsWith("[THIRD PARTY COMPLETE]")) return { response: "ok", end_call: false, delayMs: 0 };
    return { response: `You said: ${m}`, end_call: false, delayMs: /slow/i.test(m) ? 1_500 : 30 };
  };
  const loop = (async () => {
    while (!ac.signal.aborted) {
      try {
        const r = await fetch(`${url}/api/v1/calls/listen?timeout=20`, { headers: AUTH, signal: ac.signal });
        const m = (await r.json()) as { call_sid?: string; message?: string };
        if (!m.call_sid || m.message === undefined) continue;
        seen.push(m.message);
        const { response, end_call, delayMs } = reply(m.message);
        if (m.call_sid.startsWith("notify-")) continue;
        setTimeout(() => {
          void fetch(`${url}/api/v1/calls/respond/${encodeURIComponent(m.call_sid!)}`, {
            method: "POST",
            headers: { ...AUTH, "Content-Type": "application/json" },
            body: JSON.stringify({ response, end_call }),
          }).catch(() => {});
        }, delayMs);
      } catch {
        if (!ac.signal.aborted) await new Promise((r) => setTimeout(r, 50));
      }
    }
  })();
  return {
    seen,
    async stop() {
      ac.abort();
      await loop;
    },
  };
}

describe("softphone page (static)", () => {
  it("is one self-contained page: no external resources, no innerHTML, a strict CSP", () => {
    const html = softphonePage();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i);
    expect(html).not.toMatch(/\.innerHTML|insertAdjacentHTML|document\.write/);
    expect(html).toContain("Content-Security-Policy");
    expect(html).toContain("connect-src 'self'");
    // The config block cannot be closed early by what it carries.
    const evil = softphonePage({ fromNumber: "</script><script>alert(1)</script>" });
    expect(evil).not.toContain("</script><script>alert(1)");
  });
});

describe.skipIf(!hasChromium)("softphone page in headless Chromium", { timeout: BROWSER_TEST_MS }, () => {
  let sb: Sandbox;
  let url: string;
  let agent: ReturnType<typeof startFakeAgent>;
  let browser: Browser;

  beforeAll(async () => {
    // Callers never time out by themselves: at scale 20 a Gather listens 0.4-0.5 s, shorter than a busy
    // Chromium takes between seeing "listening" and sending the typed line ("Stay silent" still works).
    sb = buildSandbox({ timeScale: 20, runSchedules: false, manualSilence: true });
    ({ url } = await sb.listen(0));
    agent = startFakeAgent(url);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    mkdirSync(RESULTS, { recursive: true });
  }, BROWSER_TEST_MS);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await sb?.close();
  });

  /** A page whose speech synthesis and recognition are recorded stand-ins. */
  async function openPage(
    viewport = { width: 1280, height: 800 },
  ): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport });
    page.setDefaultTimeout(BROWSER_WAIT_MS);
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.addInitScript(() => {
      const w = window as unknown as Record<string, unknown>;
      const spoken: string[] = [];
      w.__spoken = spoken;
      const synth = {
        speak: (u: { text: string }) => spoken.push(u.text),
        cancel: () => {},
        getVoices: () => [],
      };
      Object.defineProperty(window, "speechSynthesis", { value: synth, configurable: true });
      w.SpeechSynthesisUtterance = class {
        lang = "";
        constructor(public text: string) {}
      };
      // A recogniser that "hears" whatever the test put in window.__heard.
      w.SpeechRecognition = class {
        lang = "";
        interimResults = false;
        maxAlternatives = 1;
        onresult: ((ev: unknown) => void) | null = null;
        onend: (() => void) | null = null;
        onerror: ((ev: unknown) => void) | null = null;
        start() {
          setTimeout(() => {
            const alt = Object.assign([{ transcript: String(w.__heard ?? "") }], { isFinal: true });
            this.onresult?.({ resultIndex: 0, results: [alt] });
            this.onend?.();
          }, 20);
        }
        stop() {
          this.onend?.();
        }
      };
    });
    await page.goto(`${url}/`);
    return { page, errors };
  }

  async function waitListening(page: Page): Promise<void> {
    await page.waitForFunction(() =>
      /listening to you/.test(document.getElementById("call-state")?.textContent ?? ""),
    );
  }

  it("holds a call: dial, typed and spoken lines, answers, a filler when the agent is slow, hang up", async () => {
    const { page, errors } = await openPage();
    await expect(page.title()).resolves.toBe("ClawCall sandbox softphone");
    await page.click("#dial");
    await page.waitForSelector('#timeline li[data-type="greeting"]');
    await waitListening(page);

    await page.fill("#say-input", "What's on my calendar tomorrow?");
    await page.click("#say-send");
    const answer = page.locator('#timeline li[data-type="answer_spoken"]');
    await answer.first().waitFor();
    await expect(answer.first().textContent()).resolves.toContain(
      "You said: What's on my calendar tomorrow?",
    );
    await expect(answer.first().textContent()).resolves.toContain("answered without a filler");

    // The microphone path: the (stand-in) recogniser's final result is sent as the caller's line.
    await waitListening(page);
    await page.evaluate(() => {
      (window as unknown as Record<string, unknown>).__heard = "Spoken into the microphone";
    });
    await expect(page.locator("#mic").isVisible()).resolves.toBe(true);
    await page.click("#mic");
    await page.waitForFunction(
      () => document.querySelectorAll('#timeline li[data-type="answer_spoken"]').length >= 2,
    );
    await expect(answer.nth(1).textContent()).resolves.toContain("You said: Spoken into the microphone");

    // Slow agent: fillers, numbered, with their time since the message was queued. Untrusted text stays text.
    await waitListening(page);
    await page.fill("#say-input", "slow: <b>book</b> a table & <img src=x onerror=alert(1)>");
    await page.press("#say-input", "Enter");
    await page.locator('#timeline li[data-type="filler"]').first().waitFor();
    await expect(page.locator('#timeline li[data-type="filler"]').first().textContent()).resolves.toMatch(
      /filler 1 · \+[\d\u2009]+ ms/,
    );
    await page.waitForFunction(
      () => document.querySelectorAll('#timeline li[data-type="answer_spoken"]').length >= 3,
    );
    const third = await answer.nth(2).textContent();
    expect(third).toContain("You said: slow: <b>book</b> a table & <img src=x onerror=alert(1)>");
    expect(third).toMatch(/answered after \d+ fillers?/);
    await expect(page.locator("#timeline b, #timeline img").count()).resolves.toBe(0);
    await expect(page.locator("#stats").textContent()).resolves.toMatch(/turns\s*3/);

    // The agent's lines went to speech synthesis (greeting, fillers, answers).
    const spoken = (await page.evaluate(() => (window as unknown as { __spoken: string[] }).__spoken)) ?? [];
    expect(spoken[0]).toBe("Hello! How can I help you today?");
    expect(spoken).toContain("You said: What's on my calendar tomorrow?");
    // Mute toggles and sticks.
    await page.click("#mute");
    await expect(page.getAttribute("#mute", "aria-pressed")).resolves.toBe("true");

    await page.waitForTimeout(300);
    const shot = join(RESULTS, "softphone.png");
    await page.screenshot({ path: shot });
    expect(statSync(shot).size).toBeGreaterThan(20_000);

    await page.click("#hangup");
    await page.locator('#timeline li[data-type="hangup"]').waitFor();
    await page.waitForFunction(() => document.getElementById("call-state")?.textContent === "Call ended");
    await expect(page.locator('#timeline li[data-type="hangup"]').textContent()).resolves.toContain(
      "you hung up",
    );
    const rows = await page.locator("#timeline li").count();
    expect(rows).toBeGreaterThanOrEqual(15);
    for (const type of ["caller_said", "message_queued", "filler", "answer_spoken", "hangup"]) {
      expect(await page.locator(`#timeline li[data-type="${type}"]`).count(), type).toBeGreaterThan(0);
    }
    await page.screenshot({ path: join(RESULTS, "softphone-ended.png") });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("stay silent asks 'Are you still there?'", async () => {
    const { page, errors } = await openPage();
    await page.click("#dial");
    await waitListening(page);
    await page.click("#silence");
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#timeline li[data-type="still_there"]')].some((li) =>
        li.textContent?.includes("Are you still there?"),
      ),
    );
    await page.click("#hangup");
    await page.locator('#timeline li[data-type="hangup"]').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it("fires a schedule, rings, and answering shows the scheduled turn", async () => {
    const r = await fetch(`${url}/api/v1/calls/schedule`, {
      method: "POST",
      headers: { ...AUTH, "Content-Type": "application/json" },
      body: JSON.stringify({ cron: "0 9 * * *", label: "Morning briefing", task_context: "brief me" }),
    });
    expect(r.status).toBe(200);
    const { page, errors } = await openPage();
    const fire = page
      .locator("#schedules li", { hasText: "Morning briefing" })
      .getByRole("button", { name: "Fire now" });
    await fire.waitFor();
    await fire.click();
    const ring = page.locator("#ringing li", { hasText: "scheduled call" });
    await ring.waitFor();
    await ring.getByRole("button", { name: "Answer" }).click();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#timeline li[data-type="answer_spoken"]')].some((li) =>
        li.textContent?.includes("Good morning, here is your briefing."),
      ),
    );
    await expect(
      page.locator('#timeline li[data-type="message_queued"]').first().textContent(),
    ).resolves.toContain("[SCHEDULED] brief me");
    await page.click("#hangup");
    await page.locator('#timeline li[data-type="hangup"]').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it("places a third-party call and plays the third party until the agent ends it", async () => {
    const { page, errors } = await openPage();
    await page.fill("#tp-objective", "Book a table for two");
    await page.getByRole("button", { name: "Place third-party call" }).click();
    const ring = page.locator("#ringing li", { hasText: "third-party call" });
    await ring.waitFor();
    await ring.getByRole("button", { name: "Answer" }).click();
    await expect(page.locator("#say-label")).toBeDefined();
    await page.waitForFunction(() =>
      /listening/.test(document.getElementById("call-state")?.textContent ?? ""),
    );
    await expect(page.locator("#say-label").textContent()).resolves.toBe("The third party says");
    await page.fill("#say-input", "Sure, seven pm works.");
    await page.click("#say-send");
    await page.locator('#timeline li[data-type="third_party_said"]').waitFor();
    await page.locator('#timeline li[data-type="completion_queued"]').waitFor();
    await page.waitForFunction(() => document.getElementById("call-state")?.textContent === "Call ended");
    await expect(page.locator('#timeline li[data-type="hangup"]').textContent()).resolves.toContain(
      "the agent ended the call",
    );
    expect(agent.seen.some((m) => m.startsWith("[THIRD PARTY CALL]\nObjective: Book a table for two"))).toBe(
      true,
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  it("fits a phone-sized viewport without sideways scrolling", async () => {
    const { page, errors } = await openPage({ width: 390, height: 844 });
    await page.click("#dial");
    await page.locator('#timeline li[data-type="greeting"]').waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(RESULTS, "softphone-narrow.png") });
    await page.click("#hangup");
    expect(errors).toEqual([]);
    await page.close();
  });
});
