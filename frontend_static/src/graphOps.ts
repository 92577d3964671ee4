// Pure graph edits the editor performs; each returns a new graph and never mutates its input.
import type { Connection, EdgeChange, NodeChange } from "@xyflow/react";
import { applyEdgeChanges, applyNodeChanges } from "@xyflow/react";

import { DEFAULT_PORT, type DocEdge, type DocNode } from "./document";
import type { Graph } from "./editorState";
import { type CanvasEdge, type CanvasNode, toCanvasEdge } from "./mapper";

export function addNode(graph: Graph, doc: DocNode, position: { x: number; y: number }): Graph {
  const node: CanvasNode = {
    id: doc.id,
    type: "journey",
    position,
    data: { doc, placed: true },
    selected: true,
  };
  const nodes = graph.nodes.map((other) => (other.selected ? { ...other, selected: false } : other));
  return { ...graph, nodes: [...nodes, node] };
}

/** Connects a port; the contract allows one edge per port, so a new one replaces the old. */
export function connect(graph: Graph, connection: Connection): Graph {
  if (!connection.source || !connection.target || connection.source === connection.target) return graph;
  const port = connection.sourceHandle || DEFAULT_PORT;
  const doc: DocEdge = { from: connection.source, to: connection.target };
  if (port !== DEFAULT_PORT) doc.port = port;
  const edges = graph.edges.filter(
    (edge) => !(edge.source === connection.source && (edge.sourceHandle || DEFAULT_PORT) === port),
  );
  return { ...graph, edges: [...edges, toCanvasEdge(doc)] };
}

export function updateNodeDoc(graph: Graph, id: string, doc: DocNode): Graph {
  return { ...graph, nodes: graph.nodes.map((node) => (node.id === id ? { ...node, data: { ...node.data, doc } } : node)) };
}

/** Applies React Flow node changes; removing a node also removes its edges in the same step. */
export function applyNodeEdits(graph: Graph, changes: NodeChange<CanvasNode>[]): Graph {
  const moved = new Set(
    changes.flatMap((change) => (change.type === "position" && change.position ? [change.id] : [])),
  );
  let nodes = applyNodeChanges(changes, graph.nodes);
  if (moved.size) {
    nodes = nodes.map((node) => (moved.has(node.id) && !node.data.placed ? { ...node, data: { ...node.data, placed: true } } : node));
  }
  const removed = new Set(changes.flatMap((change) => (change.type === "remove" ? [change.id] : [])));
  const edges = removed.size
    ? graph.edges.filter((edge) => !removed.has(edge.source) && !removed.has(edge.target))
    : graph.edges;
  return { ...graph, nodes, edges };
}

/** Removes nodes (with every edge touching them) and edges as one edit: a deletion the user
 * makes in one keystroke is one undo step, although React Flow reports it as edge removals
 * followed by node removals. */
export function removeElements(graph: Graph, nodeIds: Iterable<string>, edgeIds: Iterable<string>): Graph {
  const nodes = new Set(nodeIds);
  const edges = new Set(edgeIds);
  return {
    nodes: graph.nodes.filter((node) => !nodes.has(node.id)),
    edges: graph.edges.filter((edge) => !edges.has(edge.id) && !nodes.has(edge.source) && !nodes.has(edge.target)),
  };
}

export function applyEdgeEdits(graph: Graph, changes: EdgeChange<CanvasEdge>[]): Graph {
  const present = new Set(graph.edges.map((edge) => edge.id));
  const relevant = changes.filter((change) => change.type !== "remove" || present.has(change.id));
  if (!relevant.length) return graph;
  return { ...graph, edges: applyEdgeChanges<CanvasEdge>(relevant as EdgeChange<CanvasEdge>[], graph.edges) };
}

/** Whether node changes alter content (an undo step) rather than selection or measurements. */
export function changesContent(changes: NodeChange[] | EdgeChange[]): boolean {
  return changes.some((change) => change.type === "remove" || change.type === "add" || change.type === "replace");
}
