// Shaping the stats answer (and a simulation's node counts) into what each node draws.
import { describe, expect, it } from "vitest";

import { type NodeStats, type StatsAnswer, percent, pickVersion, sameFigures, shapeFigures, versionChoices } from "../src/stats";

function counts(overrides: Partial<NodeStats> = {}): NodeStats {
  return {
    entered: 0,
    waiting: 0,
    passed: 0,
    ports: {},
    sent: 0,
    delivered: 0,
    opened: 0,
    clicked: 0,
    failed: 0,
    skipped: 0,
    converted: 0,
    ...overrides,
  };
}

const TYPES: Record<string, string> = { start: "entry", push: "send", ab: "split", wait: "wait", gate: "condition" };
const typeOf = (id: string) => TYPES[id];

function answer(...versions: number[]): StatsAnswer {
  return {
    journey: 1,
    versions: versions.map((version) => ({
      version,
      enrollments: version * 10,
      conversions: { count: version, rate: 0.1 },
      nodes: { start: counts({ entered: version }) },
    })),
    conversions: { count: 0, rate: 0 },
  };
}

describe("shapeFigures", () => {
  it("shows a send node's message figures even at zero, and hides zero waiting and converted", () => {
    const shaped = shapeFigures({ push: counts({ entered: 9, passed: 9, sent: 7, opened: 3, failed: 2 }) }, typeOf);
    expect(shaped.get("push")?.figures).toEqual([
      { key: "entered", label: "entered", value: 9 },
      { key: "sent", label: "sent", value: 7 },
      { key: "opened", label: "opened", value: 3 },
      { key: "clicked", label: "clicked", value: 0 },
      { key: "failed", label: "failed", value: 2 },
    ]);
  });

  it("shows waiting and converted when there are any, and no message figures on a wait", () => {
    const shaped = shapeFigures({ wait: counts({ entered: 5, waiting: 4, converted: 1 }) }, typeOf);
    expect(shaped.get("wait")?.figures.map((figure) => [figure.key, figure.value])).toEqual([
      ["entered", 5],
      ["waiting", 4],
      ["converted", 1],
    ]);
  });

  it("gives a split's variants their share of the visits that passed it", () => {
    const shaped = shapeFigures({ ab: counts({ entered: 8, passed: 8, ports: { A: 2, B: 6 } }) }, typeOf);
    expect(shaped.get("ab")?.ports).toEqual({ A: { count: 2, share: 0.25 }, B: { count: 6, share: 0.75 } });
  });

  it("gives other ports counts only, a split nobody passed no share, and skips the exit's empty port", () => {
    const shaped = shapeFigures(
      {
        gate: counts({ ports: { yes: 3, no: 0 } }),
        ab: counts({ ports: { A: 0, B: 0 } }),
        start: counts({ ports: { "": 4 } }),
      },
      typeOf,
    );
    expect(shaped.get("gate")?.ports).toEqual({ yes: { count: 3, share: null }, no: { count: 0, share: null } });
    expect(shaped.get("ab")?.ports.A).toEqual({ count: 0, share: null });
    expect(shaped.get("start")?.ports).toEqual({});
  });

  it("leaves out nodes the canvas does not show", () => {
    const shaped = shapeFigures({ removed: counts({ entered: 1 }), start: counts() }, typeOf);
    expect([...shaped.keys()]).toEqual(["start"]);
  });
});

describe("versions", () => {
  it("lists versions newest first", () => {
    expect(versionChoices(answer(1, 3, 2))).toEqual([3, 2, 1]);
  });

  it("prefers the chosen version, then the live one, then the newest", () => {
    expect(pickVersion(answer(1, 2, 3), 1, 2)?.version).toBe(1);
    expect(pickVersion(answer(1, 2, 3), 9, 2)?.version).toBe(2);
    expect(pickVersion(answer(1, 2, 3), null, null)?.version).toBe(3);
    expect(pickVersion(answer(), null, null)).toBeNull();
  });
});

describe("helpers", () => {
  it("formats shares as whole percentages", () => {
    expect([percent(0.256), percent(1), percent(null)]).toEqual(["26%", "100%", "–"]);
  });

  it("compares figures by value so an unchanged refresh keeps the old map", () => {
    const nodes = { push: counts({ entered: 2, sent: 2 }) };
    expect(sameFigures(shapeFigures(nodes, typeOf), shapeFigures(nodes, typeOf))).toBe(true);
    expect(sameFigures(shapeFigures(nodes, typeOf), shapeFigures({ push: counts({ entered: 3 }) }, typeOf))).toBe(false);
    expect(sameFigures(null, shapeFigures(nodes, typeOf))).toBe(false);
  });
});
