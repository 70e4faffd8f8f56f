/**
 * What the softphone's browser tests share: headless Chromium (skipped, with a note, without
 * /usr/bin/chromium), a sandbox with a tiny fake agent that long-polls it with the demo key, a page
 * whose speech synthesis and recognition are recorded stand-ins, and where screenshots go.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { SANDBOX_DEMO_API_KEY } from "../../src/config/index.js";
import { buildSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { answerRelay, respond } from "../helpers/echo-agent.js";
import { ROOT } from "../helpers/proc.js";

export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);
/** Screenshots, kept as test artifacts (test-results/ is git-ignored). */
export const RESULTS = join(ROOT, "test-results/softphone");
// Generous: Chromium on a busy 2-core machine can take seconds per step; waits are for events, so
// a quiet machine is no slower.
export const BROWSER_WAIT_MS = 45_000;
export const BROWSER_TEST_MS = 120_000;
export const AUTH = { Authorization: `Bearer ${SANDBOX_DEMO_API_KEY}` };

/** Says once per file why its browser tests are skipped. */
export function noteSkip(file: string): void {
  if (!hasChromium)
    console.warn(`${file}: browser tests skipped: ${CHROMIUM} is missing (apt-get install chromium)`);
}

export type FakeAgent = ReturnType<typeof startFakeAgent>;

/**
 * Answers every message: "You said: …", after 1.5 s (well past the scaled 12 s) when asked to be slow;
 * scheduled and third-party calls get scripted lines, and the third party's first line ends the call.
 */
export function startFakeAgent(url: string) {
  const reply = (m: string): { response: string; end_call: boolean; delayMs: number } => {
    if (m.startsWith("[SCHEDULED]"))
      return { response: "Good morning, here is your briefing.", end_call: false, delayMs: 30 };
    if (m.startsWith("[THIRD PARTY CALL]"))
      return { response: "Hi, I'd like to book a table.", end_call: false, delayMs: 30 };
    if (m.startsWith("[THIRD PARTY SAYS]"))
      return { response: "Thank you, goodbye.", end_call: true, delayMs: 30 };
    return { response: `You said: ${m}`, end_call: false, delayMs: /slow/i.test(m) ? 1_500 : 30 };
  };
  return answerRelay(url, (sid, message) => {
    if (sid.startsWith("notify-")) return; // a notice ([THIRD PARTY COMPLETE]) takes no answer
    const { response, end_call, delayMs } = reply(message);
    setTimeout(() => void respond(url, sid, response, end_call), delayMs);
  });
}

/** An in-process sandbox at 20× time with the fake agent answering on it. */
export async function startSandboxWithAgent(): Promise<{
  sb: Sandbox;
  url: string;
  agent: FakeAgent;
  close(): Promise<void>;
}> {
  // Callers are silent only when a test says so: a busy machine cannot end a call on silence
  // between two of a test's steps.
  const sb = buildSandbox({ timeScale: 20, runSchedules: false, manualSilence: true });
  const { url } = await sb.listen(0);
  const agent = startFakeAgent(url);
  return {
    sb,
    url,
    agent,
    async close() {
      await agent.stop();
      await sb.close();
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(RESULTS, { recursive: true });
  return chromium.launch({
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
}

export type Viewport = { width: number; height: number };

/**
 * The page in a fresh browser context (its own localStorage), with recorded stand-ins for speech
 * synthesis (`window.__spoken`) and recognition (hears `window.__heard`). Anything the page's policy
 * blocks, and any uncaught error, lands in `errors`.
 */
export async function openPage(
  browser: Browser,
  url: string,
  viewport: Viewport = { width: 1280, height: 800 },
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  page.setDefaultTimeout(BROWSER_WAIT_MS);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.addInitScript(() => {
    const w = window as unknown as Record<string, unknown>;
    document.addEventListener("securitypolicyviolation", (e) => {
      throw new Error(`CSP blocked ${e.blockedURI || "inline"} (${e.violatedDirective})`);
    });
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
  await pageReady(page);
  return { page, errors };
}

/** Both stylesheets and the script loaded: a styled header and timeline, and a filled call picker. */
export async function pageReady(page: Page): Promise<void> {
  await page.waitForFunction(() => document.getElementById("call-select")?.childElementCount);
  const styles = await page.evaluate(() => [
    getComputedStyle(document.querySelector("header.top")!).display,
    getComputedStyle(document.getElementById("timeline-empty")!).textAlign,
  ]);
  expect(styles).toEqual(["flex", "center"]);
}

export async function waitListening(page: Page): Promise<void> {
  await page.waitForFunction(() =>
    /listening to you/.test(document.getElementById("call-state")?.textContent ?? ""),
  );
}

/** The agent's lines the page handed to speech synthesis so far. */
export async function spokenLines(page: Page): Promise<string[]> {
  return (await page.evaluate(() => (window as unknown as { __spoken: string[] }).__spoken)) ?? [];
}

/** Saves a screenshot under RESULTS and checks it holds a drawn page, not a blank one. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  const path = join(RESULTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  expect(statSync(path).size).toBeGreaterThan(20_000);
  return path;
}

/** What a browser suite's tests get: its sandbox (with the fake agent) and pages opened on it. */
export interface BrowserSuite {
  readonly url: string;
  readonly agent: FakeAgent;
  readonly browser: Browser;
  /** A fresh page on this suite's sandbox (or on `url`). */
  open(viewport?: Viewport, url?: string): Promise<{ page: Page; errors: string[] }>;
}

/**
 * A describe block of browser tests sharing one sandbox, fake agent and Chromium, all closed after
 * it; skipped, with a note saying why, where Chromium is missing.
 */
export function describeInBrowser(name: string, body: (suite: BrowserSuite) => void): void {
  if (!hasChromium) console.warn(`${name}: skipped: ${CHROMIUM} is missing (apt-get install chromium)`);
  describe.skipIf(!hasChromium)(name, { timeout: BROWSER_TEST_MS }, () => {
    let sandbox: Awaited<ReturnType<typeof startSandboxWithAgent>> | undefined;
    let browser: Browser | undefined;
    beforeAll(async () => {
      sandbox = await startSandboxWithAgent();
      browser = await launchBrowser();
    }, BROWSER_TEST_MS);
    afterAll(async () => {
      await browser?.close();
      await sandbox?.close();
    });
    body({
      get url() {
        return sandbox!.url;
      },
      get agent() {
        return sandbox!.agent;
      },
      get browser() {
        return browser!;
      },
      open: (viewport, url) => openPage(browser!, url ?? sandbox!.url, viewport),
    });
  });
}
