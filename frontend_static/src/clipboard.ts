// Copy, paste and duplicate of steps. A copy is the selected nodes with the edges among them, as
// plain JSON under a versioned localStorage key, so another journey's canvas in the same browser
// can paste it. Pasting gives every node a fresh id and remaps what pointed inside the copied set
// (edges, a wait_event's `where.node`), so a pasted group behaves like the original.
import type { DocEdge, DocNode, JsonObject, Point } from "./document";
import { isObject, isPoint } from "./document";
import type { Graph } from "./editorState";
import { type CanvasNode, toCanvasEdge } from "./mapper";
import { freshId } from "./palette";

/** Bump the version when the payload shape changes: an old payload is then ignored, not misread. */
export const CLIPBOARD_KEY = "touchflow.canvas.clipboard.v1";
export const CLIPBOARD_FORMAT = "touchflow-canvas-steps";

export interface ClipboardPayload {
  format: typeof CLIPBOARD_FORMAT;
  version: 1;
  nodes: { doc: DocNode; position: Point }[];
  edges: DocEdge[];
}

/** How far a paste lands from the copied nodes (and from an earlier paste at the same place). */
export const PASTE_OFFSET = 40;

/** The selected nodes and the edges that run between two of them; null when nothing is selected. */
export function copySelection(graph: Graph): ClipboardPayload | null {
  const chosen = graph.nodes.filter((node) => node.selected);
  if (!chosen.length) return null;
  const ids = new Set(chosen.map((node) => node.id));
  return {
    format: CLIPBOARD_FORMAT,
    version: 1,
    nodes: chosen.map((node) => ({
      doc: structuredClone({ ...node.data.doc, id: node.id }),
      position: { x: node.position.x, y: node.position.y },
    })),
    edges: graph.edges
      .filter((edge) => ids.has(edge.source) && ids.has(edge.target))
      .map((edge) => structuredClone(edge.data?.doc ?? { from: edge.source, to: edge.target })),
  };
}

/** Reads a payload back from text; anything else (another app's clipboard, an old version) is null. */
export function parseClipboard(text: string | null): ClipboardPayload | null {
  if (!text) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value) || value.format !== CLIPBOARD_FORMAT || value.version !== 1) return null;
  const { nodes, edges } = value;
  if (!Array.isArray(nodes) || !Array.isArray(edges)) return null;
  const nodesOk = nodes.every(
    (item) =>
      isObject(item) && isPoint(item.position) && isObject(item.doc) &&
      typeof item.doc.id === "string" && typeof item.doc.type === "string",
  );
  const edgesOk = edges.every((edge) => isObject(edge) && typeof edge.from === "string" && typeof edge.to === "string");
  return nodesOk && edgesOk && nodes.length > 0 ? (value as unknown as ClipboardPayload) : null;
}

/** Adds the payload's nodes with fresh ids, selected, offset so they never sit on an existing
 * node's spot; everything else is deselected. One call is one undo step for the caller. */
export function pasteInto(graph: Graph, payload: ClipboardPayload): Graph {
  const taken = new Set(graph.nodes.map((node) => node.id));
  const ids = new Map<string, string>();
  for (const { doc } of payload.nodes) {
    const fresh = freshId(doc.id.replace(/\d+$/, "") || doc.type, taken);
    taken.add(fresh);
    ids.set(doc.id, fresh);
  }
  const shift = freeOffset(graph, payload);
  const pasted: CanvasNode[] = payload.nodes.map(({ doc, position }) => {
    const id = ids.get(doc.id) as string;
    return {
      id,
      type: "journey",
      position: { x: position.x + shift, y: position.y + shift },
      data: { doc: remapReferences({ ...structuredClone(doc), id }, ids), placed: true },
      selected: true,
    };
  });
  const edges = payload.edges
    .filter((edge) => ids.has(edge.from) && ids.has(edge.to))
    .map((edge) => toCanvasEdge({ ...structuredClone(edge), from: ids.get(edge.from) as string, to: ids.get(edge.to) as string }));
  const kept = graph.nodes.map((node) => (node.selected ? { ...node, selected: false } : node));
  const keptEdges = graph.edges.map((edge) => (edge.selected ? { ...edge, selected: false } : edge));
  return { nodes: [...kept, ...pasted], edges: [...keptEdges, ...edges] };
}

/** Duplicate is copy + paste without touching the clipboard. */
export function duplicateSelection(graph: Graph): Graph {
  const payload = copySelection(graph);
  return payload ? pasteInto(graph, payload) : graph;
}

/** References from one node to another inside its config. A reference into the copied set follows
 * the copy; one pointing outside keeps its target (it is still meaningful in the same journey and
 * the validator names it when it is not). */
export function remapReferences(doc: DocNode, ids: Map<string, string>): DocNode {
  if (doc.type !== "wait_event" || !isObject(doc.config) || !isObject(doc.config.where)) return doc;
  const where = doc.config.where as JsonObject;
  const target = where.node;
  if (typeof target !== "string" || !ids.has(target)) return doc;
  return { ...doc, config: { ...doc.config, where: { ...where, node: ids.get(target) as string } } };
}

function freeOffset(graph: Graph, payload: ClipboardPayload): number {
  const occupied = new Set(graph.nodes.map((node) => `${node.position.x},${node.position.y}`));
  let shift = PASTE_OFFSET;
  const collides = () =>
    payload.nodes.some(({ position }) => occupied.has(`${position.x + shift},${position.y + shift}`));
  while (collides()) shift += PASTE_OFFSET;
  return shift;
}

/** Writes the payload where every canvas of this browser finds it, and to the system clipboard
 * when the page may (a denied permission is not an error: localStorage already has it). */
export function storeClipboard(payload: ClipboardPayload, storage: Storage = window.localStorage): void {
  const text = JSON.stringify(payload);
  try {
    storage.setItem(CLIPBOARD_KEY, text);
  } catch {
    // Storage full or disabled: the system clipboard below may still work.
  }
  try {
    void globalThis.navigator?.clipboard?.writeText(text).catch(() => undefined);
  } catch {
    // No clipboard API here (an old browser, a test runner): localStorage is enough.
  }
}

export function loadClipboard(storage: Storage = window.localStorage): ClipboardPayload | null {
  try {
    return parseClipboard(storage.getItem(CLIPBOARD_KEY));
  } catch {
    return null;
  }
}
