// The journey document as JOURNEY_FORMAT.md defines it. The canvas edits this shape and nothing
// else: React Flow's own state is derived from it by mapper.ts and never stored.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface DocNode {
  id: string;
  type: string;
  label?: string;
  notes?: string;
  config?: JsonObject;
  [extra: string]: Json | undefined;
}

export interface DocEdge {
  from: string;
  to: string;
  port?: string;
  [extra: string]: Json | undefined;
}

export interface Point {
  x: number;
  y: number;
}

export interface Viewport extends Point {
  zoom: number;
}

/** `ui` maps node ids to positions; `$viewport` is the canvas's own reserved key. */
export type DocUi = { [key: string]: Json };

export interface JourneyDocument {
  schema_version?: number;
  settings?: JsonObject;
  nodes: DocNode[];
  edges: DocEdge[];
  ui?: DocUi;
  [extra: string]: unknown;
}

export const VIEWPORT_KEY = "$viewport";
export const DEFAULT_PORT = "next";

/** A draft may be any JSON object; this reads what the canvas can show of it. */
export function asDocument(value: unknown): JourneyDocument {
  const raw = isObject(value) ? (value as JsonObject) : {};
  const nodes = Array.isArray(raw.nodes) ? raw.nodes.filter(isNode) : [];
  const edges = Array.isArray(raw.edges) ? raw.edges.filter(isEdge) : [];
  return { ...raw, nodes: nodes as DocNode[], edges: edges as DocEdge[] } as JourneyDocument;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNode(value: Json): boolean {
  return isObject(value) && typeof value.id === "string" && typeof value.type === "string";
}

function isEdge(value: Json): boolean {
  return isObject(value) && typeof value.from === "string" && typeof value.to === "string";
}

export function isPoint(value: unknown): value is Point {
  return isObject(value) && typeof value.x === "number" && typeof value.y === "number";
}
