// The editor's state: the graph under an undo history. Every change the user makes goes through
// `change` (an undo step) or `transient` (selection, measuring, a drag still moving); a finished
// drag is committed against the graph as it was when the drag began, so one drag is one step.
// Typing is grouped the same way: changes that name the same `run` (one text field being typed
// in) in a row are one step, so undo takes back the word or sentence, not the last character.
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
  | { kind: "change"; update: GraphUpdate; run?: string }
  | { kind: "transient"; update: GraphUpdate }
  | { kind: "commit_from"; base: Graph }
  | { kind: "undo" }
  | { kind: "redo" };

export interface EditorState {
  history: History<Graph>;
  /** The graph that was last saved or loaded; the editor is dirty when content differs. */
  saved: Graph;
  /** The run of typing the last change belonged to, while no other change came between. */
  run: string | null;
}

export function initialEditorState(graph: Graph): EditorState {
  return { history: startHistory(graph), saved: graph, run: null };
}

export function editorReducer(state: EditorState, action: EditorAction): EditorState {
  switch (action.kind) {
    case "load":
      return initialEditorState(action.graph);
    case "saved":
      return { ...state, saved: action.graph };
    case "change": {
      const next = action.update(state.history.present);
      const run = action.run ?? null;
      const continues = run !== null && run === state.run && state.history.past.length > 0;
      return { ...state, history: continues ? replace(state.history, next) : record(state.history, next), run };
    }
    case "transient":
      return { ...state, history: replace(state.history, action.update(state.history.present)) };
    case "commit_from": {
      const history = record({ ...state.history, present: action.base }, state.history.present);
      return { ...state, history, run: null };
    }
    case "undo":
      return { ...state, history: keepSelection(undo(state.history), state.history.present), run: null };
    case "redo":
      return { ...state, history: keepSelection(redo(state.history), state.history.present), run: null };
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
