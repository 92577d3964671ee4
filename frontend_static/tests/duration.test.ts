// The duration picker must round-trip what it shows and leave everything else as raw text.
import { describe, expect, it } from "vitest";

import { formatDuration, isTimeOfDay, parseDuration } from "../src/duration";

describe("durations", () => {
  it.each([
    ["PT30M", 30, "minutes"],
    ["PT2H", 2, "hours"],
    ["P7D", 7, "days"],
    ["P1W", 1, "weeks"],
    ["P0D", 0, "days"],
  ] as const)("reads %s as a number and unit and writes it back", (text, amount, unit) => {
    const parsed = parseDuration(text);
    expect(parsed).toEqual({ amount, unit });
    expect(formatDuration(parsed!)).toBe(text);
  });

  it.each(["P1DT12H", "PT1H30M", "PT1.5H", "P1M", "P1Y", "pt2h", "PT2H ", "", "P", "PT", "7d", "P99999999999999999999D"])(
    "leaves %j to the raw text field",
    (text) => {
      expect(parseDuration(text)).toBeNull();
    },
  );

  it("refuses amounts that are not whole numbers of at least 0", () => {
    expect(formatDuration({ amount: -1, unit: "days" })).toBeNull();
    expect(formatDuration({ amount: 1.5, unit: "hours" })).toBeNull();
    expect(formatDuration({ amount: Number.NaN, unit: "hours" })).toBeNull();
  });
});

describe("times of day", () => {
  it.each(["00:00", "08:00", "23:59"])("accepts %s", (text) => expect(isTimeOfDay(text)).toBe(true));
  it.each(["8:00", "24:00", "12:60", "08:00:00", "", "noon"])("leaves %j as text", (text) =>
    expect(isTimeOfDay(text)).toBe(false),
  );
});
