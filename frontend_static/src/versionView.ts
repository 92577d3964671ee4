// A published version shown on the canvas instead of the draft: its graph with diff classes on
// nodes and removed edges, and the diff against the draft. The draft's history is not touched.
import { type DocumentDiff, diffClass, diffDocuments } from "./diff";
import { asDocument, type JourneyDocument } from "./document";
import type { Graph } from "./editorState";

export interface VersionView {
  number: number;
  graph: Graph;
  diff: DocumentDiff;
}

/** `open` lays the version out as the editor opens any document. */
export function versionView(
  number: number,
  definition: unknown,
  draft: JourneyDocument,
  open: (definition: unknown) => { graph: Graph },
): VersionView {
  const diff = diffDocuments(asDocument(definition), draft);
  const { graph } = open(definition);
  const nodes = graph.nodes.map((node) => ({ ...node, className: diffClass(diff, node.id) }));
  const edges = graph.edges.map((edge) =>
    diff.edgesRemoved.includes(edge.id) ? { ...edge, className: "tf-diff-edge--removed" } : edge,
  );
  return { number, graph: { nodes, edges }, diff };
}
