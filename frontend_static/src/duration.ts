// Durations and times of day as people pick them. The document stores ISO 8601 durations (PT2H,
// P7D) and HH:MM; the picker offers a number and a unit. Only values it can show exactly become a
// number + unit: anything else (P1DT12H, PT1.5H, P1M) stays raw text, so opening and saving a
// journey never rewrites a value the user did not touch. Days and weeks follow the contact's
// calendar while hours and minutes do not, so no conversion between the two kinds is attempted.

export const DURATION_UNITS = ["minutes", "hours", "days", "weeks"] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];

export interface SimpleDuration {
  amount: number;
  unit: DurationUnit;
}

const PATTERNS: ReadonlyArray<[RegExp, DurationUnit]> = [
  [/^PT(\d+)M$/, "minutes"],
  [/^PT(\d+)H$/, "hours"],
  [/^P(\d+)D$/, "days"],
  [/^P(\d+)W$/, "weeks"],
];

/** The number + unit a duration is, or null when the picker cannot show it exactly. */
export function parseDuration(value: string): SimpleDuration | null {
  for (const [pattern, unit] of PATTERNS) {
    const match = pattern.exec(value);
    if (match) {
      const amount = Number(match[1]);
      return Number.isSafeInteger(amount) ? { amount, unit } : null;
    }
  }
  return null;
}

/** The ISO 8601 text of a number + unit; null for an amount that is not a whole number ≥ 0. */
export function formatDuration({ amount, unit }: SimpleDuration): string | null {
  if (!Number.isSafeInteger(amount) || amount < 0) return null;
  switch (unit) {
    case "minutes":
      return `PT${amount}M`;
    case "hours":
      return `PT${amount}H`;
    case "days":
      return `P${amount}D`;
    case "weeks":
      return `P${amount}W`;
  }
}

const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Whether `<input type="time">` can show the value without losing it (HH:MM, 24-hour). */
export function isTimeOfDay(value: string): boolean {
  return TIME_OF_DAY.test(value);
}
