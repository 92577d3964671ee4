// Typing in one field is one undo step: changes that name the same run in a row are merged, and
// anything else in between (another field, an undo, a drag) starts a new step.
import { describe, expect, it } from "vitest";

import { editorReducer, type EditorState, type Graph, initialEditorState } from "../src/editorState";
import { updateNodeDoc } from "../src/graphOps";
import type { CanvasNode } from "../src/mapper";

function node(id: string, label = ""): CanvasNode {
  return { id, type: "journey", position: { x: 0, y: 0 }, data: { doc: { id, type: "exit", label }, placed: true } };
}

const graph: Graph = { nodes: [node("a"), node("b")], edges: [] };

function type(state: EditorState, id: string, text: string, run?: string): EditorState {
  let typed = state;
  const before = String(state.history.present.nodes.find((n) => n.id === id)?.data.doc.label ?? "");
  for (let length = 1; length <= text.length; length += 1) {
    const label = before + text.slice(0, length);
    typed = editorReducer(typed, { kind: "change", update: (g) => updateNodeDoc(g, id, { id, type: "exit", label }), run });
  }
  return typed;
}

const labelOf = (state: EditorState, id: string) => state.history.present.nodes.find((n) => n.id === id)?.data.doc.label;

describe("typing runs", () => {
  it("makes one undo step of a run of typing", () => {
    const state = type(initialEditorState(graph), "a", "Hello", "a#1");
    expect(labelOf(state, "a")).toBe("Hello");
    expect(state.history.past).toHaveLength(1);
    expect(labelOf(editorReducer(state, { kind: "undo" }), "a")).toBe("");
  });

  it("keeps a step per keystroke when the changes name no run", () => {
    const state = type(initialEditorState(graph), "a", "Hey");
    expect(state.history.past).toHaveLength(3);
  });

  it("starts a new step in another field or after another change", () => {
    let state = type(initialEditorState(graph), "a", "One", "a#1");
    state = type(state, "b", "Two", "b#2");
    state = type(state, "a", " more", "a#3");
    expect(state.history.past).toHaveLength(3);
    state = editorReducer(state, { kind: "undo" });
    expect([labelOf(state, "a"), labelOf(state, "b")]).toEqual(["One", "Two"]);
  });

  it("does not merge typing into the step before an undo", () => {
    let state = type(initialEditorState(graph), "a", "One", "a#1");
    state = editorReducer(state, { kind: "undo" });
    state = type(state, "a", "Two", "a#1");
    expect(state.history.past).toHaveLength(1);
    expect(labelOf(editorReducer(state, { kind: "undo" }), "a")).toBe("");
  });

  it("keeps the run across selection and measuring", () => {
    let state = type(initialEditorState(graph), "a", "On", "a#1");
    state = editorReducer(state, { kind: "transient", update: (g) => ({ ...g, nodes: g.nodes.map((n) => ({ ...n, measured: { width: 220, height: 80 } })) }) });
    state = type(state, "a", "e", "a#1");
    expect(labelOf(state, "a")).toBe("One");
    expect(state.history.past).toHaveLength(1);
  });
});
