// Which lifecycle actions the toolbar offers, and how a typed canary percent is read.
import { describe, expect, it } from "vitest";

import { availableActions, parsePercent } from "../src/lifecycle";

describe("lifecycle", () => {
  it("offers pause when active, resume when paused, promote while a canary runs", () => {
    const base = { latest_version: 1, live_version: 1, canary: null };
    expect(availableActions({ ...base, status: "draft" })).toEqual({ publish: true, pause: false, resume: false, promote: false });
    expect(availableActions({ ...base, status: "active" })).toMatchObject({ pause: true, resume: false });
    expect(availableActions({ ...base, status: "paused" })).toMatchObject({ pause: false, resume: true });
    expect(availableActions({ ...base, status: "active", canary: { version: 2, percent: 10 } }).promote).toBe(true);
    expect(availableActions({ ...base, status: "archived" }).publish).toBe(false);
  });

  it("reads a canary percent from 1 to 99 only", () => {
    expect(parsePercent("10")).toBe(10);
    expect(parsePercent(" 99 ")).toBe(99);
    for (const bad of ["0", "100", "", "5.5", "-3", "ten"]) expect(parsePercent(bad)).toBeNull();
  });
});
