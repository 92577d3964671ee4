// A deletion is one edit: the node, every edge touching it and the selected edges go together, so
// one undo brings all of them back (React Flow reports edges and nodes in two separate calls).
import { describe, expect, it } from "vitest";

import type { DocEdge } from "../src/document";
import { editorReducer, type Graph, initialEditorState } from "../src/editorState";
import { removeElements } from "../src/graphOps";
import { type CanvasNode, toCanvasEdge } from "../src/mapper";

function node(id: string): CanvasNode {
  return { id, type: "journey", position: { x: 0, y: 0 }, data: { doc: { id, type: "exit" }, placed: true } };
}

const edges: DocEdge[] = [
  { from: "a", to: "b" },
  { from: "b", to: "c" },
  { from: "a", port: "failed", to: "c" },
];
const graph: Graph = { nodes: [node("a"), node("b"), node("c")], edges: edges.map(toCanvasEdge) };

describe("removeElements", () => {
  it("removes a node with every edge touching it", () => {
    const after = removeElements(graph, ["b"], []);
    expect(after.nodes.map((n) => n.id)).toEqual(["a", "c"]);
    expect(after.edges.map((e) => e.id)).toEqual(["a:failed->c"]);
  });

  it("removes selected edges and leaves their nodes", () => {
    const after = removeElements(graph, [], ["a:next->b"]);
    expect(after.nodes).toHaveLength(3);
    expect(after.edges.map((e) => e.id)).toEqual(["b:next->c", "a:failed->c"]);
  });

  it("is one undo step that restores the node and its edges", () => {
    let state = initialEditorState(graph);
    state = editorReducer(state, { kind: "change", update: (g) => removeElements(g, ["b"], ["a:next->b", "b:next->c"]) });
    expect(state.history.present.nodes).toHaveLength(2);
    state = editorReducer(state, { kind: "undo" });
    expect(state.history.present.nodes.map((n) => n.id)).toEqual(["a", "b", "c"]);
    expect(state.history.present.edges).toEqual(graph.edges);
    expect(state.history.past).toHaveLength(0);
  });
});
