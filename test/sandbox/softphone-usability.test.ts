/**
 * The softphone page as a newcomer meets it, in headless Chromium against an in-process sandbox and a
 * fake agent (softphone-browser.ts): controls that are off look and act off, the read-aloud switch
 * says what it does and is remembered, relay rows are folded away until asked for, the phone and the
 * tools fit a laptop screen and the page still works on a phone. Screenshots of each viewport,
 * before and after a call, go to test-results/softphone/.
 */
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import {
  AUTH,
  describeInBrowser,
  pageReady,
  screenshot,
  spokenLines,
  startSandboxWithAgent,
  type Viewport,
  waitListening,
} from "./softphone-browser.js";

const GREETING = "Hello! How can I help you today?";

type Box = { x: number; y: number; width: number; height: number };

/** WCAG contrast ratio of two computed `rgb(…)` colours. */
function contrast(fg: string, bg: string): number {
  const lum = (css: string) => {
    const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
  return (hi! + 0.05) / (lo! + 0.05);
}

async function boxOf(page: Page, selector: string): Promise<Box> {
  const box = await page.locator(selector).first().boundingBox();
  expect(box, `${selector} is laid out`).not.toBeNull();
  return box!;
}

/** `inner` lies wholly inside `outer` (a viewport is a box at 0,0). */
function expectInside(inner: Box, outer: Box, what: string): void {
  expect(inner.x, `${what}: left`).toBeGreaterThanOrEqual(outer.x - 0.5);
  expect(inner.y, `${what}: top`).toBeGreaterThanOrEqual(outer.y - 0.5);
  expect(inner.x + inner.width, `${what}: right`).toBeLessThanOrEqual(outer.x + outer.width + 0.5);
  expect(inner.y + inner.height, `${what}: bottom`).toBeLessThanOrEqual(outer.y + outer.height + 0.5);
}

async function styleOf(page: Page, selector: string) {
  return page.$eval(selector, (n) => {
    const c = getComputedStyle(n);
    return { cursor: c.cursor, background: c.backgroundColor, color: c.color, border: c.borderColor };
  });
}

/** Dials, says one line and waits for the agent's answer on the timeline. */
async function holdCall(page: Page, line: string): Promise<void> {
  await page.click("#dial");
  await page.locator('#timeline li[data-type="greeting"]').waitFor();
  await waitListening(page);
  await page.fill("#say-input", line);
  await page.press("#say-input", "Enter");
  await page.locator('#timeline li[data-type="answer_spoken"]', { hasText: `You said: ${line}` }).waitFor();
}

async function hangUp(page: Page): Promise<void> {
  await page.click("#hangup");
  await page.waitForFunction(() => document.getElementById("call-state")?.textContent === "Call ended");
}

/** Every POST the page sends, by path, in order. */
function recordPosts(page: Page): string[] {
  const posts: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST") posts.push(new URL(r.url()).pathname);
  });
  return posts;
}

