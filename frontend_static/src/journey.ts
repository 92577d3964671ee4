// The journey resource as the REST API returns it, and the calls the canvas makes on it.
import type { Api, Answer } from "./api";
import type { JourneyDocument } from "./document";

export interface JourneyResource {
  id: number;
  name: string;
  description: string;
  definition: unknown;
  rev: number;
  status: string;
  latest_version: number | null;
  live_version: number | null;
  canary: { version: number; percent: number } | null;
}

export interface DocumentError {
  code: string;
  message: string;
  node_id: string | null;
  path: string;
}

export interface SaveConflict {
  detail: string;
  rev: number;
}

export function loadJourney(api: Api, id: number): Promise<Answer<JourneyResource>> {
  return api.get<JourneyResource>(`journeys/${id}/`);
}

export function saveJourney(
  api: Api,
  id: number,
  rev: number,
  definition: JourneyDocument,
): Promise<Answer<JourneyResource | SaveConflict | Record<string, unknown>>> {
  return api.patch(`journeys/${id}/`, { rev, definition });
}

export function validateDocument(
  api: Api,
  id: number,
  definition: JourneyDocument,
): Promise<Answer<{ valid: boolean; errors: DocumentError[] }>> {
  return api.post(`journeys/${id}/validate/`, { definition });
}
