import { describe, expect, it } from "vitest";
import { clockTime, speakNumbers } from "../../src/speech/numbers.js";

describe("numbers", () => {
  it("reads 24-hour times and ISO dates as people say them; leaves said times alone", () => {
    expect(speakNumbers("at 14:30, 08:00 and 00:00")).toBe("at 2:30 PM, 8 AM and midnight");
    expect(speakNumbers("on 2026-12-24T06:05:00Z")).toBe("on December 24, 2026 at 6:05 AM UTC");
    expect(speakNumbers("at 3:05 PM or 10:30")).toBe("at 3:05 PM or 10:30");
    expect(clockTime(12, 0)).toBe("noon");
  });
  it("reads money, percentages, ranges and number symbols", () => {
    expect(speakNumbers("$1,234.50, €1 and £2.5k")).toBe(
      "1,234 dollars and 50 cents, 1 euro and 2.5 thousand pounds",
    );
    expect(speakNumbers("42% in 3-5 days, ~7 km, ±2, 16 x 9, 20°C")).toBe(
      "42 percent in 3 to 5 days, about 7 km, plus or minus 2, 16 by 9, 20 degrees Celsius",
    );
  });
  it("reads rates", () => {
    expect(speakNumbers("$5/mo or $50/yr, 3/day")).toBe("5 dollars a month or 50 dollars a year, 3 a day");
  });
  it("leaves phone numbers and plain numbers alone", () => {
    expect(speakNumbers("Call 555-0100 about 3,000 items.")).toBe("Call 555-0100 about 3,000 items.");
  });
});
