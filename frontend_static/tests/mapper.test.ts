// The mapper's contract: document → canvas → document gives back the very same document, for every
// example the project ships and for documents with fields the canvas does not know.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { asDocument } from "../src/document";
import { toCanvas, toDocument } from "../src/mapper";

const EXAMPLES = join(import.meta.dirname, "..", "..", "examples", "demo");

function roundTrip(value: unknown): unknown {
  return toDocument(toCanvas(asDocument(value)));
}

describe("document ↔ canvas mapper", () => {
  const files = readdirSync(EXAMPLES).filter((name) => name.endsWith(".json"));

  it("finds the examples", () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  for (const file of files) {
    it(`round-trips ${file} losslessly`, () => {
      const document = JSON.parse(readFileSync(join(EXAMPLES, file), "utf8"));
      const journeys = "nodes" in document ? [document] : Object.values(document);
      for (const journey of journeys) {
        if (journey && typeof journey === "object" && "nodes" in journey) {
          expect(roundTrip(journey)).toEqual(journey);
        }
      }
    });
  }

  it("keeps positions, the viewport, unknown ui keys and unknown fields", () => {
    const document = {
      schema_version: 1,
      settings: { reentry: "never" },
      future_field: { kept: [1, 2] },
      nodes: [
        { id: "start", type: "entry", label: "Go", notes: "why", config: { trigger: { kind: "api" } }, extra: 1 },
        { id: "done", type: "exit" },
      ],
      edges: [{ from: "start", to: "done", port: "next", colour: "red" }],
      ui: { start: { x: 40.25, y: 200 }, $viewport: { x: 1, y: 2, zoom: 0.5 }, note: "kept", ghost: { x: 1, y: 1 } },
    };
    expect(roundTrip(document)).toEqual(document);
  });

  it("writes moved positions and leaves unplaced nodes out of ui", () => {
    const state = toCanvas(asDocument({ nodes: [{ id: "a", type: "exit" }, { id: "b", type: "exit" }], edges: [] }));
    state.nodes[0] = { ...state.nodes[0], position: { x: 10, y: 20 }, data: { ...state.nodes[0].data, placed: true } };
    expect(toDocument(state).ui).toEqual({ a: { x: 10, y: 20 } });
  });

  it("maps ports to handles and labels, and back", () => {
    const state = toCanvas(asDocument({
      nodes: [{ id: "c", type: "condition" }, { id: "x", type: "exit" }],
      edges: [{ from: "c", port: "yes", to: "x" }, { from: "c", port: "no", to: "x" }],
    }));
    expect(state.edges.map((edge) => [edge.sourceHandle, edge.label])).toEqual([["yes", "yes"], ["no", "no"]]);
    expect(new Set(state.edges.map((edge) => edge.id)).size).toBe(2);
  });

  it("lifts object settings into the editable state and writes edits back", () => {
    const state = toCanvas(asDocument({ settings: { reentry: "never" }, nodes: [], edges: [] }));
    expect(state.settings).toEqual({ reentry: "never" });
    expect(toDocument({ ...state, settings: { reentry: "always" } }).settings).toEqual({ reentry: "always" });
    expect("settings" in toDocument({ ...state, settings: undefined })).toBe(false);
  });

  it("keeps settings it cannot edit (not an object) untouched", () => {
    const document = { settings: ["odd"], nodes: [], edges: [] };
    const state = toCanvas(asDocument(document));
    expect(state.settings).toBeUndefined();
    expect(toDocument(state)).toEqual(document);
  });
});
