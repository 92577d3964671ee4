// The editor's state: the graph under an undo history. Every change the user makes goes through
// `change` (an undo step) or `transient` (selection, measuring, a drag still moving); a finished
// drag is committed against the graph as it was when the drag began, so one drag is one step.
import { type History, record, redo, replace, startHistory, undo } from "./history";
import type { JsonObject } from "./document";
import type { CanvasEdge, CanvasNode } from "./mapper";

/** What one undo step restores: the nodes, the edges and the journey settings. */
export interface Graph {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  settings?: JsonObject;
}

/** A pure edit of the graph as it is when the action is reduced (never a stale copy). */
export type GraphUpdate = (current: Graph) => Graph;

export type EditorAction =
  | { kind: "load"; graph: Graph }
  | { kind: "saved"; graph: Graph }
  | { kind: "change"; update: GraphUpdate }
  | { kind: "transient"; update: GraphUpdate }
  | { kind: "commit_from"; base: Graph }
  | { kind: "undo" }
  | { kind: "redo" };

export interface EditorState {
  history: History<Graph>;
  /** The graph that was last saved or loaded; the editor is dirty when content differs. */
  saved: Graph;
}

export function initialEditorState(graph: Graph): EditorState {
  return { history: startHistory(graph), saved: graph };
}

export function editorReducer(state: EditorState, action: EditorAction): EditorState {
  switch (action.kind) {
    case "load":
      return initialEditorState(action.graph);
    case "saved":
      return { ...state, saved: action.graph };
    case "change":
      return { ...state, history: record(state.history, action.update(state.history.present)) };
    case "transient":
      return { ...state, history: replace(state.history, action.update(state.history.present)) };
    case "commit_from": {
      const history = record({ ...state.history, present: action.base }, state.history.present);
      return { ...state, history };
    }
    case "undo":
      return { ...state, history: keepSelection(undo(state.history), state.history.present) };
    case "redo":
      return { ...state, history: keepSelection(redo(state.history), state.history.present) };
  }
}

/** Undo restores content, not what happens to be selected or measured right now. */
function keepSelection(history: History<Graph>, current: Graph): History<Graph> {
  const measured = new Map(current.nodes.map((node) => [node.id, node.measured]));
  const nodes = history.present.nodes.map((node) => ({ ...node, measured: measured.get(node.id) ?? node.measured }));
  return { ...history, present: { ...history.present, nodes } };
}

/** Content of a graph as saved: what selection or measuring cannot change. */
export function contentKey(graph: Graph): string {
  return JSON.stringify([
    graph.nodes.map((node) => [node.id, node.position, node.data]),
    graph.edges.map((edge) => [edge.id, edge.source, edge.sourceHandle, edge.target, edge.data]),
    graph.settings ?? null,
  ]);
}
