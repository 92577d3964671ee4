// Inserting a step on an edge: source port → new node, new node's first port → old target, in one
// graph edit (so one undo step). The new node sits halfway between the two.
import { type Catalog, portsOf } from "./catalog";
import type { DocNode } from "./document";
import type { Graph } from "./editorState";
import { addNode, connect } from "./graphOps";
import type { PaletteItem } from "./palette";
import { newDocNode } from "./palette";

/** Palette items that can sit in the middle of an edge: they need a port to carry on from. */
export function insertableItems(catalog: Catalog, items: PaletteItem[]): PaletteItem[] {
  return items.filter((item) => portsOf(catalog, newDocNode(item, new Set())).length > 0);
}

export function insertOnEdge(graph: Graph, edgeId: string, item: PaletteItem, catalog: Catalog): Graph {
  const edge = graph.edges.find((candidate) => candidate.id === edgeId);
  if (!edge) return graph;
  const doc: DocNode = newDocNode(item, new Set(graph.nodes.map((node) => node.id)));
  const [firstPort] = portsOf(catalog, doc);
  if (!firstPort) return graph;
  const source = graph.nodes.find((node) => node.id === edge.source);
  const target = graph.nodes.find((node) => node.id === edge.target);
  const at = source && target
    ? { x: Math.round((source.position.x + target.position.x) / 2), y: Math.round((source.position.y + target.position.y) / 2) }
    : { x: 0, y: 0 };
  let next = addNode({ ...graph, edges: graph.edges.filter((other) => other.id !== edgeId) }, doc, at);
  next = connect(next, { source: edge.source, sourceHandle: edge.sourceHandle ?? null, target: doc.id, targetHandle: null });
  return connect(next, { source: doc.id, sourceHandle: firstPort, target: edge.target, targetHandle: null });
}
