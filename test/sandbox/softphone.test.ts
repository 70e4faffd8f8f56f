/**
 * The softphone page (src/sandbox/softphone/web/): how the sandbox serves its files, then calls held
 * through the page in headless Chromium against an in-process sandbox and a tiny fake agent
 * (softphone-browser.ts). softphone-usability.test.ts covers how the page looks and reads: disabled
 * controls, the read-aloud switch, folded relay rows, laptop and phone viewports.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildSandbox } from "../../src/sandbox/index.js";
import * as srcPage from "../../src/sandbox/softphone/page.js";
import { softphonePage } from "../../src/sandbox/softphone/page.js";
import { ROOT } from "../helpers/proc.js";
import { AUTH, describeInBrowser, screenshot, spokenLines, waitListening } from "./softphone-browser.js";

const WEB = join(ROOT, "src/sandbox/softphone/web");
const webFile = (name: string) => readFileSync(join(WEB, name), "utf8");
const CONTENT_TYPE: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** The files a page or script loads: `<script src>`, stylesheets, and modules it imports. */
function references(text: string): string[] {
  const found = [
    ...text.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g),
    ...text.matchAll(/<link\b[^>]*\brel="stylesheet"[^>]*\bhref="([^"]+)"/g),
    ...text.matchAll(/^import\b[^;]*?\bfrom "([^"]+)";/gms),
  ];
  return found.map((m) => m[1]!);
}

