// Per-node figures for the canvas, shaped from either answer that carries them: GET
// /journeys/{id}/stats/ (per version) and a simulation run's result (JOURNEY_FORMAT.md "Stats";
// journeys/simulation/schema.py NODE_COUNTS). Both use one node shape, so one shaping function
// and one component (NodeFigures.tsx) draw live figures and simulated ones alike.

import { marked } from "./i18n";

/** One node's counts, as both the stats endpoint and a simulation result give them. */
export interface NodeStats {
  entered: number;
  waiting: number;
  passed: number;
  ports: Record<string, number>;
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  failed: number;
  skipped: number;
  converted: number;
  /** Split nodes only (stats endpoint): converted enrollments by the variant they took. */
  port_conversions?: Record<string, number>;
}

export interface Conversions {
  count: number;
  rate: number;
}

export interface VersionStats {
  version: number;
  enrollments: number;
  conversions: Conversions;
  nodes: Record<string, NodeStats>;
}

export interface StatsAnswer {
  journey: number;
  versions: VersionStats[];
  conversions: Conversions;
}

/** A figure a node shows: `label` is a msgid, translated where it is drawn. */
export interface Figure {
  key: FigureKey;
  label: string;
  value: number;
}

/** What a port shows beside its handle: how many took it and, on a split, their share. */
export interface PortFigure {
  count: number;
  /** Share of the node's passed visits (0..1); only for split nodes, null when none passed. */
  share: number | null;
}

export interface NodeFigures {
  figures: Figure[];
  ports: Record<string, PortFigure>;
}

export type FiguresByNode = Map<string, NodeFigures>;

export type FigureKey = "entered" | "waiting" | "sent" | "opened" | "clicked" | "converted" | "failed";

const LABELS: Record<FigureKey, string> = {
  entered: marked("entered"),
  waiting: marked("waiting"),
  sent: marked("sent"),
  opened: marked("opened"),
  clicked: marked("clicked"),
  converted: marked("converted"),
  failed: marked("failed"),
};
const MESSAGE_KEYS: FigureKey[] = ["sent", "opened", "clicked", "failed"];

/**
 * The figures of every node, given each node's type (from the document shown).
 *
 * Every node shows `entered`; `waiting` and `converted` only when not zero, so quiet nodes stay
 * small; message figures on send nodes always (a send that sent nothing is news) and on other
 * nodes only when they have any. Nodes the answer does not know (added since) get nothing.
 */
export function shapeFigures(nodes: Record<string, NodeStats>, typeOf: (id: string) => string | undefined): FiguresByNode {
  const shaped: FiguresByNode = new Map();
  for (const [id, stats] of Object.entries(nodes)) {
    const type = typeOf(id);
    if (type === undefined) continue;
    shaped.set(id, { figures: nodeFigureList(stats, type), ports: portFigures(stats, type === "split") });
  }
  return shaped;
}

function nodeFigureList(stats: NodeStats, type: string): Figure[] {
  const keys: FigureKey[] = ["entered"];
  if (stats.waiting) keys.push("waiting");
  const sends = type === "send";
  for (const key of MESSAGE_KEYS) if (sends || count(stats[key])) keys.push(key);
  if (stats.converted) keys.push("converted");
  return keys.map((key) => ({ key, label: LABELS[key], value: count(stats[key]) }));
}

function portFigures(stats: NodeStats, split: boolean): Record<string, PortFigure> {
  const ports = stats.ports ?? {};
  const total = Object.values(ports).reduce((sum, n) => sum + count(n), 0);
  const shaped: Record<string, PortFigure> = {};
  for (const [port, n] of Object.entries(ports)) {
    if (!port) continue; // "" counts visits that finished on an exit: no handle to show it by
    shaped[port] = { count: count(n), share: split ? (total ? count(n) / total : null) : null };
  }
  return shaped;
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** The version numbers the answer has figures for, newest first. */
export function versionChoices(answer: StatsAnswer): number[] {
  return answer.versions.map((version) => version.version).sort((a, b) => b - a);
}

/**
 * Which version to show: the one chosen if the answer has it, else the live one, else the newest.
 * Null when the journey has no version yet (never published: nothing has run).
 */
export function pickVersion(answer: StatsAnswer, chosen: number | null, live: number | null): VersionStats | null {
  const byNumber = (n: number | null) => answer.versions.find((version) => version.version === n);
  return byNumber(chosen) ?? byNumber(live) ?? answer.versions.reduce<VersionStats | null>(
    (newest, version) => (newest === null || version.version > newest.version ? version : newest),
    null,
  );
}

/** A share as a whole percentage for display ("34%"), or an en dash when there is none. */
export function percent(share: number | null): string {
  return share === null ? "–" : `${Math.round(share * 100)}%`;
}

/**
 * The same figures as before, by value: lets a periodic refresh keep the previous Map (and so
 * spare every node a re-render) when nothing changed.
 */
export function sameFigures(a: FiguresByNode | null, b: FiguresByNode | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.size !== b.size) return false;
  for (const [id, figures] of a) {
    const other = b.get(id);
    if (!other || JSON.stringify(other) !== JSON.stringify(figures)) return false;
  }
  return true;
}
