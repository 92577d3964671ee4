// Dry runs from the canvas: the request the form builds for POST /journeys/{id}/simulate/ and the
// run the server answers with (journeys/api/simulations.py, journeys/simulation/schema.py).
import type { Api, Answer } from "./api";
import type { JourneyDocument } from "./document";
import type { DocumentError } from "./journey";
import type { Conversions, NodeStats } from "./stats";

/** The server accepts at most this many script lines (schema.MAX_SCRIPT_LINES). */
export const MAX_SCRIPT_LINES = 50;

export interface SimulationForm {
  contacts: number;
  days: number;
  /** Chance (0..1) that a contact opens each message, and then clicks it. */
  openRate: number;
  clickRate: number;
  /** A published version to run; null runs the saved draft. */
  version: number | null;
}

export const DEFAULT_FORM: SimulationForm = { contacts: 100, days: 7, openRate: 0.3, clickRate: 0.1, version: null };

export interface ScriptLine {
  event: string;
  node: string;
  p: number;
  within: string;
}

export interface SimulationRequest {
  days: number;
  population: { count: number };
  script: ScriptLine[];
  version?: number;
}

export interface SimulationResult {
  population: number;
  entered: number;
  complete: boolean;
  nodes: Record<string, NodeStats>;
  conversions: Conversions;
}

export interface SimulationRun {
  id: number;
  status: "queued" | "running" | "done" | "failed";
  url: string;
  result: SimulationResult | null;
  error: string;
  version: number | null;
}

/**
 * The request for `form` over `document`: a synthetic population, and a script in which each
 * send node's messages are opened with `openRate` within an hour and clicked with `clickRate`
 * within two. The server takes at most MAX_SCRIPT_LINES lines, so only the first send nodes (in
 * document order) are scripted when a journey has more; `scriptedSends` says how many were.
 */
export function simulationRequest(form: SimulationForm, document: JourneyDocument): {
  request: SimulationRequest;
  scriptedSends: number;
  sends: number;
} {
  const sends = document.nodes.filter((node) => node.type === "send").map((node) => node.id);
  const perSend: Array<[string, number, string]> = [
    ["message.opened", form.openRate, "PT1H"],
    ["message.clicked", form.clickRate, "PT2H"],
  ].filter(([, p]) => (p as number) > 0) as Array<[string, number, string]>;
  const scripted = perSend.length ? sends.slice(0, Math.floor(MAX_SCRIPT_LINES / perSend.length)) : [];
  const script = scripted.flatMap((node) => perSend.map(([event, p, within]) => ({ event, node, p, within })));
  const request: SimulationRequest = {
    days: form.days,
    population: { count: form.contacts },
    script,
  };
  if (form.version !== null) request.version = form.version;
  return { request, scriptedSends: perSend.length ? scripted.length : 0, sends: sends.length };
}

export function startSimulation(
  api: Api,
  journeyId: number,
  request: SimulationRequest,
): Promise<Answer<SimulationRun | { errors: DocumentError[] } | Record<string, unknown>>> {
  return api.post(`journeys/${journeyId}/simulate/`, request);
}

export function pollSimulation(api: Api, runId: number): Promise<Answer<SimulationRun>> {
  return api.get<SimulationRun>(`simulations/${runId}/`);
}

export function isFinished(run: SimulationRun): boolean {
  return run.status === "done" || run.status === "failed";
}

/** A 400 answer's located errors, whatever shape the body has (DRF field maps become one error). */
export function errorsOf(body: unknown): DocumentError[] {
  if (body && typeof body === "object" && Array.isArray((body as { errors?: unknown }).errors)) {
    return (body as { errors: DocumentError[] }).errors;
  }
  const detail = body && typeof body === "object" ? JSON.stringify(body) : String(body);
  return [{ code: "invalid", message: detail, node_id: null, path: "" }];
}