describe("softphone page (static)", () => {
  it("is one self-contained page: no external resources, no innerHTML, a strict CSP", () => {
    const html = softphonePage();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i);
    const scripts = readdirSync(WEB).filter((f) => f.endsWith(".js"));
    expect(scripts).toContain("page.js");
    for (const text of [html, ...scripts.map(webFile)]) {
      expect(text).not.toMatch(
        /\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/,
      );
      expect(text).not.toMatch(/(from|import) "(?!\.\/)/); // only the page's own modules
    }
    expect(html).toContain("Content-Security-Policy");
    expect(html).toContain("connect-src 'self'");
    expect(html).not.toMatch(/unsafe-inline|unsafe-eval|\sstyle=|\son[a-z]+=/);
    expect(html).not.toMatch(/<style|<script(?![^>]*\b(src=|type="application\/json"))/);
    // The config block cannot be closed early by what it carries.
    const evil = softphonePage({ fromNumber: "</script><script>alert(1)</script>" });
    expect(evil).not.toContain("</script><script>alert(1)");
    const config = (page: string) =>
      JSON.parse(/<script id="softphone-config" type="application\/json">([^<]*)<\/script>/.exec(page)![1]!);
    expect(config(evil).fromNumber).toBe("</script><script>alert(1)</script>");
    // Replacement patterns in a value stay literal.
    expect(config(softphonePage({ fromNumber: "$& $' $`" })).fromNumber).toBe("$& $' $`");
  });

  it("serves page.html, the type-checked scripts and the stylesheets as they are in web/, under a strict policy", async () => {
    const sb = buildSandbox({ runSchedules: false });
    try {
      const { url } = await sb.listen(0);
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(page.headers.get("x-content-type-options")).toBe("nosniff");
      const csp = page.headers.get("content-security-policy") ?? "";
      const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(webFile("page.html"))![1]!;
      expect(csp).toBe(`${meta}; frame-ancestors 'none'`);
      for (const directive of [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
      ]) {
        expect(csp.split("; ")).toContain(directive);
      }
      expect(csp).not.toMatch(/unsafe|\*|https?:/);
      const html = await page.text();
      expect(html).toBe(softphonePage({ demoKey: sb.sim.demo().api_key, apiUrl: url }));

      // Every file the page loads, and every module those import, is served from web/ byte for byte.
      const seen = new Set<string>();
      const queue = references(html).map((ref) => new URL(ref, `${url}/`).pathname);
      expect(queue.sort()).toEqual([
        "/softphone/layout.css",
        "/softphone/page.css",
        "/softphone/page.js",
        "/softphone/timeline.css",
      ]);
      while (queue.length) {
        const path = queue.shift()!;
        if (seen.has(path)) continue;
        seen.add(path);
        const name = path.replace(/^\/softphone\//, "");
        const r = await fetch(`${url}${path}`);
        expect(r.status, path).toBe(200);
        expect(r.headers.get("content-type"), path).toBe(CONTENT_TYPE[extname(name)]);
        expect(r.headers.get("x-content-type-options"), path).toBe("nosniff");
        const body = await r.text();
        expect(body, path).toBe(webFile(name));
        if (name.endsWith(".js")) {
          expect(body.startsWith("// @ts-check\n"), `${name} is type-checked`).toBe(true);
          for (const ref of references(body)) queue.push(new URL(ref, `${url}${path}`).pathname);
        }
      }
      // Everything in web/ that a browser can load is reached from the page: no dead files.
      const shipped = readdirSync(WEB).filter((f) => CONTENT_TYPE[extname(f)]);
      expect([...seen].map((p) => p.replace("/softphone/", "")).sort()).toEqual(shipped.sort());

      // Nothing else comes out of the folder: the relay answers the rest with its own 404 and 405.
      for (const path of ["/softphone/tsconfig.json", "/softphone/page.html", "/softphone/../package.json"]) {
        const r = await fetch(`${url}${path}`);
        expect(r.status, path).toBe(404);
        expect(await r.text(), path).toContain("<title>404 Not Found</title>");
      }
      expect((await fetch(`${url}/softphone/page.js`, { method: "POST" })).status).toBe(404);
      expect((await fetch(`${url}/softphone/page.js`, { method: "HEAD" })).status).toBe(200);
    } finally {
      await sb.close();
    }
  });

  it("npm run build puts the same page and files in dist/, where the CLI serves them from", async () => {
    const built = join(ROOT, "dist/sandbox/softphone/page.js");
    if (!existsSync(built)) throw new Error("dist/ is missing: run `npm run build` first");
    const distPage = (await import(built)) as typeof srcPage;
    const opts = { demoKey: "k", fromNumber: "+15550001111", apiUrl: "http://127.0.0.1:1" };
    expect(distPage.softphonePage(opts), "dist/ is out of date: run `npm run build`").toBe(
      srcPage.softphonePage(opts),
    );
    for (const name of readdirSync(WEB).filter((f) => CONTENT_TYPE[extname(f)])) {
      const path = `/softphone/${name}`;
      expect(distPage.softphoneAssetReply(path)?.body, `dist ${name}`).toBe(webFile(name));
    }
    expect(existsSync(join(ROOT, "dist/sandbox/softphone/web/tsconfig.json"))).toBe(false);
  });
});

describeInBrowser("softphone page in headless Chromium", (suite) => {
  it("holds a call: dial, typed and spoken lines, answers, a filler when the agent is slow, hang up", async () => {
    const { page, errors } = await suite.open();
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
    const spoken = await spokenLines(page);
    expect(spoken[0]).toBe("Hello! How can I help you today?");
    expect(spoken).toContain("You said: What's on my calendar tomorrow?");
    // Reading aloud switches off (softphone-usability.test.ts covers the switch itself).
    await page.click("#read-aloud");
    await expect(page.getAttribute("#read-aloud", "aria-checked")).resolves.toBe("false");

    await screenshot(page, "call-with-fillers");

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
    await screenshot(page, "call-with-fillers-ended");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("stay silent asks 'Are you still there?'", async () => {
    const { page, errors } = await suite.open();
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
    const r = await fetch(`${suite.url}/api/v1/calls/schedule`, {
      method: "POST",
      headers: { ...AUTH, "Content-Type": "application/json" },
      body: JSON.stringify({ cron: "0 9 * * *", label: "Morning briefing", task_context: "brief me" }),
    });
    expect(r.status).toBe(200);
    const { page, errors } = await suite.open();
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
    const { page, errors } = await suite.open();
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
    // A relay row: in the log, folded away until "Show relay details" is ticked.
    await page.locator('#timeline li[data-type="completion_queued"]').waitFor({ state: "attached" });
    await page.waitForFunction(() => document.getElementById("call-state")?.textContent === "Call ended");
    await expect(page.locator('#timeline li[data-type="hangup"]').textContent()).resolves.toContain(
      "the agent ended the call",
    );
    expect(
      suite.agent.seen.some((m) => m.startsWith("[THIRD PARTY CALL]\nObjective: Book a table for two")),
    ).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
