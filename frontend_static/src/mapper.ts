// Document ↔ canvas. The only place that knows both shapes, so the library stays swappable and a
// round trip is lossless: every field the canvas does not edit travels in `data` untouched.
import type { Edge, Node } from "@xyflow/react";

import {
  DEFAULT_PORT,
  type DocEdge,
  type DocNode,
  type DocUi,
  type JourneyDocument,
  type Json,
  type JsonObject,
  VIEWPORT_KEY,
  type Viewport,
  isObject,
  isPoint,
} from "./document";

export interface NodeData extends Record<string, unknown> {
  /** The document node, position excluded. */
  doc: DocNode;
  /** Whether the document gave a position (nodes without one are laid out on open). */
  placed: boolean;
}

export interface EdgeData extends Record<string, unknown> {
  doc: DocEdge;
}

export type CanvasNode = Node<NodeData, "journey">;
export type CanvasEdge = Edge<EdgeData>;

/** Everything of the document outside nodes, edges and settings, kept to be written back as it was. */
export interface DocumentFrame {
  rest: Omit<JourneyDocument, "nodes" | "edges" | "ui" | "settings">;
  /** `ui` entries that are neither node positions nor the viewport. */
  uiRest: DocUi;
  hasUi: boolean;
  viewport: Viewport | null;
}

export interface CanvasState {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  /** The journey settings, edited (and undone) like nodes; absent when the document has none. */
  settings?: JsonObject;
  frame: DocumentFrame;
}

export function portOf(edge: DocEdge): string {
  return typeof edge.port === "string" && edge.port ? edge.port : DEFAULT_PORT;
}

/** Stable, readable edge ids: one edge per (node, port) is the contract's rule. */
export function edgeId(from: string, port: string, to: string): string {
  return `${from}:${port}->${to}`;
}

export function toCanvas(document: JourneyDocument): CanvasState {
  const { nodes, edges, ui, settings, ...rest } = document;
  const uiMap: DocUi = ui && typeof ui === "object" ? ui : {};
  const nodeIds = new Set(nodes.map((node) => node.id));
  const uiRest: DocUi = {};
  for (const [key, value] of Object.entries(uiMap)) {
    if (key !== VIEWPORT_KEY && !(nodeIds.has(key) && isPoint(value))) uiRest[key] = value;
  }
  const viewportValue = uiMap[VIEWPORT_KEY];
  const viewport = isViewport(viewportValue) ? viewportValue : null;
  if (viewportValue !== undefined && viewport === null) uiRest[VIEWPORT_KEY] = viewportValue;
  const state: CanvasState = {
    nodes: nodes.map((node, index) => toCanvasNode(node, uiMap[node.id], index)),
    edges: edges.map(toCanvasEdge),
    frame: { rest, uiRest, hasUi: ui !== undefined, viewport },
  };
  // Settings that are not an object cannot be edited; they travel untouched with the frame.
  if (isObject(settings)) state.settings = settings as JsonObject;
  else if (settings !== undefined) (state.frame.rest as JsonObject).settings = settings as Json;
  return state;
}

function toCanvasNode(node: DocNode, position: Json | undefined, index: number): CanvasNode {
  const placed = isPoint(position);
  return {
    id: node.id,
    type: "journey",
    position: placed ? { x: position.x, y: position.y } : { x: 0, y: index * 120 },
    data: { doc: node, placed },
  };
}

export function toCanvasEdge(edge: DocEdge): CanvasEdge {
  const port = portOf(edge);
  return {
    id: edgeId(edge.from, port, edge.to),
    source: edge.from,
    sourceHandle: port,
    target: edge.to,
    label: port === DEFAULT_PORT ? undefined : port,
    data: { doc: edge },
  };
}

export function toDocument(state: CanvasState, viewport?: Viewport | null): JourneyDocument {
  const { frame } = state;
  const ui: DocUi = { ...frame.uiRest };
  for (const node of state.nodes) {
    if (node.data.placed) ui[node.id] = { x: node.position.x, y: node.position.y };
  }
  const keptViewport = viewport ?? frame.viewport;
  if (keptViewport) ui[VIEWPORT_KEY] = { ...keptViewport };
  const document: JourneyDocument = {
    ...frame.rest,
    ...(state.settings !== undefined ? { settings: state.settings } : {}),
    nodes: state.nodes.map((node) => ({ ...node.data.doc, id: node.id })),
    edges: state.edges.map(fromCanvasEdge),
  };
  if (frame.hasUi || Object.keys(ui).length > 0) document.ui = ui;
  return document;
}

function fromCanvasEdge(edge: CanvasEdge): DocEdge {
  const kept: DocEdge = edge.data?.doc ?? { from: edge.source, to: edge.target };
  const port = edge.sourceHandle ?? DEFAULT_PORT;
  const result: DocEdge = { ...kept, from: edge.source, to: edge.target };
  if (port !== DEFAULT_PORT || kept.port !== undefined) result.port = port;
  return result;
}

function isViewport(value: unknown): value is Viewport {
  return isPoint(value) && typeof (value as { zoom?: unknown }).zoom === "number";
}
