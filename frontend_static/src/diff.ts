// What changed between a published version and the draft: nodes added, removed or changed (type,
// label, config) and edges added or removed. Positions and notes are not behaviour and are left out.
import type { DocNode, JourneyDocument } from "./document";
import { edgeId, portOf } from "./mapper";

export type NodeField = "type" | "label" | "config";

export interface DocumentDiff {
  added: string[];
  removed: string[];
  changed: { id: string; fields: NodeField[] }[];
  edgesAdded: string[];
  edgesRemoved: string[];
}

/** Compares `before` (e.g. a version) with `after` (e.g. the draft); ids keep document order. */
export function diffDocuments(before: JourneyDocument, after: JourneyDocument): DocumentDiff {
  const old = new Map(before.nodes.map((node) => [node.id, node]));
  const now = new Map(after.nodes.map((node) => [node.id, node]));
  const changed: DocumentDiff["changed"] = [];
  for (const node of after.nodes) {
    const previous = old.get(node.id);
    if (!previous) continue;
    const fields = changedFields(previous, node);
    if (fields.length) changed.push({ id: node.id, fields });
  }
  const oldEdges = new Set(before.edges.map((edge) => edgeId(edge.from, portOf(edge), edge.to)));
  const newEdges = new Set(after.edges.map((edge) => edgeId(edge.from, portOf(edge), edge.to)));
  return {
    added: after.nodes.filter((node) => !old.has(node.id)).map((node) => node.id),
    removed: before.nodes.filter((node) => !now.has(node.id)).map((node) => node.id),
    changed,
    edgesAdded: [...newEdges].filter((id) => !oldEdges.has(id)),
    edgesRemoved: [...oldEdges].filter((id) => !newEdges.has(id)),
  };
}

export function isEmptyDiff(diff: DocumentDiff): boolean {
  return !diff.added.length && !diff.removed.length && !diff.changed.length && !diff.edgesAdded.length && !diff.edgesRemoved.length;
}

/** The CSS class a node gets on the canvas for its part in the diff, if any. */
export function diffClass(diff: DocumentDiff, id: string): string | undefined {
  if (diff.added.includes(id)) return "tf-diff--added";
  if (diff.removed.includes(id)) return "tf-diff--removed";
  if (diff.changed.some((entry) => entry.id === id)) return "tf-diff--changed";
  return undefined;
}

function changedFields(before: DocNode, after: DocNode): NodeField[] {
  const fields: NodeField[] = [];
  if (before.type !== after.type) fields.push("type");
  if ((before.label ?? "") !== (after.label ?? "")) fields.push("label");
  if (canonical(before.config ?? {}) !== canonical(after.config ?? {})) fields.push("config");
  return fields;
}

/** JSON with sorted keys: key order is not a change. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );
}
