// Inserting a step on an edge rewires source → new → target and keeps the source's port.
import { describe, expect, it } from "vitest";

import type { Catalog, NodeType } from "../src/catalog";
import { asDocument } from "../src/document";
import { insertOnEdge, insertableItems } from "../src/edgeInsert";
import { toCanvas, toDocument } from "../src/mapper";
import { paletteItems } from "../src/palette";

function type(name: string, ports: string[]): NodeType {
  return { name, title: name, description: "", config_schema: {}, ports, optional_ports: [], dynamic_ports: null, conditional_ports: {} };
}

const catalog: Catalog = { nodeTypes: [type("condition", ["yes", "no"]), type("wait", ["next"]), type("exit", [])], channels: [] };

describe("insertOnEdge", () => {
  const { nodes, edges, frame } = toCanvas(asDocument({
    nodes: [{ id: "c", type: "condition" }, { id: "x", type: "exit" }],
    edges: [{ from: "c", port: "no", to: "x" }],
    ui: { c: { x: 0, y: 0 }, x: { x: 100, y: 200 } },
  }));
  const graph = { nodes, edges };
  const items = paletteItems(catalog);

  it("puts the new node between source and target with the source's port", () => {
    const wait = items.find((item) => item.type === "wait")!;
    const next = insertOnEdge(graph, "c:no->x", wait, catalog);
    const document = toDocument({ ...next, frame });
    expect(document.edges).toEqual([{ from: "c", port: "no", to: "wait1" }, { from: "wait1", to: "x" }]);
    expect(next.nodes.find((node) => node.id === "wait1")?.position).toEqual({ x: 50, y: 100 });
  });

  it("continues from the first port of a branching step", () => {
    const condition = items.find((item) => item.type === "condition")!;
    const next = insertOnEdge(graph, "c:no->x", condition, catalog);
    expect(toDocument({ ...next, frame }).edges).toEqual([
      { from: "c", port: "no", to: "condition1" },
      { from: "condition1", port: "yes", to: "x" },
    ]);
  });

  it("offers only steps with a way out, and ignores a missing edge", () => {
    expect(insertableItems(catalog, items).map((item) => item.type)).toEqual(["condition", "wait"]);
    expect(insertOnEdge(graph, "nope", items[0], catalog)).toBe(graph);
  });
});
