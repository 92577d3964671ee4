// The request the Simulate form sends: a synthetic population and a script within the server's limits.
import { describe, expect, it } from "vitest";

import type { JourneyDocument } from "../src/document";
import { DEFAULT_FORM, MAX_SCRIPT_LINES, errorsOf, simulationRequest } from "../src/simulation";

function journeyWithSends(count: number): JourneyDocument {
  const sends = Array.from({ length: count }, (_, index) => ({ id: `s${index}`, type: "send" }));
  return { nodes: [{ id: "start", type: "entry" }, ...sends, { id: "done", type: "exit" }], edges: [] };
}

describe("simulationRequest", () => {
  it("scripts opens and clicks on every send node of a small journey", () => {
    const { request, scriptedSends, sends } = simulationRequest({ ...DEFAULT_FORM, contacts: 50, days: 3 }, journeyWithSends(2));
    expect(request).toEqual({
      days: 3,
      population: { count: 50 },
      script: [
        { event: "message.opened", node: "s0", p: 0.3, within: "PT1H" },
        { event: "message.clicked", node: "s0", p: 0.1, within: "PT2H" },
        { event: "message.opened", node: "s1", p: 0.3, within: "PT1H" },
        { event: "message.clicked", node: "s1", p: 0.1, within: "PT2H" },
      ],
    });
    expect([scriptedSends, sends]).toEqual([2, 2]);
  });

  it("keeps within the server's script limit and says how many sends it covered", () => {
    const { request, scriptedSends, sends } = simulationRequest(DEFAULT_FORM, journeyWithSends(40));
    expect(request.script).toHaveLength(MAX_SCRIPT_LINES);
    expect([scriptedSends, sends]).toEqual([25, 40]);
  });

  it("leaves out zero-chance lines, and names the version when one is chosen", () => {
    const { request } = simulationRequest({ ...DEFAULT_FORM, clickRate: 0, version: 2 }, journeyWithSends(30));
    expect(request.script.every((line) => line.event === "message.opened")).toBe(true);
    expect(request.script).toHaveLength(30);
    expect(request.version).toBe(2);
  });
});

describe("errorsOf", () => {
  it("passes located errors through and turns anything else into one graph-level error", () => {
    const located = [{ code: "invalid", message: "no", node_id: "a", path: "/nodes/0" }];
    expect(errorsOf({ errors: located })).toBe(located);
    expect(errorsOf({ detail: "Not found." })).toEqual([
      { code: "invalid", message: '{"detail":"Not found."}', node_id: null, path: "" },
    ]);
  });
});
