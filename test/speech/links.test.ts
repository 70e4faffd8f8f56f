import { describe, expect, it } from "vitest";
import { fileName, siteName, speakLinks } from "../../src/speech/links.js";

describe("links and paths", () => {
  it("says a markdown link by its text and a bare URL by its site, keeping the sentence's stop", () => {
    expect(speakLinks("Read [the guide](https://x.example/a?b=1).")).toBe("Read the guide.");
    expect(speakLinks("See https://www.github.com/a/b/issues/1.")).toBe("See github.com.");
    expect(siteName("www.weather.gov/x")).toBe("weather.gov");
  });
  it("says a path by its file name (Unix, home, Windows, relative), and leaves dates alone", () => {
    expect(speakLinks("Saved to /home/sam/docs/report.pdf and C:\\Users\\sam\\a.txt.")).toBe(
      "Saved to report.pdf and a.txt.",
    );
    expect(speakLinks("Logs in ~/.clawcall/logs/bridge.log and src/speech/shape.ts.")).toBe(
      "Logs in bridge.log and shape.ts.",
    );
    expect(speakLinks("Due 12/03/2026.")).toBe("Due 12/03/2026.");
    expect(fileName("/a/b/")).toBe("b");
  });
  it("repairs the words that pointed at a link with nothing to say", () => {
    expect(speakLinks("A photo: ![](https://img.example/x.png) Nice.")).toBe("A photo Nice.");
  });
});
