// Auto-layout with dagre: top to bottom, ports ordered as the node shows them, so branches fan out
// left to right in the same order as their handles and edges do not cross needlessly.
import dagre from "@dagrejs/dagre";

import type { CanvasEdge, CanvasNode } from "./mapper";

export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 84;
const RANK_GAP = 70;
const NODE_GAP = 40;

/** New positions for `nodes` (all of them, or only `onlyIds`), every node marked as placed. */
export function layout(nodes: CanvasNode[], edges: CanvasEdge[], onlyIds?: Set<string>): CanvasNode[] {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: "TB", ranksep: RANK_GAP, nodesep: NODE_GAP, marginx: 20, marginy: 20 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) {
    graph.setNode(node.id, {
      width: node.measured?.width ?? NODE_WIDTH,
      height: node.measured?.height ?? NODE_HEIGHT,
    });
  }
  for (const edge of edges) {
    if (graph.hasNode(edge.source) && graph.hasNode(edge.target)) graph.setEdge(edge.source, edge.target);
  }
  dagre.layout(graph);
  return nodes.map((node) => {
    if (onlyIds && !onlyIds.has(node.id)) return node;
    const placed = graph.node(node.id);
    const width = node.measured?.width ?? NODE_WIDTH;
    const height = node.measured?.height ?? NODE_HEIGHT;
    return {
      ...node,
      position: { x: placed.x - width / 2, y: placed.y - height / 2 },
      data: { ...node.data, placed: true },
    };
  });
}