describeInBrowser("softphone page for a newcomer", (suite) => {
  it("a control that is off looks off (grey, not-allowed cursor, aria-disabled) and a click on it does nothing", async () => {
    const { page, errors } = await suite.open();
    const posts = recordPosts(page);
    await expect(page.locator("#hangup").isDisabled()).resolves.toBe(true);
    await expect(page.getAttribute("#hangup", "aria-disabled")).resolves.toBe("true");
    const off = await styleOf(page, "#hangup");
    expect(off.cursor).toBe("not-allowed");
    // Every control that is off looks the same, whatever its colour when on; its text stays readable.
    for (const id of ["say-send", "silence"]) expect(await styleOf(page, `#${id}`), id).toEqual(off);
    expect(contrast(off.color, off.background)).toBeGreaterThanOrEqual(4.5);
    const dial = await styleOf(page, "#dial");
    expect(dial.cursor).toBe("pointer");
    expect(dial.background).not.toBe(off.background);

    // In a call Hang up is on: red, the pointer; Dial is off and looks it.
    await page.click("#dial");
    await waitListening(page);
    await expect(page.getAttribute("#hangup", "aria-disabled")).resolves.toBe("false");
    const on = await styleOf(page, "#hangup");
    expect(on.cursor).toBe("pointer");
    expect(on.background).toBe("rgb(198, 40, 40)");
    expect(await styleOf(page, "#dial")).toEqual(off);
    await screenshot(page, "disabled-dial-in-call");

    // Hang up from the keyboard; then it is off again.
    await page.focus("#hangup");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.getElementById("call-state")?.textContent === "Call ended");
    await expect(page.locator("#hangup").isDisabled()).resolves.toBe(true);
    expect(await styleOf(page, "#hangup")).toEqual(off);

    // A click at its centre lands on it and sends nothing: the next POST the page makes is the dial.
    const box = await boxOf(page, "#hangup");
    const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
    const hit = await page.evaluate(
      ([px, py]) => document.elementFromPoint(px!, py!)?.closest("button")?.id,
      [x, y],
    );
    expect(hit).toBe("hangup");
    const before = posts.length;
    await page.mouse.click(x, y);
    await page.click("#dial");
    await waitListening(page);
    expect(posts.slice(before)).toEqual(["/sandbox/calls"]);
    await hangUp(page);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("'Read answers aloud' is a switch that says its state, works from the keyboard and is remembered", async () => {
    const { page, errors } = await suite.open();
    const sw = page.getByRole("switch", { name: "Read answers aloud" });
    await expect(sw.getAttribute("aria-checked")).resolves.toBe("true");
    await expect(page.locator("#read-aloud-state").textContent()).resolves.toBe("On");
    await expect(page.locator("#read-aloud-hint").textContent()).resolves.toContain(
      "the browser speaks the agent's lines",
    );
    // With speech recognition there is a Mic, and the page says what it does.
    await expect(page.locator("#mic").textContent()).resolves.toBe("Mic");
    await expect(page.getAttribute("#mic", "aria-describedby")).resolves.toBe("mic-hint");
    await expect(page.locator("#mic-hint").isVisible()).resolves.toBe(true);
    await expect(page.locator("#mic-hint").textContent()).resolves.toContain("microphone");

    await holdCall(page, "Read this one out");
    const spoken = await spokenLines(page);
    expect(spoken).toEqual([GREETING, "You said: Read this one out"]);
    await hangUp(page);

    await sw.click();
    await expect(sw.getAttribute("aria-checked")).resolves.toBe("false");
    await expect(page.locator("#read-aloud-state").textContent()).resolves.toBe("Off");
    await page.reload();
    await pageReady(page);
    await expect(sw.getAttribute("aria-checked")).resolves.toBe("false");
    await expect(page.locator("#read-aloud-state").textContent()).resolves.toBe("Off");
    // Off: the answer is drawn (and with it, would have been spoken) but nothing is read out.
    await holdCall(page, "Keep this one quiet");
    expect(await spokenLines(page)).toEqual([]);
    await hangUp(page);
    await screenshot(page, "read-aloud-off");

    await sw.focus();
    await page.keyboard.press("Space");
    await expect(sw.getAttribute("aria-checked")).resolves.toBe("true");
    await expect(page.locator("#read-aloud-state").textContent()).resolves.toBe("On");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("the conversation shows what the caller said and heard; relay rows fold away until asked for, remembered", async () => {
    const { page, errors } = await suite.open();
    const toggle = page.getByLabel("Show relay details");
    await expect(toggle.isChecked()).resolves.toBe(false);
    await holdCall(page, "What is on today?");
    const row = (type: string) => page.locator(`#timeline li[data-type="${type}"]`).first();
    const CONVERSATION = ["greeting", "caller_said", "answer_spoken"];
    const RELAY = ["created", "answered", "gather", "message_queued", "message_delivered", "agent_responded"];
    const shown = async (types: string[]) => Promise.all(types.map((t) => row(t).isVisible()));
    expect(await shown(CONVERSATION)).toEqual([true, true, true]);
    for (const t of RELAY)
      expect(await page.locator(`#timeline li[data-type="${t}"]`).count(), t).toBeGreaterThan(0);
    expect(await shown(RELAY)).toEqual(RELAY.map(() => false));
    // The answer keeps its timing chip, counted from the folded "queued" row.
    await expect(row("answer_spoken").locator(".ev-chip").textContent()).resolves.toMatch(
      /^\+[\d\u2009]+ ms$/,
    );
    await screenshot(page, "relay-details-folded");

    await toggle.check();
    expect(await shown(RELAY)).toEqual(RELAY.map(() => true));
    await screenshot(page, "relay-details-shown");
    const sid = await page.evaluate(
      () => (window as unknown as { softphone: { state: { sid: string } } }).softphone.state.sid,
    );
    await page.reload();
    await pageReady(page);
    await expect(toggle.isChecked()).resolves.toBe(true);
    await page.selectOption("#call-select", sid);
    await row("message_delivered").waitFor();
    expect(await shown(RELAY)).toEqual(RELAY.map(() => true));
    await toggle.uncheck();
    expect(await shown(RELAY)).toEqual(RELAY.map(() => false));
    expect(await shown(CONVERSATION)).toEqual([true, true, true]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("Tab goes through the controls in the order they are seen: phone, timeline, tools", async () => {
    const { page, errors } = await suite.open();
    // Controls that are off (Hang up, Say, Mic, Stay silent; the call picker before any call) are skipped.
    const picker = (await page.locator("#call-select").isDisabled()) ? [] : ["call-select"];
    const expected = [
      "read-aloud",
      "relay-details",
      ...picker,
      "tier",
      "tier-set",
      "sched-context",
      "Add",
      "tp-to",
      "tp-objective",
      "tp-context",
      "Place third-party call",
    ];
    await page.focus("#dial");
    const order: string[] = [];
    for (const _ of expected) {
      await page.keyboard.press("Tab");
      order.push(
        await page.evaluate(() => {
          const a = document.activeElement as HTMLElement | null;
          return a?.id || a?.textContent?.trim() || "";
        }),
      );
    }
    expect(order).toEqual(expected);
    expect(errors).toEqual([]);
    await page.close();
  });

  const LAPTOPS: Viewport[] = [
    { width: 1366, height: 768 },
    { width: 1280, height: 720 },
  ];
  it.each(LAPTOPS)(
    "on a $width×$height laptop screen the phone, ringing and tools are in view without scrolling the page",
    async (viewport) => {
      // Its own sandbox: the schedule this test adds must not lengthen another test's tools card.
      const own = await startSandboxWithAgent();
      try {
        const { page, errors } = await suite.open(viewport, own.url);
        const name = `laptop-${viewport.width}x${viewport.height}`;
        const screen = { x: 0, y: 0, ...viewport };
        await page.waitForFunction(() => document.getElementById("account-line")?.textContent);
        const size = await page.evaluate(() => [
          document.documentElement.scrollWidth,
          document.documentElement.scrollHeight,
        ]);
        expect(size, "the page itself does not scroll").toEqual([viewport.width, viewport.height]);
        for (const card of [".phone", ".ringing-card", ".timeline-card", ".tools"]) {
          expectInside(await boxOf(page, card), screen, card);
        }
        const PHONE = ["#dial", "#hangup", "#say-input", "#say-send", "#silence", "#read-aloud", "#notice"];
        const phone = await boxOf(page, ".phone");
        for (const sel of PHONE) expectInside(await boxOf(page, sel), phone, sel);
        const TOOLS = [
          "#tier",
          "#tier-set",
          "#sched-context",
          "#sched-form button",
          '#tp-form button[type="submit"]',
        ];
        const tools = await boxOf(page, ".tools");
        for (const sel of TOOLS) expectInside(await boxOf(page, sel), tools, sel);
        await screenshot(page, `${name}-idle`);

        // A call that rings: its Answer button is in view too.
        const r = await fetch(`${own.url}/api/v1/calls/schedule`, {
          method: "POST",
          headers: { ...AUTH, "Content-Type": "application/json" },
          body: JSON.stringify({ cron: "0 9 * * *", label: "Morning briefing", task_context: "brief me" }),
        });
        expect(r.status).toBe(200);
        await page
          .locator("#schedules li", { hasText: "Morning briefing" })
          .getByRole("button", { name: "Fire now" })
          .click();
        const answer = page.locator("#ringing li").getByRole("button", { name: "Answer" });
        await answer.waitFor();
        expectInside(await boxOf(page, "#ringing li"), await boxOf(page, ".ringing-card"), "ringing call");
        expectInside(await boxOf(page, ".ringing-card"), screen, "ringing card with a call");
        await screenshot(page, `${name}-ringing`);
        await page.locator("#ringing li").getByRole("button", { name: "Reject" }).click();
        await page.locator("#ringing li").waitFor({ state: "detached" });

        // A call placed and answered through the page.
        await holdCall(page, "Is everything in view?");
        expectInside(await boxOf(page, '#timeline li[data-type="answer_spoken"]'), screen, "the answer");
        await screenshot(page, `${name}-in-call`);
        await hangUp(page);
        await screenshot(page, `${name}-ended`);
        expect(errors).toEqual([]);
        await page.close();
      } finally {
        await own.close();
      }
    },
  );

  it("on a phone-sized screen the cards stack in reading order and nothing scrolls sideways", async () => {
    const viewport = { width: 390, height: 844 };
    const { page, errors } = await suite.open(viewport);
    const wide = () => page.evaluate(() => document.documentElement.scrollWidth);
    expect(await wide()).toBeLessThanOrEqual(viewport.width);
    const cards = [".phone", ".ringing-card", ".timeline-card", ".tools"];
    const boxes = await Promise.all(cards.map((c) => boxOf(page, c)));
    for (let i = 1; i < boxes.length; i++) {
      expect(boxes[i]!.y, `${cards[i]} below ${cards[i - 1]}`).toBeGreaterThan(boxes[i - 1]!.y);
    }
    for (const [i, b] of boxes.entries()) {
      expect(b.x, cards[i]).toBeGreaterThanOrEqual(0);
      expect(b.x + b.width, cards[i]).toBeLessThanOrEqual(viewport.width);
    }
    // The phone's controls are on the first screen.
    for (const sel of ["#dial", "#hangup", "#say-input", "#read-aloud"]) {
      expectInside(await boxOf(page, sel), { x: 0, y: 0, ...viewport }, sel);
    }
    await screenshot(page, "phone-390x844-idle", true);
    await holdCall(page, "Does this fit a phone?");
    expect(await wide()).toBeLessThanOrEqual(viewport.width);
    await screenshot(page, "phone-390x844-in-call", true);
    await hangUp(page);
    await screenshot(page, "phone-390x844-ended", true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
