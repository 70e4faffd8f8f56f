import { describe, expect, it } from "vitest";
import { CronValueError, parseRelayCron, toCronerPattern } from "../../src/sandbox/cron.js";
import { pyFloat, pyInt, pyJsonDumps, pyRepr, pyTruthy, strField } from "../../src/sandbox/python.js";

const err = (cron: string) => {
  try {
    parseRelayCron(cron);
  } catch (e) {
    expect(e).toBeInstanceOf(CronValueError);
    return (e as Error).message;
  }
  return "no error";
};

describe("relay cron expressions (APScheduler 3.x)", () => {
  it("needs exactly five fields, quoting the expression with Python repr", () => {
    expect(err("0 8 * *")).toBe("Invalid cron expression (need 5 fields): '0 8 * *'");
    expect(err("0 8 * * * *")).toBe("Invalid cron expression (need 5 fields): '0 8 * * * *'");
    expect(err("it's")).toBe(`Invalid cron expression (need 5 fields): "it's"`);
  });

  it("reports field errors in APScheduler's words and order (month, day, weekday, hour, minute)", () => {
    expect(err("99 8 * * *")).toBe(
      "Error validating expression '99': the last value (99) is higher than the maximum value (59)",
    );
    expect(err("0 24 * * *")).toBe(
      "Error validating expression '24': the last value (24) is higher than the maximum value (23)",
    );
    expect(err("0 8 0 * *")).toBe(
      "Error validating expression '0': the first value (0) is lower than the minimum value (1)",
    );
    expect(err("*/0 * * * *")).toBe("Increment must be higher than 0");
    expect(err("*/60 * * * *")).toBe(
      "Error validating expression '*/60': the step value (60) is higher than the total range of the expression (59)",
    );
    expect(err("0 8 * jan-d *")).toBe('Invalid month name "d"');
    expect(err("0 8 * * funday")).toBe('Invalid weekday name "funday"');
    expect(err("0 8 * * 5-1")).toBe("The minimum value in a range must not be higher than the maximum");
    expect(err("0 8 L * *")).toBe('Unrecognized expression "L" for field "day"');
    expect(err("x 8 * * 7")).toBe(
      "Error validating expression '7': the last value (7) is higher than the maximum value (6)",
    );
    expect(err("x 8 * 13 7")).toBe(
      "Error validating expression '13': the last value (13) is higher than the maximum value (12)",
    );
    expect(err("x 8 * * *")).toBe('Unrecognized expression "x" for field "minute"');
  });

  it("numbers weekdays from Monday = 0 and translates them for croner (Sunday = 0)", () => {
    expect(parseRelayCron("0 8 * * 1-5").dayOfWeek).toEqual([1, 2, 3, 4, 5]);
    expect(toCronerPattern(parseRelayCron("0 8 * * 1-5")).split(" ")[4]).toBe("2,3,4,5,6");
    expect(toCronerPattern(parseRelayCron("0 8 * * mon-fri")).split(" ")[4]).toBe("1,2,3,4,5");
    expect(toCronerPattern(parseRelayCron("0 8 * * 6")).split(" ")[4]).toBe("0");
    expect(toCronerPattern(parseRelayCron("*/15 9-17/4 last JAN,jul *"))).toBe(
      "0,15,30,45 9,13,17 L 1,7 0,1,2,3,4,5,6",
    );
    expect(parseRelayCron("5/20 * * * *").minute).toEqual([5, 25, 45]);
  });
});

describe("Python semantics", () => {
  it("truthiness, strField crashes, float and int parsing, repr and json.dumps", () => {
    expect(pyTruthy("false")).toBe(true);
    expect(pyTruthy([])).toBe(false);
    expect(pyTruthy({})).toBe(false);
    expect(pyTruthy(0)).toBe(false);
    expect(strField({ a: 0 }, "a")).toBe("");
    expect(() => strField({ a: 1 }, "a")).toThrow();
    expect(() => strField({ a: true }, "a")).toThrow();
    expect(pyFloat(" 1_0.5 ")).toBe(10.5);
    expect(pyFloat("inf")).toBe(Infinity);
    expect(pyFloat("-Infinity")).toBe(-Infinity);
    expect(Number.isNaN(pyFloat("NaN"))).toBe(true);
    expect(pyFloat("1e1")).toBe(10);
    expect(pyFloat(".5")).toBe(0.5);
    expect(() => pyFloat("")).toThrow();
    expect(() => pyFloat("1__0")).toThrow();
    expect(() => pyFloat("0x10")).toThrow();
    expect(pyInt("+7")).toBe(7);
    expect(() => pyInt("7.0")).toThrow();
    expect(pyRepr("a\nb\\")).toBe("'a\\nb\\\\'");
    expect(pyJsonDumps({ b: 1, a: ["é", "x\u007f"] })).toBe('{"b": 1, "a": ["\\u00e9", "x\\u007f"]}');
  });
});
